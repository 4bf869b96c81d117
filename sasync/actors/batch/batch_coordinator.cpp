// An atomic batch on the broker: hold, run, release. Holding first keeps a
// batch in the per-name order of the group actors: it starts after every
// operation that came before it on its names and before every one after.
// A group's dict writes its names behind the items actor's back, so where
// it lives the batch also waits for the writes it took before, and has it
// read the batch's names again before answering.
#include "sasync/actors/batch/detail/batch_coordinator.hpp"

#include "sasync/actors/batch/batch_check.hpp"
#include "sasync/actors/detail/broker_lifecycle.hpp"
#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/detail/priority_check.hpp"
#include "sasync/actors/detail/run_job.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/detail/array_impl.hpp"
#include "sasync/actors/objects/detail/dict_impl.hpp"
#include "sasync/actors/objects/detail/items_impl.hpp"
#include "sasync/storage/batch_apply.hpp"

#include <caf/sec.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace sasync::detail {

namespace {

/// The keys one group actor holds for a batch.
struct hold_target {
  std::vector<std::string> names;
  std::vector<coordinates> cells;
  caf::strong_actor_ptr actor;
  std::uint64_t ticket = 0;
  bool held = false;
};

struct batch_run {
  std::vector<batch_op> ops;
  priority prio;
  kept_promise<std::vector<batch_result>> rp;
  /// Sorted by (kind, group): every batch takes its holds in this order.
  std::map<std::pair<group_kind, std::int64_t>, hold_target> targets;
  group_lookup groups;
  group_lookup alive;
};

using run_ptr = std::shared_ptr<batch_run>;

void collect_targets(batch_run& run) {
  for (auto& op : run.ops) {
    if (on_items(op.kind))
      run.targets[{group_kind::items, op.group}].names.push_back(op.text);
    else if (on_cells(op.kind))
      run.targets[{group_kind::array, op.group}].cells.push_back(op.at);
  }
}

/// Lets every hold go; the group actors' later operations may start.
void release_all(broker_ptr self, batch_run& run) {
  for (auto& [key, t] : run.targets) {
    if (!t.held)
      continue;
    t.held = false;
    auto noop = [] {};
    auto ignore = [](caf::error&) {};
    if (key.first == group_kind::items)
      self->request(caf::actor_cast<items_impl>(t.actor), caf::infinite,
                    release_atom::value, t.ticket)
          .then(noop, ignore);
    else
      self->request(caf::actor_cast<array_impl>(t.actor), caf::infinite,
                    release_atom::value, t.ticket)
          .then(noop, ignore);
  }
}

bool receiver_down(const caf::error& err) {
  return err.category() == caf::atom("system") &&
         err.code() ==
             static_cast<std::uint8_t>(caf::sec::request_receiver_down);
}

/// The dict of an items group while it lives, else none.
dict_impl live_dict(const batch_run& run, std::int64_t group) {
  return caf::actor_cast<dict_impl>(run.alive(group_kind::dict, group));
}

/// Has the dict of `group` (if one lives) run a refresh of `names` in its
/// place among its requests (dict_through.cpp): it answers once every
/// write it took before has committed, with the names read again. Calls
/// `done` with none, or the dict's error; a dict that stopped is none.
void through_dict(broker_ptr self, const batch_run& run, std::int64_t group,
                  const std::vector<std::string>& names,
                  std::function<void(caf::error)> done) {
  auto cache = live_dict(run, group);
  if (!cache)
    return done(caf::error{});
  self->request(cache, caf::infinite, through_atom::value, job_ptr{}, names,
                false, run.prio)
      .then([done] { done(caf::error{}); },
            [done](caf::error& err) {
              done(receiver_down(err) ? caf::error{} : std::move(err));
            });
}

/// After the job, before the answer: every live dict of a group the batch
/// held reads the batch's names again (a dict that came meanwhile too), so
/// a dict read after the answer sees the batch. Its errors leave the names
/// forgotten, read again when asked for: they change no answer.
void refresh_dicts(broker_ptr self, const run_ptr& run,
                   std::function<void()> then) {
  auto left = std::make_shared<std::size_t>(1);
  auto one_done = [left, then](caf::error) {
    if (--*left == 0)
      then();
  };
  for (auto& [key, t] : run->targets)
    if (key.first == group_kind::items && t.held) {
      ++*left;
      through_dict(self, *run, key.second, t.names, one_done);
    }
  one_done(caf::error{});
}

void finish(broker_ptr self, const run_ptr& run,
            caf::expected<std::vector<batch_result>> x) {
  auto result =
      std::make_shared<caf::expected<std::vector<batch_result>>>(std::move(x));
  refresh_dicts(self, run, [self, run, result] {
    release_all(self, *run);
    deliver(run->rp, *result);
  });
}

void run_ops(broker_ptr self, const run_ptr& run) {
  // A user's statement in it may take any time.
  auto cost = std::any_of(run->ops.begin(), run->ops.end(),
                          [](const batch_op& op) {
                            return op.kind == batch_kind::statement;
                          })
                  ? job_cost::unknown
                  : job_cost::short_statements;
  auto work = make_connection_job(
      access_mode::write,
      [run](connection& c) { return apply_batch(c, run->ops); }, cost);
  run_job(
      self, self->state.queue, work,
      [self, run](caf::expected<std::vector<batch_result>> x) {
        finish(self, run, std::move(x));
      },
      run->prio);
}

/// Takes the hold at `at` in `run.targets`, then the next; runs the batch
/// once every hold is taken.
void take_holds(broker_ptr self, const run_ptr& run,
                std::map<std::pair<group_kind, std::int64_t>,
                         hold_target>::iterator at) {
  if (at == run->targets.end())
    return run_ops(self, run);
  if (self->state.phase != broker_phase::running)
    return finish(self, run,
                  make_error(errc::shutting_down, "broker is shutting down"));
  auto& t = at->second;
  t.actor = run->groups(at->first.first, at->first.second);
  auto failed = [self, run](caf::error& err) {
    finish(self, run, std::move(err));
  };
  auto held = [self, run, at](std::uint64_t ticket) {
    at->second.ticket = ticket;
    at->second.held = true;
    if (at->first.first != group_kind::items)
      return take_holds(self, run, std::next(at));
    // The dict's writes behind of the group commit first: a set it took
    // before the batch must not land on the batch's value.
    through_dict(self, *run, at->first.second, at->second.names,
                 [self, run, at](caf::error err) {
                   if (is(err, errc::unreachable))
                     // The dict was killed: its answer's "may have run"
                     // is not the batch's, which has not run at all.
                     finish(self, run,
                            make_retryable_error(
                                errc::unreachable,
                                "the dict of group " +
                                    std::to_string(at->first.second) +
                                    " stopped while the batch waited for "
                                    "its writes; nothing of the batch ran"));
                   else if (err)
                     finish(self, run, std::move(err));
                   else
                     take_holds(self, run, std::next(at));
                 });
  };
  if (at->first.first == group_kind::items)
    self->request(caf::actor_cast<items_impl>(t.actor), caf::infinite,
                  hold_atom::value, t.names)
        .then(held, failed);
  else
    self->request(caf::actor_cast<array_impl>(t.actor), caf::infinite,
                  hold_atom::value, t.cells)
        .then(held, failed);
}

} // namespace

caf::result<std::vector<batch_result>>
run_batch(broker_ptr self, std::vector<batch_op> ops, priority prio,
          group_lookup groups, group_lookup alive) {
  auto meter = request_meter::start(self);
  if (auto err = check_batch(ops, true))
    return refused(meter, std::move(err));
  if (auto err = check_priority(prio))
    return refused(meter, std::move(err));
  auto run = std::make_shared<batch_run>();
  run->ops = std::move(ops);
  run->prio = prio;
  run->groups = std::move(groups);
  run->alive = std::move(alive);
  run->rp =
      keep_promise<std::vector<batch_result>>(self).counted_by(meter);
  collect_targets(*run);
  auto rp = run->rp;
  when_running(self, [self, run](const caf::error& err) {
    if (err) {
      run->rp.deliver(err);
      return;
    }
    with_object_tables(self, [self, run](const caf::error& err) {
      if (err) {
        run->rp.deliver(err);
      } else {
        take_holds(self, run, run->targets.begin());
      }
    });
  });
  return rp;
}

} // namespace sasync::detail
