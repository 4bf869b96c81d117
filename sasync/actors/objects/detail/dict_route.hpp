// Requests of an items actor whose group has a dict alive go through that
// dict (dict_through.cpp): the dict caches the group and writes behind, so
// only it can put an items request in order with its own writes and keep
// its cache true to what the request wrote. Without a dict they go straight
// to the broker's queue. The broker tells the items actor of its group's
// dict (broker.cpp); the same holds wherever both run on one node.
#pragma once

#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/detail/run_job.hpp"
#include "sasync/actors/objects/detail/dict_impl.hpp"
#include "sasync/actors/objects/detail/group_request.hpp"

#include <caf/actor_cast.hpp>
#include <caf/sec.hpp>

#include <cstdint>
#include <memory>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

namespace sasync::detail {

/// Runs `work` at `prio` through the dict of the group while it lives, else
/// on the queue, and calls `done(caf::expected<R>)` with what `work->take()`
/// gives. A write refreshes the dict's entries of `names` (of the whole
/// group when `names` is empty).
template <class Self, class Job, class Done>
void run_routed(Self* self, std::shared_ptr<Job> work,
                std::vector<std::string> names, Done done, priority prio) {
  using result_type = decltype(work->take());
  auto writes = work->mode() == access_mode::write;
  auto all = writes && names.empty();
  if (!writes)
    names.clear();
  auto dict = caf::actor_cast<dict_impl>(self->state.dict.lock());
  if (!dict) {
    run_job(
        self, self->state.cfg.queue, work,
        [self, names = std::move(names), all, done = std::move(done),
         prio](caf::expected<result_type> x) mutable {
          // A dict that came while the write ran may have read the name
          // before it committed: it reads it again before the answer.
          auto late = caf::actor_cast<dict_impl>(self->state.dict.lock());
          if (!x || !late || (names.empty() && !all))
            return done(std::move(x));
          self->request(late, caf::infinite, through_atom::value, job_ptr{},
                        names, all, prio)
              .then([done, x]() mutable { done(std::move(x)); },
                    [done, x](caf::error&) mutable { done(std::move(x)); });
        },
        prio);
    return;
  }
  auto answer = [work, done]() mutable {
    if constexpr (std::is_void_v<result_type>)
      done(caf::expected<void>{});
    else
      done(caf::expected<result_type>{work->take()});
  };
  self->request(dict, caf::infinite, through_atom::value, job_ptr{work}, names,
                all, prio)
      .then(answer, [self, work, names, done, prio](caf::error& err) mutable {
        if (err.category() != caf::atom("system") ||
            err.code() !=
                static_cast<std::uint8_t>(caf::sec::request_receiver_down))
          return done(caf::expected<result_type>{std::move(err)});
        // The dict stopped before it took the request: none to agree with.
        self->state.dict.reset();
        run_routed(self, work, std::move(names), done, prio);
      });
}

/// ordered_job (group_request.hpp), through the dict of the group.
template <class T, class Self, class Job>
caf::result<T> routed_job(Self* self, const char* kind,
                          std::vector<std::string> keys,
                          std::shared_ptr<Job> work, priority prio) {
  auto& st = self->state;
  auto meter = request_meter::start(self);
  if (auto err = st.requests.refusal(kind, st.cfg.group))
    return refused(meter, std::move(err));
  if (auto err = check_priority(prio))
    return refused(meter, std::move(err));
  auto rp = keep_promise<T>(self).counted_by(meter);
  st.requests.opened();
  // Only a write refreshes the dict's entries of its names.
  auto names = work->mode() == access_mode::write ? keys
                                                  : std::vector<std::string>{};
  st.order.submit(std::move(keys),
                  [self, rp, work, names = std::move(names),
                   prio](auto ticket) mutable {
                    // Called once (op_sequencer): its captures may go.
                    run_routed(
                        self, std::move(work), std::move(names),
                        [self, rp, ticket](caf::expected<T> x) mutable {
                          deliver(rp, x);
                          self->state.order.finish(ticket);
                          request_answered(self);
                        },
                        prio);
                  });
  return rp;
}

/// ordered_request (group_request.hpp), through the dict of the group.
template <class T, class Self, class F>
caf::result<T> routed_request(Self* self, const char* kind,
                              std::vector<std::string> keys, access_mode mode,
                              F fn, priority prio) {
  return routed_job<T>(self, kind, std::move(keys),
                       make_connection_job(mode, std::move(fn)), prio);
}

/// unordered_read (group_request.hpp), through the dict of the group.
template <class T, class Self, class F>
caf::result<T> routed_read(Self* self, const char* kind, F fn, priority prio) {
  auto& st = self->state;
  auto meter = request_meter::start(self);
  if (auto err = st.requests.refusal(kind, st.cfg.group))
    return refused(meter, std::move(err));
  if (auto err = check_priority(prio))
    return refused(meter, std::move(err));
  auto rp = keep_promise<T>(self).counted_by(meter);
  st.requests.opened();
  run_routed(
      self, make_connection_job(access_mode::read, std::move(fn)),
      std::vector<std::string>{},
      [self, rp](caf::expected<T> x) mutable {
        deliver(rp, x);
        request_answered(self);
      },
      prio);
  return rp;
}

} // namespace sasync::detail
