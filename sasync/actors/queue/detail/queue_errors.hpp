// The transaction queue's refusals and failures in words: what a requester
// gets when its work cannot wait, waited too long, or ran too long.
#pragma once

#include "sasync/actors/detail/run_timeout.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/actors/queue/queue_schedule.hpp"

#include <caf/error.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace sasync::detail {

/// Why work cannot wait in line; none for refusal::none.
inline caf::error refusal_error(queue_schedule::refusal why, priority prio,
                                std::size_t waiting) {
  using refusal = queue_schedule::refusal;
  switch (why) {
  case refusal::none:
    break;
  case refusal::invalid_niceness:
    return make_error(errc::invalid_argument,
                      "niceness " + std::to_string(int{prio.niceness}) +
                          " is outside -20..20");
  case refusal::overloaded:
    return make_error(errc::overloaded,
                      std::to_string(waiting) + " jobs already wait");
  case refusal::no_connection:
    return make_error(errc::database_error, "no connection left");
  }
  return {};
}

/// Work found no connection within pool_timeout; `last_attempt` says why
/// the last connection attempt failed, if one did.
inline caf::error wait_timeout_error(std::chrono::milliseconds wait_timeout,
                                     const std::string& last_attempt) {
  std::string why = "no connection within pool_timeout (" +
                    std::to_string(wait_timeout.count()) + " ms)";
  if (!last_attempt.empty())
    why += "; last attempt: " + last_attempt;
  return make_error(errc::timeout, why);
}

/// What a batch past run_timeout leaves: its connection interrupts it (and
/// never commits interrupted work), but a write whose COMMIT had begun may
/// still commit.
inline caf::error overrun_error(std::chrono::milliseconds run_timeout,
                                bool writes) {
  return run_timeout_error(
      run_timeout, "no answer from the database",
      writes ? "its statement is interrupted; the work may still commit if "
               "its COMMIT had begun"
             : "its statement is interrupted; a read commits nothing");
}

/// What the requesters of work the schedule failed get. `cause` is the
/// error of the event behind a refusal or a lost connection; `last_attempt`
/// why the last connection attempt failed; `writes` whether the work writes.
inline caf::error failure_error(queue_schedule::failure why,
                                const queue_schedule::config& cfg,
                                const caf::error& cause,
                                const std::string& last_attempt, bool writes) {
  using failure = queue_schedule::failure;
  switch (why) {
  case failure::waited_too_long:
    return wait_timeout_error(cfg.wait_timeout, last_attempt);
  case failure::overran:
    return overrun_error(cfg.run_timeout, writes);
  case failure::shutting_down:
    return make_error(errc::shutting_down, "queue closed");
  case failure::refused:
  case failure::connection_lost:
    break;
  }
  return cause;
}

} // namespace sasync::detail
