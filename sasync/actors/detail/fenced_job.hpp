// A group's write in cluster mode: the fence of its owner runs first, in the
// same transaction, so a node that lost the group commits nothing for it.
#pragma once

#include "sasync/actors/errc.hpp"
#include "sasync/actors/job.hpp"
#include "sasync/storage/cluster_store.hpp"

#include <caf/error.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace sasync::detail {

/// The ownership a group actor writes under (cluster mode only).
struct group_fence {
  sasync::group_kind kind = sasync::group_kind::items;
  std::int64_t group = 0;
  group_owner owner;
};

/// Runs fence_group() and then `inner`, in one transaction (or savepoint):
/// the fence's row lock makes a takeover wait for the write's end, so the
/// write commits before the takeover or not at all. Runs alone, never
/// merged with its neighbours.
class fenced_job final : public job {
public:
  fenced_job(group_fence fence, job_ptr inner)
      : job(inner->mode()), fence_(fence), inner_(std::move(inner)) {}

  void run(connection& conn) override {
    fence_group(conn, fence_.kind, fence_.group, fence_.owner);
    inner_->run(conn);
  }

private:
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
