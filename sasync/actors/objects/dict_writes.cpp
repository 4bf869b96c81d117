// The dict's writes behind its cache: at most one in flight per name, the
// newest waiting behind it, retried with backoff; flush and close wait for
// them.
#include "sasync/actors/objects/detail/dict_state.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/storage/item_store.hpp"

#include <algorithm>

namespace sasync::detail {

namespace {

constexpr const char* kind = "dict";

} // namespace

/// shutting_down once close() began, else none.
caf::error dict_refusal(const dict_state& st) {
  return st.requests.refusal(kind, st.cfg.group);
}

/// overloaded when `added` more names waiting to be written would make them,
/// with the reads waiting, more than the broker's queue_capacity: while the
/// database does not take writes, the dict holds no more than that.
caf::error write_refusal(const dict_state& st, std::size_t added) {
  auto waiting = st.writes.size() + st.requests.open();
  if (added == 0 || st.cfg.capacity == 0 || waiting + added <= st.cfg.capacity)
    return {};
  return make_error(errc::overloaded,
                    std::string{kind} + " of group " +
                        std::to_string(st.cfg.group) + ": " +
                        std::to_string(st.writes.size()) +
                        " names already wait to be written");
}

/// Answers close() once no write or read is in flight; writes that never
/// committed make it an error.
void maybe_finish_close(dict_ptr self) {
  advance_through(self); // each event that may end close may free it too
  auto& st = self->state;
  // A dict that lost its group (cluster mode) stops as if closed.
  if (!(st.requests.closing() || st.requests.lost_ownership()) ||
      st.requests.open() > 0)
    return;
  for (auto& [name, w] : st.writes)
    if (w.in_flight)
      return;
  caf::error err;
  if (!st.unwritten.empty()) {
    auto why = st.failures.empty() ? caf::error{} : st.failures.begin()->second;
    err =
        make_error(errc::database_error,
                   std::to_string(st.unwritten.size()) +
                       " writes of dict group " + std::to_string(st.cfg.group) +
                       " did not commit: " + self->system().render(why));
  }
  st.requests.finish(err);
  for (auto& w : st.flush_waiters)
    w.rp.deliver(err ? err : dict_refusal(st));
  st.flush_waiters.clear();
  self->quit();
}

namespace {

/// Answers the flushes whose writes have all committed, and fails those of
/// which a write failed.
void settle_flushes(dict_ptr self) {
  auto& st = self->state;
  auto first_unwritten =
      st.unwritten.empty() ? UINT64_MAX : *st.unwritten.begin();
  auto first_failed =
      st.failures.empty() ? UINT64_MAX : st.failures.begin()->first;
  auto& waiters = st.flush_waiters;
  auto i = std::remove_if(waiters.begin(), waiters.end(), [&](auto& w) {
    if (w.seq < first_unwritten) {
      deliver_done(w.rp);
      return true;
    }
    if (first_failed <= w.seq) {
      w.rp.deliver(st.failures.begin()->second);
      return true;
    }
    return false;
  });
  waiters.erase(i, waiters.end());
}


void schedule_retry(dict_ptr self) {
  auto& st = self->state;
  if (st.retry_timer.armed() || st.requests.closing() ||
      st.requests.lost_ownership())
    return; // a fenced write stays failed: another node owns the group
  st.retry_timer.set(self, st.retry.next(), retry_atom::value);
}

} // namespace

/// Sends every write that waits and has nothing in flight before it.
void send_waiting(dict_ptr self) {
  std::vector<std::string> names;
  for (auto& [name, w] : self->state.writes)
    if (!w.in_flight && w.next)
      names.push_back(name);
  for (auto& name : names)
    send_next(self, name);
}

namespace {

void write_done(dict_ptr self, const std::string& name, write_op op,
                caf::error err) {
  auto& st = self->state;
  auto& w = st.writes[name];
  w.in_flight = false;
  auto newer = w.next.has_value();
  if (err)
    w.next_prio = newer ? std::min(w.next_prio, w.flight_prio) : w.flight_prio;
  if (!err) {
    for (auto seq : w.flight_seqs) {
      st.unwritten.erase(seq);
      st.failures.erase(seq);
    }
    st.retry.reset();
  } else {
    for (auto seq : w.flight_seqs)
      st.failures[seq] = err;
    // Whatever goes next for this name settles the failed writes too.
    w.next_seqs.insert(w.next_seqs.end(), w.flight_seqs.begin(),
                       w.flight_seqs.end());
    if (!newer)
      w.next = std::move(op);
  }
  w.flight_seqs.clear();
  settle_flushes(self);
  if (!err || newer)
    send_next(self, name);
  else
    schedule_retry(self);
  maybe_finish_close(self);
}

} // namespace

void send_next(dict_ptr self, const std::string& name) {
  auto& st = self->state;
  auto i = st.writes.find(name);
  if (i == st.writes.end() || i->second.in_flight)
    return;
  auto& w = i->second;
  if (!w.next) {
    st.writes.erase(i);
    st.cache.written(name);
    return;
  }
  // A read of the name under way must not see a write that came after the
  // requests waiting for it: the write goes once the read is back.
  if (st.lookups.count(name) > 0)
    return;
  auto op = std::move(*w.next);
  w.next.reset();
  w.flight_seqs = std::move(w.next_seqs);
  w.next_seqs.clear();
  w.in_flight = true;
  w.flight_prio = w.next_prio;
  auto group = st.cfg.group;
  run_job(
      self, st.cfg.queue, access_mode::write,
      [group, name, op](connection& c) {
        if (op)
          put_item(c, group, name, *op);
        else
          erase_items(c, group, {name});
      },
      [self, name, op](caf::expected<void> x) {
        write_done(self, name, op, x ? caf::error{} : x.error());
      },
      w.flight_prio);
}

/// Records a write in the cache and queues it behind the name's writes.
void write_behind(dict_ptr self, const std::string& name, write_op op,
                  priority prio) {
  auto& st = self->state;
  st.cache.write(name, op);
  for (auto& kvp : st.clears)
    kvp.second.written.insert(name);
  auto seq = ++st.last_seq;
  st.unwritten.insert(seq);
  auto& w = st.writes[name];
  w.next_prio = w.next ? std::min(w.next_prio, prio) : prio;
  w.next = std::move(op);
  w.next_seqs.push_back(seq);
  send_next(self, name);
}

} // namespace sasync::detail
