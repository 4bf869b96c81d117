// The dict actor: a cache answers at once; writes follow behind, one in
// flight per name, and flush waits for them.
#include "sasync/actors/objects/dict.hpp"

#include "sasync/actors/detail/backoff.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/run_job.hpp"
#include "sasync/actors/detail/self_timer.hpp"
#include "sasync/actors/detail/value_limits.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/detail/dict_cache.hpp"
#include "sasync/actors/objects/detail/group_actors.hpp"
#include "sasync/actors/objects/detail/open_requests.hpp"
#include "sasync/storage/item_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <optional>
#include <set>

namespace sasync {

namespace {

/// A value to store, or none to delete the name.
using write_op = std::optional<stored_value>;

/// The writes of one name: at most one in flight, and the newest one waiting
/// behind it (it makes every write between them redundant).
struct name_writes {
  bool in_flight = false;
  std::vector<std::uint64_t> flight_seqs; ///< writes the one in flight settles
  std::optional<write_op> next;
  std::vector<std::uint64_t> next_seqs; ///< writes `next` settles
};

struct flush_waiter {
  std::uint64_t seq; ///< every write up to this one must commit
  caf::typed_response_promise<void> rp;
};

struct dict_state {
  detail::group_config cfg;
  /// What the dict knows, bounded by cfg.cache_capacity.
  detail::dict_cache cache;
  std::map<std::string, name_writes> writes;
  std::uint64_t last_seq = 0;
  /// Writes not committed yet, and the errors of those that failed.
  std::set<std::uint64_t> unwritten;
  std::map<std::uint64_t, caf::error> failures;
  std::vector<flush_waiter> flush_waiters;
  /// Between retries of writes the database refused for now.
  detail::backoff retry{std::chrono::milliseconds{100},
                        std::chrono::milliseconds{5000}};
  detail::self_timer retry_timer;
  /// Reads not answered yet, and close().
  detail::open_requests requests;
  static inline const char* name = "sasync.dict";
};

using dict_ptr = detail::dict_impl::stateful_pointer<dict_state>;

constexpr const char* kind = "dict";

/// shutting_down once close() began, else none.
caf::error refusal(const dict_state& st) {
  return st.requests.refusal(kind, st.cfg.group);
}

void send_next(dict_ptr self, const std::string& name);

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
  auto& st = self->state;
  if (!st.requests.closing() || st.requests.open() > 0)
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
    w.rp.deliver(err ? err : refusal(st));
  st.flush_waiters.clear();
  self->quit();
}

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
      detail::deliver_done(w.rp);
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
  if (st.retry_timer.armed() || st.requests.closing())
    return;
  st.retry_timer.set(self, st.retry.next(), retry_atom::value);
}

/// Sends every write that waits and has nothing in flight before it.
void send_waiting(dict_ptr self) {
  std::vector<std::string> names;
  for (auto& [name, w] : self->state.writes)
    if (!w.in_flight && w.next)
      names.push_back(name);
  for (auto& name : names)
    send_next(self, name);
}

void write_done(dict_ptr self, const std::string& name, write_op op,
                caf::error err) {
  auto& st = self->state;
  auto& w = st.writes[name];
  w.in_flight = false;
  auto newer = w.next.has_value();
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
  auto op = std::move(*w.next);
  w.next.reset();
  w.flight_seqs = std::move(w.next_seqs);
  w.next_seqs.clear();
  w.in_flight = true;
  auto group = st.cfg.group;
  detail::run_job(
      self, st.cfg.queue, access_mode::write,
      [group, name, op](connection& c) {
        if (op)
          put_item(c, group, name, *op);
        else
          erase_items(c, group, {name});
      },
      [self, name, op](caf::expected<void> x) {
        write_done(self, name, op, x ? caf::error{} : x.error());
      });
}

/// Records a write in the cache and queues it behind the name's writes.
void write(dict_ptr self, const std::string& name, write_op op) {
  auto& st = self->state;
  st.cache.write(name, op);
  auto seq = ++st.last_seq;
  st.unwritten.insert(seq);
  auto& w = st.writes[name];
  w.next = std::move(op);
  w.next_seqs.push_back(seq);
  send_next(self, name);
}

/// Runs a read on the database; `done` sees the result after the cache took
/// what it needed from it.
template <class T, class F, class Done>
caf::result<T> read(dict_ptr self, F fn, Done done) {
  auto& st = self->state;
  if (auto err = refusal(st))
    return err;
  auto rp = self->make_response_promise<T>();
  st.requests.opened();
  detail::run_job(self, st.cfg.queue, access_mode::read, std::move(fn),
                  [self, rp, done](auto x) mutable {
                    self->state.requests.answered();
                    if (!x)
                      rp.deliver(x.error());
                    else
                      done(rp, *x);
                    maybe_finish_close(self);
                  });
  return rp;
}

std::vector<std::string>
names_of(const std::map<std::string, stored_value>& m) {
  std::vector<std::string> out;
  out.reserve(m.size());
  for (auto& kvp : m)
    out.push_back(kvp.first);
  return out;
}

detail::dict_impl::behavior_type dict_behavior(dict_ptr self,
                                               detail::group_config cfg) {
  detail::start_group(self, std::move(cfg));
  self->state.cache = detail::dict_cache{self->state.cfg.cache_capacity};
  self->state.retry = detail::backoff{self->state.cfg.retry_delay,
                                      self->state.cfg.max_retry_delay};
  auto group = self->state.cfg.group;
  return {
      [=](set_atom, std::string& name, stored_value& x) -> caf::result<void> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        if (auto err = detail::check_stored(&name, x))
          return err;
        if (auto err = write_refusal(st, st.writes.count(name) == 0 ? 1 : 0))
          return err;
        write(self, name, std::move(x));
        return caf::unit;
      },
      [=](delete_atom, std::vector<std::string>& names) -> caf::result<void> {
        if (auto err = refusal(self->state))
          return err;
        if (auto err = detail::check_names(names))
          return err;
        std::set<std::string> added;
        for (auto& name : names)
          if (self->state.writes.count(name) == 0)
            added.insert(name);
        if (auto err = write_refusal(self->state, added.size()))
          return err;
        for (auto& name : names)
          write(self, name, std::nullopt);
        return caf::unit;
      },
      [=](get_atom,
          std::string& name) -> caf::result<caf::optional<stored_value>> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        if (auto err = detail::check_name(name))
          return err;
        if (auto known = st.cache.find(name))
          return *known ? caf::optional<stored_value>{**known}
                        : caf::optional<stored_value>{};
        if (st.cache.complete())
          return caf::optional<stored_value>{};
        return read<caf::optional<stored_value>>(
            self, [=](connection& c) { return find_item(c, group, name); },
            [self, name](auto& rp, std::optional<stored_value>& found) {
              // A write since the read began is newer than what it found.
              auto entry = self->state.cache.read(name, std::move(found));
              rp.deliver(entry ? caf::optional<stored_value>{*entry}
                               : caf::optional<stored_value>{});
            });
      },
      [=](names_atom) -> caf::result<std::vector<std::string>> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        if (st.cache.complete())
          return names_of(st.cache.merged({}));
        return read<std::vector<std::string>>(
            self, [=](connection& c) { return load_items(c, group); },
            [self](auto& rp, std::map<std::string, stored_value>& stored) {
              rp.deliver(names_of(self->state.cache.merged(std::move(stored))));
            });
      },
      [=](load_atom) -> caf::result<std::map<std::string, stored_value>> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        if (st.cache.complete())
          return st.cache.merged({});
        return read<std::map<std::string, stored_value>>(
            self, [=](connection& c) { return load_items(c, group); },
            [self](auto& rp, std::map<std::string, stored_value>& stored) {
              rp.deliver(self->state.cache.merged(std::move(stored)));
            });
      },
      [=](preload_atom) -> caf::result<void> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        if (st.cache.complete())
          return caf::unit;
        return read<void>(
            self, [=](connection& c) { return load_items(c, group); },
            [self](auto& rp, std::map<std::string, stored_value>& stored) {
              self->state.cache.preload(std::move(stored));
              detail::deliver_done(rp);
            });
      },
      [=](flush_atom) -> caf::result<void> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        if (st.unwritten.empty())
          return caf::unit;
        auto rp = self->make_response_promise<void>();
        st.flush_waiters.push_back({st.last_seq, rp});
        send_waiting(self); // failed writes get their next try now
        return rp;
      },
      [=](retry_atom) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        self->state.retry_timer.fired();
        send_waiting(self);
        return caf::unit;
      },
      [=](close_atom) -> caf::result<void> {
        auto& st = self->state;
        if (!detail::sent_by(self, st.cfg.broker))
          return detail::refused_private_message();
        auto rp = self->make_response_promise<void>();
        auto first = !st.requests.closing();
        st.requests.close(rp);
        if (first)
          send_waiting(self); // one last try for writes that failed
        maybe_finish_close(self);
        return rp;
      },
  };
}

} // namespace

namespace detail {

dict_impl spawn_dict(caf::actor_system& sys, group_config cfg) {
  return sys.spawn(dict_behavior, std::move(cfg));
}

} // namespace detail

} // namespace sasync
