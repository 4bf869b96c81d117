// Counters of the transaction queue, as reported by `status`.
#pragma once

#include <cstdint>

namespace sasync {

struct queue_status {
  std::uint64_t waiting = 0;     ///< accepted, not yet running
  std::uint64_t running = 0;     ///< on a connection now
  std::uint64_t capacity = 0;    ///< waiting jobs before "overloaded"
  std::uint64_t connections = 0; ///< connection actors
  std::uint64_t idle = 0;        ///< connection actors without work
  std::uint64_t done = 0;        ///< jobs that committed
  std::uint64_t failed = 0;      ///< jobs answered with an error
  std::uint64_t refused = 0;     ///< jobs refused as overloaded or invalid
  std::uint64_t batches = 0;     ///< transactions run
  std::uint64_t leased = 0;      ///< connections lent to cursors now
  std::uint64_t prepared = 0;    ///< statements prepared (cache misses)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_status& x) {
  return f(x.waiting, x.running, x.capacity, x.connections, x.idle, x.done,
           x.failed, x.refused, x.batches, x.leased, x.prepared);
}

} // namespace sasync
