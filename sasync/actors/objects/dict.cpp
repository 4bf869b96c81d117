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
#include <functional>
#include <list>
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

/// An operation waiting for what a read of its name finds: the error, or the
/// name's entry (which it may change), and whether a write or clear that
/// came after it made any write of its own redundant.
using entry_op = std::function<void(const caf::error& err,
                                    detail::dict_cache::entry& state,
                                    bool overtaken)>;

/// A read of one name the cache does not know, and the operations on that
/// name that came while it runs, in order.
struct name_lookup {
  std::uint64_t since; ///< the dict's events when it began
  std::vector<entry_op> waiting;
};

/// A clear waiting for the names the database holds: names written since it
/// came are newer than it and stay.
struct pending_clear {
  std::uint64_t held = 0;        ///< names the cache held with a value
  std::set<std::string> known;   ///< names the cache knew then
  std::set<std::string> written; ///< names written since
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
  /// Reads of names the cache does not know, oldest first per name.
  std::map<std::string, std::list<name_lookup>> lookups;
  /// The event of the last write or clear that came for a looked-up name.
  std::map<std::string, std::uint64_t> last_change;
  std::uint64_t events = 0;
  std::map<std::uint64_t, pending_clear> clears;
  std::uint64_t last_clear = 0;
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
  // A read of the name under way must not see a write that came after the
  // requests waiting for it: the write goes once the read is back.
  if (st.lookups.count(name) > 0)
    return;
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
  for (auto& kvp : st.clears)
    kvp.second.written.insert(name);
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

/// A request writes `name`: the lookups of it waiting now came before, so
/// their own writes would be redundant.
void came_after_lookups(dict_state& st, const std::string& name) {
  if (st.lookups.count(name) > 0)
    st.last_change[name] = ++st.events;
}

/// The newest lookup of `name` when nothing wrote the name since it began:
/// an operation joins it to keep its place behind the earlier ones.
name_lookup* joinable_lookup(dict_state& st, const std::string& name) {
  auto i = st.lookups.find(name);
  if (i == st.lookups.end() || i->second.empty())
    return nullptr;
  auto& newest = i->second.back();
  auto changed = st.last_change.find(name);
  if (changed != st.last_change.end() && changed->second > newest.since)
    return nullptr;
  return &newest;
}

void finish_lookup(dict_ptr self, const std::string& name,
                   std::list<name_lookup>::iterator which,
                   caf::expected<std::optional<stored_value>> found) {
  auto& st = self->state;
  auto& all = st.lookups[name];
  auto done = std::move(*which);
  all.erase(which);
  auto changed = st.last_change.count(name) > 0 ? st.last_change[name] : 0;
  auto overtaken = changed > done.since;
  if (all.empty()) {
    st.lookups.erase(name);
    st.last_change.erase(name);
  }
  caf::error err;
  detail::dict_cache::entry state;
  if (!found)
    err = found.error();
  else if (overtaken)
    state = std::move(*found);
  else // a write since the read began is newer than what it found
    state = st.cache.read(name, std::move(*found));
  for (auto& op : done.waiting) {
    st.requests.answered();
    op(err, state, overtaken);
  }
  if (st.lookups.count(name) == 0)
    send_next(self, name); // the writes held back for the read
  maybe_finish_close(self);
}

/// Runs `op` on what the dict knows of `name`, in the order of the requests
/// on that name: behind a lookup under way, else on the cache's entry, else
/// after reading the name.
void with_entry(dict_ptr self, const std::string& name, entry_op op) {
  auto& st = self->state;
  if (auto* pending = joinable_lookup(st, name)) {
    st.requests.opened();
    pending->waiting.push_back(std::move(op));
    return;
  }
  if (auto known = st.cache.find(name)) {
    auto state = std::move(*known);
    return op(caf::error{}, state, false);
  }
  if (st.cache.complete()) {
    detail::dict_cache::entry none;
    return op(caf::error{}, none, false);
  }
  st.requests.opened();
  auto& all = st.lookups[name];
  all.push_back(name_lookup{st.events, {}});
  all.back().waiting.push_back(std::move(op));
  auto which = std::prev(all.end());
  auto group = st.cfg.group;
  detail::run_job(
      self, st.cfg.queue, access_mode::read,
      [group, name](connection& c) { return find_item(c, group, name); },
      [self, name, which](caf::expected<std::optional<stored_value>> x) {
        finish_lookup(self, name, which, std::move(x));
      });
}

/// Answers a request with `answer(entry)` (a T or an error), taken in the
/// request's place among those on `name`.
template <class T, class Answer>
caf::result<T> answer_from_entry(dict_ptr self, const std::string& name,
                                 Answer answer) {
  auto& st = self->state;
  if (auto err = refusal(st))
    return err;
  if (auto err = detail::check_name(name))
    return err;
  auto rp = self->make_response_promise<T>();
  with_entry(self, name,
             [rp, answer](const caf::error& err,
                          detail::dict_cache::entry& state,
                          bool overtaken) mutable {
               if (err) {
                 rp.deliver(err);
                 return;
               }
               caf::expected<T> x = answer(state, overtaken);
               if (x)
                 rp.deliver(std::move(*x));
               else
                 rp.deliver(x.error());
             });
  return rp;
}

/// The reads' answer: the entry as it is.
caf::optional<stored_value> as_optional(const detail::dict_cache::entry& x) {
  return x ? caf::optional<stored_value>{*x} : caf::optional<stored_value>{};
}

/// Removes `name` when it holds a value (written behind) and answers the
/// value, `fallback` or missing.
caf::expected<stored_value> pop_entry(dict_ptr self, const std::string& name,
                                      detail::dict_cache::entry& state,
                                      bool overtaken,
                                      const std::optional<stored_value>& fallback) {
  if (!state) {
    if (fallback)
      return *fallback;
    return make_error(errc::missing, name);
  }
  auto x = std::move(*state);
  state.reset();
  if (!overtaken)
    write(self, name, std::nullopt);
  return x;
}

/// Removes every name of the group: the cache's at once, the database's
/// others once it names them; answers how many held a value.
caf::result<std::uint64_t> clear_group(dict_ptr self) {
  auto& st = self->state;
  if (auto err = refusal(st))
    return err;
  for (auto& kvp : st.lookups)
    st.last_change[kvp.first] = ++st.events;
  auto was_complete = st.cache.complete();
  auto known = st.cache.clear();
  pending_clear pc;
  for (auto& [name, x] : known) {
    pc.known.insert(name);
    if (x) {
      ++pc.held;
      write(self, name, std::nullopt);
    }
  }
  if (was_complete) {
    st.cache.release();
    return pc.held;
  }
  auto id = ++st.last_clear;
  st.clears.emplace(id, std::move(pc));
  auto rp = self->make_response_promise<std::uint64_t>();
  st.requests.opened();
  auto group = st.cfg.group;
  detail::run_job(
      self, st.cfg.queue, access_mode::read,
      [group](connection& c) { return item_names(c, group); },
      [self, rp, id](caf::expected<std::vector<std::string>> x) mutable {
        auto& st = self->state;
        st.requests.answered();
        auto done = std::move(st.clears[id]);
        st.clears.erase(id);
        if (!x) {
          // The names of the cache are gone; the database's others stay.
          st.cache.abandon_clear();
          rp.deliver(x.error());
        } else {
          auto n = done.held;
          for (auto& name : *x) {
            if (done.known.count(name) > 0 || done.written.count(name) > 0)
              continue;
            ++n;
            write(self, name, std::nullopt);
          }
          st.cache.release();
          rp.deliver(std::uint64_t{n});
        }
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
        came_after_lookups(st, name);
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
        for (auto& name : names) {
          came_after_lookups(self->state, name);
          write(self, name, std::nullopt);
        }
        return caf::unit;
      },
      [=](get_atom,
          std::string& name) -> caf::result<caf::optional<stored_value>> {
        return answer_from_entry<caf::optional<stored_value>>(
            self, name, [](detail::dict_cache::entry& x, bool) {
              return as_optional(x);
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
      [=](contains_atom, std::string& name) -> caf::result<bool> {
        return answer_from_entry<bool>(
            self, name,
            [](detail::dict_cache::entry& x, bool) { return x.has_value(); });
      },
      [=](get_atom, std::string& name,
          stored_value& fallback) -> caf::result<stored_value> {
        if (auto err = detail::check_stored(nullptr, fallback))
          return err;
        return answer_from_entry<stored_value>(
            self, name,
            [fallback](detail::dict_cache::entry& x, bool) -> stored_value {
              return x ? *x : fallback;
            });
      },
      [=](size_atom) -> caf::result<std::uint64_t> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        if (st.cache.complete())
          return std::uint64_t{st.cache.merged_size({})};
        return read<std::uint64_t>(
            self, [=](connection& c) { return item_names(c, group); },
            [self](auto& rp, std::vector<std::string>& stored) {
              rp.deliver(std::uint64_t{self->state.cache.merged_size(stored)});
            });
      },
      [=](clear_atom) -> caf::result<std::uint64_t> {
        return clear_group(self);
      },
      [=](pop_atom, std::string& name) -> caf::result<stored_value> {
        return answer_from_entry<stored_value>(
            self, name,
            [self, name](detail::dict_cache::entry& x, bool overtaken) {
              return pop_entry(self, name, x, overtaken, std::nullopt);
            });
      },
      [=](pop_atom, std::string& name,
          stored_value& fallback) -> caf::result<stored_value> {
        if (auto err = detail::check_stored(nullptr, fallback))
          return err;
        std::optional<stored_value> or_else{std::move(fallback)};
        return answer_from_entry<stored_value>(
            self, name,
            [self, name, or_else](detail::dict_cache::entry& x,
                                  bool overtaken) {
              return pop_entry(self, name, x, overtaken, or_else);
            });
      },
      [=](setdefault_atom, std::string& name,
          stored_value& fallback) -> caf::result<stored_value> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        if (auto err = detail::check_stored(&name, fallback))
          return err;
        if (auto err = write_refusal(st, st.writes.count(name) == 0 ? 1 : 0))
          return err;
        return answer_from_entry<stored_value>(
            self, name,
            [self, name, fallback](detail::dict_cache::entry& x,
                                   bool overtaken) -> stored_value {
              if (x)
                return *x;
              x = fallback;
              if (!overtaken)
                write(self, name, fallback);
              return fallback;
            });
      },
      [=](update_atom,
          std::map<std::string, stored_value>& values) -> caf::result<void> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        std::size_t added = 0;
        for (auto& [name, x] : values) {
          if (auto err = detail::check_stored(&name, x))
            return err;
          if (st.writes.count(name) == 0)
            ++added;
        }
        if (auto err = write_refusal(st, added))
          return err;
        for (auto& [name, x] : values) {
          came_after_lookups(st, name);
          write(self, name, std::move(x));
        }
        return caf::unit;
      },
      [=](status_atom) -> caf::result<dict_status> {
        auto& st = self->state;
        if (auto err = refusal(st))
          return err;
        dict_status out;
        out.preloaded = st.cache.complete();
        out.cached = st.cache.size();
        out.unwritten = st.unwritten.size();
        return out;
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
