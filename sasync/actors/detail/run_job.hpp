// Running a closure as a job on the transaction queue from an actor, with
// its result as caf::expected (used by the group actors).
#pragma once

#include "sasync/actors/detail/connection_job.hpp"
#include "sasync/actors/detail/deliver.hpp"
#include "sasync/actors/detail/fenced_job.hpp"
#include "sasync/actors/detail/job_outbox.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/job.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/actors/queue/transaction_queue.hpp"
#include "sasync/storage/object_tables.hpp"

#include <caf/expected.hpp>
#include <caf/typed_response_promise.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace sasync::detail {

/// True when `err` is the database saying that sasync_items or
/// sasync_array does not exist: something dropped it. SQLite's words, or
/// PostgreSQL's SQLSTATE 42P01 (undefined_table) naming the table.
inline bool lost_object_table(const caf::error& err) {
  if (!is(err, errc::database_error) ||
      !err.context().match_elements<std::string, bool>())
    return false;
  auto& what = err.context().get_as<std::string>(0);
  auto ends_with = [&](const std::string& tail) {
    return what.size() >= tail.size() &&
           what.compare(what.size() - tail.size(), tail.size(), tail) == 0;
  };
  return what.find("no such table: sasync_") != std::string::npos ||
         (ends_with("(42P01)") &&
          what.find("relation \"sasync_") != std::string::npos);
}

/// Runs `work` on `queue` at `prio` and calls `done(caf::expected<R>)` with
/// what `work->take()` gives. If sasync's own table is gone (nothing of the
/// failed attempt committed), it is created again and `work` runs once more.
template <class Self, class Job, class Done>
void run_job(Self* self, const transaction_queue& queue,
             std::shared_ptr<Job> work, Done done, priority prio = niceness(0),
             bool recreated = false) {
  using result_type = decltype(work->take());
  auto settle = [self, queue, work, done, prio,
                 recreated](const caf::error& err) mutable {
    if (!err) {
      if constexpr (std::is_void_v<result_type>)
        done(caf::expected<void>{});
      else
        done(caf::expected<result_type>{work->take()});
      return;
    }
    note_fenced(self, err);
    if (recreated || !lost_object_table(err))
      return done(caf::expected<result_type>{err});
    auto create = make_connection_job(access_mode::write, [](connection& c) {
      create_object_tables(c);
    });
    self->request(queue, caf::infinite, run_atom::value, job_ptr{create},
                  do_next)
        .then(
            [self, queue, work, done, prio]() mutable {
              run_job(self, queue, work, done, prio, true);
            },
            [done](caf::error& err) mutable {
              done(caf::expected<result_type>{std::move(err)});
            });
  };
  send_job(self, queue, behind_fence(self, job_ptr{work}), prio,
           std::move(settle));
}

/// Runs `fn(connection&)` on `queue` at `prio` and calls
/// `done(caf::expected<R>)`.
template <class Self, class F, class Done>
void run_job(Self* self, const transaction_queue& queue, access_mode mode, F fn,
             Done done, priority prio = niceness(0)) {
  run_job(self, queue, make_connection_job(mode, std::move(fn)),
          std::move(done), prio);
}

} // namespace sasync::detail
