// ask(): a request from a short-lived event-based actor, for deterministic
// tests (the fixture's scoped actor cannot use `.then`).
#pragma once

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace sasync::test {

template <class Handle, class OnResult, class OnError, class... Ts>
void ask(caf::actor_system& sys, const Handle& dest, OnResult on_result,
         OnError on_error, Ts... xs) {
  // `dest` goes in as a spawn argument: CAF 0.17 dereferences a null tuple
  // for argument-less spawns (UBSan reports it).
  sys.spawn(
      [=](caf::event_based_actor* client, const Handle& to) {
        client->request(to, caf::infinite, xs...).then(on_result, on_error);
      },
      dest);
}

} // namespace sasync::test
