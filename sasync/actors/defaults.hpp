// sasync's defaults, each written once: config structs, option help texts
// and the programs refer to these.
#pragma once

#include "sasync/actors/priority.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace sasync::defaults {

/// Jobs a broker's queue holds, and requests one group actor keeps
/// waiting, before more are refused with overloaded
/// (`sasync.queue-capacity`).
inline constexpr std::size_t queue_capacity = 10'000;

/// Microseconds an idle scheduler worker looks for work before it sleeps
/// (`sasync.worker-spin`; 0: sleeps at once).
inline constexpr std::size_t worker_spin_us = 20;

/// Jobs committed together in one transaction (group commit).
inline constexpr std::size_t max_batch = 64;

/// Written entries each dict keeps in memory
/// (`sasync.dict-cache-capacity`).
inline constexpr std::size_t dict_cache_capacity = 100'000;

/// A group actor nobody asked the broker for during this long is let go.
inline constexpr std::chrono::milliseconds group_idle_timeout{60'000};

/// A cursor nobody asked for rows during this long ends.
inline constexpr std::chrono::milliseconds cursor_idle_timeout{60'000};

/// Where sasyncd listens and where the CLI looks for it.
inline constexpr const char* node_host = "127.0.0.1";
inline constexpr std::uint16_t node_port = 4242;

/// How long the CLI waits for each answer (`--timeout`).
inline constexpr std::chrono::milliseconds cli_timeout{30'000};

/// Priorities of requests that name none (sAsync's niceness). Reads come
/// before writes, as in sAsync's items and arrays: a reader waits for no
/// queued write it does not depend on, and a write answered after its
/// commit (or written behind, on a dict) loses little by waiting a step.
/// Operations on one name or cell keep their order whatever their
/// priorities, so this never reorders a client's own work on a name.
inline constexpr priority read_priority = niceness(0);
inline constexpr priority write_priority = niceness(1);
/// sql, execute and query: a statement may read or write, and clients send
/// statements that depend on each other one after another, so all of them
/// share one priority and keep their order.
inline constexpr priority statement_priority = niceness(0);
/// table (create if missing): before the work that needs the table.
inline constexpr priority table_priority = do_next;
/// Writes of a bulk insert: writes, answered after their commit like the
/// items' writes, so after reads that do not depend on them.
inline constexpr priority insert_priority = write_priority;

/// "text (default)" for an option's help.
template <class T> std::string help(const std::string& text, T value) {
  if constexpr (std::is_convertible_v<T, std::string>)
    return text + " (" + std::string{value} + ")";
  else
    return text + " (" + std::to_string(value) + ")";
}

} // namespace sasync::defaults
