// ask(): a request from a short-lived event-based actor, for deterministic
// tests (the fixture's scoped actor cannot use `.then`).
#pragma once

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace sasync::test {

template <class Handle, class OnResult, class OnError, class... Ts>
void ask(caf::actor_system& sys, const Handle& dest, OnResult on_result,
         OnError on_error, Ts... xs) {
  sys.spawn([=](caf::event_based_actor* client) {
    client->request(dest, caf::infinite, xs...).then(on_result, on_error);
  });
}

} // namespace sasync::test
