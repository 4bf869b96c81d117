// How the broker spawns a cursor; users get cursors from the broker.
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/actors/query/detail/cursor_impl.hpp"
#include "sasync/actors/query/row_consumer.hpp"
#include "sasync/actors/queue/transaction_queue.hpp"
#include "sasync/storage/value.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_control_block.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sasync::detail {

struct cursor_config {
  transaction_queue queue;
  /// The only sender whose open and close the cursor honours.
  caf::actor_addr broker;
  std::string sql;
  std::vector<value> params;
  priority prio = niceness(0);
  /// Monitored: the cursor ends when it terminates.
  caf::strong_actor_ptr owner;
  /// When set, rows are pushed to it (and it is the owner).
  row_consumer consumer;
  std::uint32_t credit = 0;
  std::chrono::milliseconds idle_timeout{defaults::cursor_idle_timeout};
  /// How long the connection may take to answer a query or fetch before
  /// the cursor ends with errc::timeout; zero waits as long as it takes.
  std::chrono::milliseconds run_timeout{0};
};

cursor_impl spawn_cursor(caf::actor_system& sys, cursor_config cfg);

} // namespace sasync::detail
