// A request to a group actor (items, array) as a job on the broker's queue:
// answered with the job's result, kept in order with earlier operations on
// the same keys, and counted so that close() waits for it. The actor's state
// has `cfg` (group_config), `order` (op_sequencer) and `requests`
// (open_requests).
#pragma once

#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/detail/priority_check.hpp"
#include "sasync/actors/detail/run_job.hpp"
#include "sasync/actors/objects/detail/group_actors.hpp"
#include "sasync/actors/objects/detail/op_sequencer.hpp"
#include "sasync/actors/objects/detail/open_requests.hpp"

#include <caf/result.hpp>

#include <memory>
#include <utility>
#include <vector>

namespace sasync::detail {

template <class Self> void request_answered(Self* self) {
  if (self->state.requests.answered()) {
    self->state.requests.finish();
    self->quit();
  }
}

/// Runs `work` at `prio` once every earlier operation on `keys` is done (on
/// any key when `keys` is empty) and answers with what `work->take()` gives.
/// Its place among the operations on its keys is its arrival: `prio` orders
/// it only against work that is free to run (other keys, other groups).
template <class T, class Self, class Key, class Job>
caf::result<T> ordered_job(Self* self, const char* kind, std::vector<Key> keys,
                           std::shared_ptr<Job> work, priority prio) {
  auto& st = self->state;
  auto meter = request_meter::start(self);
  if (auto err = st.requests.refusal(kind, st.cfg.group))
    return refused(meter, std::move(err));
  if (auto err = check_priority(prio))
    return refused(meter, std::move(err));
  auto rp = keep_promise<T>(self).counted_by(meter);
  st.requests.opened();
  st.order.submit(std::move(keys), [self, rp, work, prio](auto ticket) {
    run_job(
        self, self->state.cfg.queue, work,
        [self, rp, ticket](caf::expected<T> x) mutable {
          deliver(rp, x);
          self->state.order.finish(ticket);
          request_answered(self);
        },
        prio);
  });
  return rp;
}

/// Runs `fn(connection&)` at `prio` once every earlier operation on `keys`
/// is done (on any key when `keys` is empty) and answers with its result.
template <class T, class Self, class Key, class F>
caf::result<T> ordered_request(Self* self, const char* kind,
                               std::vector<Key> keys, access_mode mode, F fn,
                               priority prio) {
  return ordered_job<T>(self, kind, std::move(keys),
                        make_connection_job(mode, std::move(fn)), prio);
}

/// Runs `fn(connection&)` as a read at `prio` now and answers with its result.
template <class T, class Self, class F>
caf::result<T> unordered_read(Self* self, const char* kind, F fn,
                              priority prio) {
  auto& st = self->state;
  auto meter = request_meter::start(self);
  if (auto err = st.requests.refusal(kind, st.cfg.group))
    return refused(meter, std::move(err));
  if (auto err = check_priority(prio))
    return refused(meter, std::move(err));
  auto rp = keep_promise<T>(self).counted_by(meter);
  st.requests.opened();
  run_job(
      self, st.cfg.queue, access_mode::read, std::move(fn),
      [self, rp](caf::expected<T> x) mutable {
        deliver(rp, x);
        request_answered(self);
      },
      prio);
  return rp;
}

/// close(): answered once every accepted request is, then the actor quits.
template <class Self> caf::result<void> close_request(Self* self) {
  auto rp = keep_promise<void>(self);
  if (self->state.requests.close(rp)) {
    self->state.requests.finish();
    self->quit();
  }
  return rp;
}

} // namespace sasync::detail
