// Whether an actor has ended, asked from outside it without waiting.
#pragma once

#include <caf/abstract_actor.hpp>
#include <caf/actor_cast.hpp>

#include <atomic>
#include <memory>
#include <thread>

namespace sasync::test {

/// Whether the actor of `handle` has ended already: CAF runs a functor
/// attached to an ended actor at once, in the caller's thread (to a live
/// one, later, in the thread that ends it).
template <class Handle> bool has_ended(const Handle& handle) {
  auto now = std::make_shared<std::atomic<bool>>(false);
  caf::actor_cast<caf::abstract_actor*>(handle)->attach_functor(
      [now, caller = std::this_thread::get_id()] {
        if (std::this_thread::get_id() == caller)
          *now = true;
      });
  return *now;
}

} // namespace sasync::test
