// Running a closure as a job on the transaction queue from an actor, with
// its result as caf::expected (used by the group actors).
#pragma once

#include "actors/job.hpp"
#include "actors/priority.hpp"
#include "actors/transaction_queue.hpp"
#include "actors/detail/deliver.hpp"

#include <caf/expected.hpp>
#include <caf/typed_response_promise.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace sasync::detail {

/// Runs `work` on `queue` and calls `done(caf::expected<R>)` with what
/// `work->take()` gives.
template <class Self, class Job, class Done>
void run_job(Self* self, const transaction_queue& queue,
             std::shared_ptr<Job> work, Done done) {
  using result_type = decltype(work->take());
  self->request(queue, caf::infinite, run_atom::value, job_ptr{work},
                niceness(0))
      .then(
          [work, done]() mutable {
            if constexpr (std::is_void_v<result_type>)
              done(caf::expected<void>{});
            else
              done(caf::expected<result_type>{work->take()});
          },
          [done](caf::error& err) mutable {
            done(caf::expected<result_type>{std::move(err)});
          });
}

/// Runs `fn(connection&)` on `queue` and calls `done(caf::expected<R>)`.
template <class Self, class F, class Done>
void run_job(Self* self, const transaction_queue& queue, access_mode mode, F fn,
             Done done) {
  run_job(self, queue, make_job(mode, std::move(fn)), std::move(done));
}

/// Delivers a result or its error.
template <class T>
void deliver(caf::typed_response_promise<T>& rp, caf::expected<T>& x) {
  if (!x)
    rp.deliver(std::move(x.error()));
  else
    rp.deliver(std::move(*x));
}

inline void deliver(caf::typed_response_promise<void>& rp,
                    caf::expected<void>& x) {
  if (!x)
    rp.deliver(std::move(x.error()));
  else
    deliver_done(rp);
}

} // namespace sasync::detail
