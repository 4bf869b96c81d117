// Items requests on a group whose dict lives run through that dict, so that
// the two agree on the group: the dict stops taking requests (they wait in
// its mailbox, in order), lets its writes behind commit and its reads come
// back, runs the request, takes what the database now holds for the names
// it wrote into the cache, and only then answers and takes requests again.
// A request of either actor thus sees every one acknowledged before it.
#include "sasync/actors/objects/detail/dict_state.hpp"

#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/item_store.hpp"

#include <caf/behavior_policy.hpp>
#include <caf/skip.hpp>

namespace sasync::detail {

namespace {

/// No one sends it: while the gate is shut, every other message is skipped
/// (kept in the mailbox for later); the answers of the queue still come in.
struct gate_closed {};

void shut_gate(dict_ptr self) {
  using behavior = dict_impl::behavior_type;
  self->become(caf::keep_behavior,
               behavior{behavior::unsafe_init{},
                        caf::behavior{[](const gate_closed&) {}}});
  self->set_default_handler(caf::skip);
}

void open_gate(dict_ptr self) {
  self->set_default_handler(caf::drop);
  self->unbecome();
}

/// What the database holds after an items request: its names' entries, or
/// the whole group after a clear.
struct refreshed {
  std::map<std::string, dict_cache::entry> names;
  std::optional<std::map<std::string, stored_value>> group;
};

void forget(dict_state& st, const through_op& op) {
  if (op.all)
    st.cache.forget_all();
  else
    for (auto& name : op.names)
      st.cache.forget(name);
}

void finish_through(dict_ptr self, caf::expected<refreshed> x) {
  auto& st = self->state;
  auto op = std::move(*st.through);
  st.through.reset();
  if (!x) {
    forget(st, op); // nothing committed, or the commit's fate is unknown
    op.rp.deliver(x.error());
  } else {
    if (x->group)
      st.cache.reload(std::move(*x->group));
    for (auto& [name, found] : x->names)
      st.cache.refresh(name, std::move(found));
    deliver_done(op.rp);
  }
  open_gate(self);
}

void start_through(dict_ptr self) {
  auto& st = self->state;
  auto& op = *st.through;
  op.running = true;
  auto group = st.cfg.group;
  auto mode = op.work ? op.work->mode() : access_mode::read;
  // The request and the refresh in one job: the refresh reads what the
  // request wrote, in its transaction.
  auto both = make_connection_job(
      mode, [work = op.work, names = op.names, all = op.all,
             group](connection& c) {
        if (work)
          work->run(c);
        refreshed out;
        if (all)
          out.group = load_items(c, group);
        else
          for (auto& name : names)
            out.names[name] = find_item(c, group, name);
        return out;
      });
  run_job(
      self, st.cfg.queue, both,
      [self](caf::expected<refreshed> x) {
        finish_through(self, std::move(x));
      },
      op.prio);
}

} // namespace

caf::result<void> run_through(dict_ptr self, job_ptr work,
                              std::vector<std::string> names, bool all,
                              priority prio) {
  auto& st = self->state;
  if (auto err = dict_refusal(st))
    return err;
  if (auto err = check_priority(prio))
    return err;
  auto rp = keep_promise<void>(self);
  st.through = through_op{std::move(work), std::move(names), all, prio, rp};
  shut_gate(self);
  send_waiting(self); // failed writes get their next try now
  advance_through(self);
  return rp;
}

void advance_through(dict_ptr self) {
  auto& st = self->state;
  if (!st.through || st.through->running || st.requests.open() > 0)
    return;
  for (auto& [name, w] : st.writes)
    if (w.in_flight)
      return;
  if (!st.writes.empty()) {
    // What waits failed and waits for its retry: the request fails, as
    // flush does; only a refresh of a write done already still holds.
    auto op = std::move(*st.through);
    st.through.reset();
    if (!op.work)
      forget(st, op);
    op.rp.deliver(st.failures.empty()
                      ? make_error(errc::database_error,
                                   "writes of dict group " +
                                       std::to_string(st.cfg.group) +
                                       " wait to be tried again")
                      : st.failures.begin()->second);
    open_gate(self);
    return;
  }
  start_through(self);
}

} // namespace sasync::detail
