#include "sasync/actors/detail/weak_timer.hpp"

#include "sasync/actors/atoms.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>

#include <algorithm>

namespace sasync::detail {

namespace {

/// Holds `msg` for `delay`, then sends it to `to` as `to`'s own message if
/// anything still holds `to`, and quits.
/// (A function with arguments: CAF 0.17 dereferences a null tuple when it
/// starts one spawned without any, which UBSan reports.)
caf::behavior weak_timer(caf::event_based_actor* self, caf::actor_addr to,
                         caf::timespan delay, caf::message msg) {
  self->delayed_send(self, std::max(delay, caf::timespan{0}),
                     expire_atom::value);
  return {[self, to, msg](expire_atom) {
    if (auto dest = caf::actor_cast<caf::strong_actor_ptr>(to))
      dest->enqueue(
          caf::make_mailbox_element(dest, caf::make_message_id(), {}, msg),
          nullptr);
    self->quit();
  }};
}

} // namespace

void send_later_weakly(caf::local_actor* self, caf::timespan delay,
                       caf::message msg) {
  // A hidden actor of its own holds the message and only the address of
  // `self`: the clock holds the timer actor, and a hidden actor is not
  // waited for when the actor system stops.
  self->system().spawn<caf::hidden>(weak_timer, self->address(), delay,
                                    std::move(msg));
}

} // namespace sasync::detail
