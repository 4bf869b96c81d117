#include "sasync/actors/detail/weak_timer.hpp"

#include "sasync/actors/atoms.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>

#include <algorithm>

namespace sasync::detail {

void send_later_weakly(caf::local_actor* self, caf::timespan delay,
                       caf::message msg) {
  // A hidden actor of its own holds the message and only the address of
  // `self`: the clock holds the timer actor, and a hidden actor is not
  // waited for when the actor system stops.
  self->system().spawn<caf::hidden>(
      [to = self->address(), delay = std::max(delay, caf::timespan{0}),
       msg = std::move(msg)](caf::event_based_actor* timer) -> caf::behavior {
        timer->delayed_send(timer, delay, expire_atom::value);
        return {[=](expire_atom) {
          if (auto dest = caf::actor_cast<caf::strong_actor_ptr>(to))
            dest->enqueue(caf::make_mailbox_element(
                              dest, caf::make_message_id(), {}, msg),
                          nullptr);
          timer->quit();
        }};
      });
}

} // namespace sasync::detail
