// run_timeout, the engine's bound on how long sasync waits for the database
// to answer: as a request timeout, and as the error its requesters get.
#pragma once

#include "sasync/actors/errc.hpp"

#include <caf/duration.hpp>
#include <caf/error.hpp>

#include <chrono>
#include <string>

namespace sasync::detail {

/// `run_timeout` as a request timeout; zero waits as long as it takes.
inline caf::duration run_deadline(std::chrono::milliseconds run_timeout) {
  if (run_timeout.count() <= 0)
    return caf::infinite;
  return caf::duration{run_timeout};
}

/// How long a connection may take beyond run_timeout to close: work that
/// started just before the close is interrupted only at run_timeout from
/// its own start, and the interrupt is a round trip to the server.
inline constexpr std::chrono::milliseconds close_grace{2'000};

/// How long closing a connection may take; zero run_timeout: as long as it
/// takes.
inline caf::duration close_deadline(std::chrono::milliseconds run_timeout) {
  if (run_timeout.count() <= 0)
    return caf::infinite;
  return caf::duration{run_timeout + close_grace};
}

/// errc::timeout: `what` did not happen within `run_timeout`; `then` says
/// what that leaves for the work.
inline caf::error run_timeout_error(std::chrono::milliseconds run_timeout,
                                    const std::string& what,
                                    const std::string& then) {
  return make_error(errc::timeout, what + " within run_timeout (" +
                                       std::to_string(run_timeout.count()) +
                                       " ms); " + then);
}

/// errc::timeout for work its connection interrupted once run_timeout had
/// passed: it was rolled back, nothing of it committed.
inline caf::error interrupted_error(std::chrono::milliseconds run_timeout) {
  return run_timeout_error(run_timeout, "the database did not finish",
                           "its statement was interrupted and nothing of the "
                           "work committed");
}

} // namespace sasync::detail
