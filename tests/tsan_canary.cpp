// A data race on purpose, between detached actors: the ThreadSanitizer
// build must report it (CTest expects the report), which shows that the
// instrumented CAF passes reports from actor code through and that a clean
// run of the suites means something.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <atomic>

namespace {

constexpr int racers = 4;
// Written by every racer without synchronisation; volatile, so that each
// iteration really reads and writes it.
volatile long unguarded = 0;
// Relaxed, so it orders nothing: it only makes the writes overlap in time.
std::atomic<int> started{0};

caf::behavior racer(caf::event_based_actor* self, caf::actor done) {
  started.fetch_add(1, std::memory_order_relaxed);
  while (started.load(std::memory_order_relaxed) < racers)
    ; // until all run
  for (int i = 0; i < 100'000; ++i)
    unguarded = unguarded + 1;
  self->send(done, caf::ok_atom::value);
  return {};
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  for (int i = 0; i < racers; ++i)
    sys.spawn<caf::detached>(racer, caf::actor{self});
  for (int i = 0; i < racers; ++i)
    self->receive([](caf::ok_atom) {});
  return unguarded > 0 ? 0 : 1;
}
