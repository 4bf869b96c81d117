// A unit of database work run by a connection actor inside a transaction:
// a local closure (sAsync's @transact) or a built-in operation.
#pragma once

#include "sasync/actors/priority.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/transaction_scope.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace sasync {

class job;

/// Runs neighbouring jobs of one kind together, in one statement: all of
/// them, or it throws and leaves them to run one by one.
using merged_runner = void (*)(connection& conn, const std::vector<job*>& jobs);

/// What the transaction queue may assume of a job's cost: sasync's own
/// statements are short, and wait for a running batch to run with the next
/// one (queue_schedule.hpp, "gather"); a user's closure or statement may
/// take any time, and goes to an idle connection at once.
enum class job_cost : std::uint8_t { short_statements, unknown };

/// Work that runs on a connection. run() may throw; the connection actor
/// turns exceptions into errors. Jobs stay in one process: they hold code.
class job {
public:
  explicit job(access_mode mode, job_cost cost = job_cost::short_statements)
      : mode_(mode), cost_(cost) {}
  virtual ~job() = default;

  /// Runs inside an open transaction (or savepoint) on `conn`.
  virtual void run(connection& conn) = 0;

  /// Jobs of a batch that follow each other with the same runner run
  /// together (one round trip instead of one per job); none by default.
  virtual merged_runner merger() const noexcept { return nullptr; }

  /// True when the merged run of `n` such jobs needs no transaction around
  /// it: each statement it runs is whole on its own (one upsert, selects).
  /// The connection then commits each by itself (connection.hpp,
  /// prefers_autocommit).
  virtual bool merged_run_stands_alone(std::size_t n) const noexcept {
    (void)n;
    return false;
  }

  access_mode mode() const noexcept { return mode_; }

  job_cost cost() const noexcept { return cost_; }

private:
  access_mode mode_;
  job_cost cost_;
};

using job_ptr = std::shared_ptr<job>;

/// Jobs committed together in one transaction (group commit).
using job_batch = std::vector<job_ptr>;

/// A job on its way to the transaction queue with the priority it waits at.
struct queued_job {
  job_ptr work;
  priority prio;
};

/// Jobs that travel to the transaction queue in one message.
using queued_jobs = std::vector<queued_job>;

/// Runs `fn(Arg&)` as a job and keeps its result for the requester to take
/// after the reply arrives (the reply orders the write before the read).
/// Arg is transaction_scope (users' closures, which may run statements but
/// not end or nest their transaction) or connection (sasync's own work).
template <class Arg, class F> class result_job final : public job {
public:
  static_assert(std::is_invocable_v<F&, Arg&>,
                "a transact closure takes sasync::transaction_scope&; "
                "sasync's own jobs take sasync::connection&");
  using result_type = std::invoke_result_t<F&, Arg&>;

  /// A user's closure (Arg transaction_scope) is of unknown cost.
  result_job(access_mode mode, F fn,
             job_cost cost = std::is_same_v<Arg, connection>
                                 ? job_cost::short_statements
                                 : job_cost::unknown)
      : job(mode, cost), fn_(std::move(fn)) {}

  void run(connection& conn) override {
    if constexpr (std::is_same_v<Arg, connection>) {
      call(conn);
    } else {
      Arg scope{conn};
      call(scope);
    }
  }

  /// The result of a successful run.
  result_type take() {
    if constexpr (!std::is_void_v<result_type>)
      return std::move(*result_);
  }

private:
  void call(Arg& arg) {
    if constexpr (std::is_void_v<result_type>)
      fn_(arg);
    else
      result_.emplace(fn_(arg));
  }

  F fn_;
  std::conditional_t<std::is_void_v<result_type>, bool,
                     std::optional<result_type>>
      result_{};
};

/// A user's closure as a job: `fn(transaction_scope&)`.
template <class F> using closure_job = result_job<transaction_scope, F>;

template <class F>
std::shared_ptr<closure_job<F>> make_job(access_mode mode, F fn) {
  return std::make_shared<closure_job<F>>(mode, std::move(fn));
}

} // namespace sasync

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sasync::job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sasync::job_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sasync::queued_jobs)
