// Who waits for each of the transaction queue's tickets: the promise of a
// job's requester, or a lease's promise and lessee. Each is answered once.
#pragma once

#include "sasync/actors/detail/deliver.hpp"
#include "sasync/actors/detail/recycling_allocator.hpp"
#include "sasync/actors/job.hpp"
#include "sasync/actors/queue/connection_actor.hpp"
#include "sasync/actors/queue/queue_schedule.hpp"

#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace sasync::detail {

/// The answer to run(jobs): one error per job (none: done), delivered
/// once the last of them is answered.
class answer_set {
public:
  answer_set(caf::typed_response_promise<std::vector<caf::error>> promise,
             std::size_t size)
      : promise_(std::move(promise)), errors_(size), left_(size) {
    if (size == 0)
      promise_.deliver(std::vector<caf::error>{});
  }

  void answer(std::size_t place, const caf::error& err) {
    errors_[place] = err;
    if (--left_ == 0)
      promise_.deliver(std::move(errors_));
  }

private:
  caf::typed_response_promise<std::vector<caf::error>> promise_;
  std::vector<caf::error> errors_;
  std::size_t left_;
};

/// A job, or a lease request when it has no work.
struct queue_request {
  job_ptr work;
  /// Who waits for the job: its own requester, or the set it came in.
  caf::typed_response_promise<void> promise;
  std::shared_ptr<answer_set> set;
  std::size_t place = 0; ///< in `set`
  caf::typed_response_promise<connection_actor> lease;
  caf::actor_addr lessee;
  /// When it was put in line (for the wait-time metric).
  std::chrono::steady_clock::time_point arrived;

  bool is_lease() const noexcept { return work == nullptr; }
};

/// The requests behind the tickets a queue_schedule holds (waiting,
/// running, or lent out), with counts of the answers given.
class queue_requests {
public:
  void add(ticket t, queue_request r) { requests_.emplace(t, std::move(r)); }

  /// Answers `t` with `err` (none: done) and forgets it. True when `t`
  /// was a job (not a lease) waiting for its answer.
  bool answer(ticket t, const caf::error& err) {
    auto i = requests_.find(t);
    if (i == requests_.end())
      return false;
    auto& r = i->second;
    if (r.is_lease())
      r.lease.deliver(err);
    else if (r.set)
      r.set->answer(r.place, err);
    else if (err)
      r.promise.deliver(err);
    else
      deliver_done(r.promise);
    ++(err ? failed_ : done_);
    auto was_job = !r.is_lease();
    requests_.erase(i);
    return was_job;
  }

  /// When the request behind `t` was put in line.
  std::chrono::steady_clock::time_point arrived(ticket t) const {
    return requests_.at(t).arrived;
  }

  /// Gives the lease `t` its connection; it stays until forgotten.
  void lend(ticket t, const connection_actor& conn) {
    requests_.at(t).lease.deliver(conn);
  }

  /// A lease that ended, or was dropped: nothing to answer.
  void forget(ticket t) { requests_.erase(t); }

  job_batch jobs(const std::vector<ticket>& ts) const {
    job_batch out;
    out.reserve(ts.size());
    for (auto t : ts)
      out.emplace_back(requests_.at(t).work);
    return out;
  }

  /// True when one of these jobs writes.
  bool writes(const std::vector<ticket>& ts) const {
    return std::any_of(ts.begin(), ts.end(), [&](ticket t) {
      auto i = requests_.find(t);
      return i != requests_.end() && !i->second.is_lease() &&
             i->second.work->mode() == access_mode::write;
    });
  }

  /// The leases, waiting or held, of `lessee`.
  std::vector<ticket> leases_of(const caf::actor_addr& lessee) const {
    std::vector<ticket> out;
    for (auto& [t, r] : requests_)
      if (r.is_lease() && r.lessee == lessee)
        out.emplace_back(t);
    return out;
  }

  std::uint64_t done() const noexcept { return done_; }
  std::uint64_t failed() const noexcept { return failed_; }

private:
  std::map<ticket, queue_request, std::less<ticket>,
           recycling_allocator<std::pair<const ticket, queue_request>>>
      requests_;
  std::uint64_t done_ = 0;
  std::uint64_t failed_ = 0;
};

} // namespace sasync::detail
