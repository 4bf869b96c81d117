// Closing a set of connection actors with a bound: a connection stuck in a
// database that does not answer is left behind instead of waited for.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/detail/deliver.hpp"
#include "sasync/actors/detail/run_timeout.hpp"
#include "sasync/actors/queue/connection_actor.hpp"

#include <caf/typed_response_promise.hpp>

#include <memory>
#include <string>
#include <vector>

namespace sasync::detail {

/// Asks every connection to close, each within run_timeout and
/// close_grace, then answers `rp` (done, or errc::timeout naming how many
/// did not close) and calls `then()`.
template <class Self, class Then>
void close_connections(Self* self, const std::vector<connection_actor>& all,
                       std::chrono::milliseconds run_timeout,
                       caf::typed_response_promise<void> rp, Then then) {
  if (all.empty()) {
    deliver_done(rp);
    then();
    return;
  }
  struct closing {
    std::size_t remaining;
    std::size_t stuck = 0;
  };
  auto left = std::make_shared<closing>(closing{all.size()});
  auto one_closed = [rp, left, run_timeout, then](bool answered) mutable {
    left->stuck += answered ? 0 : 1;
    if (--left->remaining > 0)
      return;
    if (left->stuck == 0)
      deliver_done(rp);
    else
      rp.deliver(run_timeout_error(
          run_timeout,
          std::to_string(left->stuck) + " connection(s) did not close",
          "nor in the " + std::to_string(close_grace.count()) +
              " ms after it that interrupting their work may take; the work "
              "they run may still commit"));
    then();
  };
  for (auto& conn : all)
    self->request(conn, close_deadline(run_timeout), close_atom::value)
        .then([one_closed]() mutable { one_closed(true); },
              [one_closed](caf::error& err) mutable {
                one_closed(err != caf::sec::request_timeout);
              });
}

} // namespace sasync::detail
