// A group's write in cluster mode: the fence of its owner runs first, in the
// same transaction, so a node that lost the group commits nothing for it.
#pragma once

#include "sasync/actors/errc.hpp"
#include "sasync/actors/job.hpp"
#include "sasync/storage/cluster_store.hpp"

#include <caf/error.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace sasync::detail {

/// The ownership a group actor writes under (cluster mode only).
struct group_fence {
  sasync::group_kind kind = sasync::group_kind::items;
  std::int64_t group = 0;
  group_owner owner;
};

/// Runs fence_group() and then `inner`, in one transaction (or savepoint):
/// the fence's row lock makes a takeover wait for the write's end, so the
/// write commits before the takeover or not at all. Neighbours whose inner
/// jobs merge run together: each fence once, then the writes merged (one
/// fence and one upsert for a batch of sets, not a savepoint, a fence and
/// an upsert each); a fence that fails fails the run, and the connection
/// then runs each job alone, so only the lost group's writes fail.
class fenced_job final : public job {
public:
  fenced_job(group_fence fence, job_ptr inner)
      : job(inner->mode(), inner->cost()), fence_(fence),
        inner_(std::move(inner)) {}

  void run(connection& conn) override {
    fence_group(conn, fence_.kind, fence_.group, fence_.owner);
    inner_->run(conn);
  }

  merged_runner merger() const noexcept override {
    return inner_->merger() ? &run_merged : nullptr;
  }

private:
  static bool same_fence(const group_fence& x, const group_fence& y) {
    return x.kind == y.kind && x.group == y.group &&
           x.owner.member == y.owner.member && x.owner.epoch == y.owner.epoch;
  }

  static void run_merged(connection& conn, const std::vector<job*>& jobs) {
    std::vector<const group_fence*> taken;
    std::vector<job*> inner;
    for (auto* j : jobs) {
      auto* x = static_cast<fenced_job*>(j);
      auto seen = std::any_of(taken.begin(), taken.end(), [x](auto* f) {
        return same_fence(*f, x->fence_);
      });
      if (!seen) {
        fence_group(conn, x->fence_.kind, x->fence_.group, x->fence_.owner);
        taken.push_back(&x->fence_);
      }
      inner.push_back(x->inner_.get());
    }
    // Runs of inner jobs that share a runner go as one; order is kept.
    for (std::size_t i = 0; i < inner.size();) {
      auto merge = inner[i]->merger();
      auto end = i + 1;
      while (end < inner.size() && inner[end]->merger() == merge)
        ++end;
      merge(conn, std::vector<job*>(inner.begin() + static_cast<std::ptrdiff_t>(i),
                                    inner.begin() + static_cast<std::ptrdiff_t>(end)));
      i = end;
    }
  }

  group_fence fence_;
  job_ptr inner_;
};

/// Whether an actor's state carries a group_config (`cfg.fence`) and
/// open_requests (`requests`): the group actors.
template <class Self, class = void> struct fences_writes : std::false_type {};

template <class Self>
struct fences_writes<
    Self, std::void_t<decltype(std::declval<Self&>().state.cfg.fence),
                      decltype(std::declval<Self&>().state.requests)>>
    : std::true_type {};

/// `work` as it goes to the queue: behind its group's fence when `self` is a
/// group actor with an owner and `work` writes; else unchanged (no extra SQL
/// outside cluster mode).
template <class Self> job_ptr behind_fence(Self* self, job_ptr work) {
  if constexpr (fences_writes<Self>::value) {
    auto& fence = self->state.cfg.fence;
    if (fence && work->mode() == access_mode::write)
      return std::make_shared<fenced_job>(*fence, std::move(work));
  }
  return work;
}

/// After a fenced write: the group actor refuses new requests with `err`
/// and stops once those it accepted are answered, so the broker forgets it
/// and the next request for the group finds its owner again.
template <class Self> void note_fenced(Self* self, const caf::error& err) {
  if constexpr (fences_writes<Self>::value) {
    if (is(err, errc::fenced))
      self->state.requests.lose_ownership(err);
  }
}

} // namespace sasync::detail
