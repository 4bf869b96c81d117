// An atomic batch on the broker: hold, run, release. Holding first keeps a
// batch in the per-name order of the group actors: it starts after every
// operation that came before it on its names and before every one after.
#include "sasync/actors/batch/detail/batch_coordinator.hpp"

#include "sasync/actors/batch/batch_check.hpp"
#include "sasync/actors/detail/broker_lifecycle.hpp"
#include "sasync/actors/detail/priority_check.hpp"
#include "sasync/actors/detail/run_job.hpp"
#include "sasync/actors/objects/detail/array_impl.hpp"
#include "sasync/actors/objects/detail/items_impl.hpp"
#include "sasync/storage/batch_apply.hpp"

#include <map>
#include <memory>
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
  caf::typed_response_promise<std::vector<batch_result>> rp;
  /// Sorted by (kind, group): every batch takes its holds in this order.
  std::map<std::pair<group_kind, std::int64_t>, hold_target> targets;
  group_lookup groups;
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

void finish(broker_ptr self, const run_ptr& run,
            caf::expected<std::vector<batch_result>> x) {
  release_all(self, *run);
  deliver(run->rp, x);
}

void run_ops(broker_ptr self, const run_ptr& run) {
  auto work = make_connection_job(access_mode::write, [run](connection& c) {
    return apply_batch(c, run->ops);
  });
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
  auto held = [self, run, at](std::uint64_t ticket) {
    at->second.ticket = ticket;
    at->second.held = true;
    take_holds(self, run, std::next(at));
  };
  auto failed = [self, run](caf::error& err) {
    finish(self, run, std::move(err));
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
          group_lookup groups) {
  if (auto err = check_batch(ops, true))
    return err;
  if (auto err = check_priority(prio))
    return err;
  auto run = std::make_shared<batch_run>();
  run->ops = std::move(ops);
  run->prio = prio;
  run->groups = std::move(groups);
  run->rp = self->make_response_promise<std::vector<batch_result>>();
  collect_targets(*run);
  auto rp = run->rp;
  when_running(self, [self, run](const caf::error& err) {
    if (err) {
      run->rp.deliver(err);
      return;
    }
    with_object_tables(self, [self, run](const caf::error& err) {
      if (err)
        run->rp.deliver(err);
      else
        take_holds(self, run, run->targets.begin());
    });
  });
  return rp;
}

} // namespace sasync::detail
