// The dict actor's state, shared by its behaviour (dict.cpp), its writes
// behind the cache (dict_writes.cpp) and its reads of names the cache does
// not know (dict_lookups.cpp).
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/backoff.hpp"
#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/detail/priority_check.hpp"
#include "sasync/actors/detail/run_job.hpp"
#include "sasync/actors/detail/self_timer.hpp"
#include "sasync/actors/detail/value_limits.hpp"
#include "sasync/actors/objects/detail/dict_cache.hpp"
#include "sasync/actors/objects/detail/dict_impl.hpp"
#include "sasync/actors/objects/detail/group_actors.hpp"
#include "sasync/actors/objects/detail/open_requests.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sasync::detail {

/// A value to store, or none to delete the name.
using write_op = std::optional<stored_value>;

/// The writes of one name: at most one in flight, and the newest one waiting
/// behind it (it makes every write between them redundant).
struct name_writes {
  bool in_flight = false;
  std::vector<std::uint64_t> flight_seqs; ///< writes the one in flight settles
  std::optional<write_op> next;
  std::vector<std::uint64_t> next_seqs; ///< writes `next` settles
  /// The queue priority of the write in flight, and of `next`: the most
  /// urgent of the requests it stands for.
  priority flight_prio = defaults::write_priority;
  priority next_prio = defaults::write_priority;
};

struct flush_waiter {
  std::uint64_t seq; ///< every write up to this one must commit
  kept_promise<void> rp;
};

/// An operation waiting for what a read of its name finds: the error, or the
/// name's entry (which it may change), and whether a write or clear that
/// came after it made any write of its own redundant.
using entry_op = std::function<void(const caf::error& err,
                                    dict_cache::entry& state,
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

/// An items request the dict runs in its place (dict_through.cpp).
struct through_op {
  job_ptr work; ///< none: only the refresh
  std::vector<std::string> names;
  bool all = false;
  priority prio = defaults::write_priority;
  kept_promise<void> rp;
  bool running = false;
};

struct dict_state {
  group_config cfg;
  /// What the dict knows, bounded by cfg.cache_capacity.
  dict_cache cache;
  std::map<std::string, name_writes> writes;
  std::uint64_t last_seq = 0;
  /// Writes not committed yet, and the errors of those that failed.
  std::set<std::uint64_t> unwritten;
  std::map<std::uint64_t, caf::error> failures;
  std::vector<flush_waiter> flush_waiters;
  /// Between retries of writes the database refused for now.
  backoff retry{std::chrono::milliseconds{100},
                        std::chrono::milliseconds{5000}};
  self_timer retry_timer;
  /// Reads not answered yet, and close().
  open_requests requests;
  /// Reads of names the cache does not know, oldest first per name.
  std::map<std::string, std::list<name_lookup>> lookups;
  /// The event of the last write or clear that came for a looked-up name.
  std::map<std::string, std::uint64_t> last_change;
  std::uint64_t events = 0;
  std::map<std::uint64_t, pending_clear> clears;
  std::uint64_t last_clear = 0;
  /// The items request under way; while there is one, the dict takes no
  /// other request.
  std::optional<through_op> through;
  static inline const char* name = "sasync.dict";
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct dict_self : dict_impl::stateful_base<dict_state> {
  using super = dict_impl::stateful_base<dict_state>;
  using super::super;
};

using dict_ptr = dict_self*;

// -- writes behind the cache (dict_writes.cpp) -------------------------------

/// shutting_down once close() began, else none.
caf::error dict_refusal(const dict_state& st);

/// overloaded when `added` more names waiting to be written would make them,
/// with the reads waiting, more than the broker's queue_capacity: while the
/// database does not take writes, the dict holds no more than that.
caf::error write_refusal(const dict_state& st, std::size_t added);

/// Answers close() once no write or read is in flight; writes that never
/// committed make it an error.
void maybe_finish_close(dict_ptr self);

/// Sends every write that waits and has nothing in flight before it.
void send_waiting(dict_ptr self);

/// Sends the next write of `name` unless one is in flight or a read of the
/// name is under way.
void send_next(dict_ptr self, const std::string& name);

/// Records a write in the cache and queues it behind the name's writes; it
/// goes to the queue at `prio` (or at a more urgent one a write it merges
/// with asked for).
void write_behind(dict_ptr self, const std::string& name, write_op op,
                  priority prio);

// -- items requests run in the dict's place (dict_through.cpp) --------------

/// Takes an items request of the group: holds every later request back and
/// runs it once the writes behind and reads under way are done.
caf::result<void> run_through(dict_ptr self, job_ptr work,
                              std::vector<std::string> names, bool all,
                              priority prio);

/// Starts the items request that waits, once nothing else is under way.
void advance_through(dict_ptr self);

// -- reads of names the cache does not know (dict_lookups.cpp) ---------------

/// A request writes `name`: the lookups of it waiting now came before, so
/// their own writes would be redundant.
void came_after_lookups(dict_state& st, const std::string& name);

/// Runs `op` on what the dict knows of `name`, in the order of the requests
/// on that name: behind a lookup under way, else on the cache's entry, else
/// after reading the name (at `prio`).
void with_entry(dict_ptr self, const std::string& name, entry_op op,
                priority prio);

/// The reads' answer: the entry as it is.
caf::optional<stored_value> as_optional(const dict_cache::entry& x);

/// Removes `name` when it holds a value (written behind) and answers the
/// value, `fallback` or missing; the removal goes at `prio`.
caf::expected<stored_value>
pop_entry(dict_ptr self, const std::string& name, dict_cache::entry& state,
          bool overtaken, const std::optional<stored_value>& fallback,
          priority prio);

/// Removes every name of the group: the cache's at once, the database's
/// others once it names them (a read and removals at `prio`); answers how
/// many held a value.
caf::result<std::uint64_t> clear_group(dict_ptr self, priority prio);

/// Runs a read on the database at `prio`; `done` sees the result after the
/// cache took what it needed from it.
template <class T, class F, class Done>
caf::result<T> read_group(dict_ptr self, F fn, Done done, priority prio) {
  auto& st = self->state;
  auto meter = request_meter::start(self);
  if (auto err = dict_refusal(st))
    return refused(meter, std::move(err));
  if (auto err = check_priority(prio))
    return refused(meter, std::move(err));
  auto rp = keep_promise<T>(self).counted_by(meter);
  st.requests.opened();
  run_job(
      self, st.cfg.queue, access_mode::read, std::move(fn),
      [self, rp, done](auto x) mutable {
        self->state.requests.answered();
        if (!x)
          rp.deliver(x.error());
        else
          done(rp, *x);
        maybe_finish_close(self);
      },
      prio);
  return rp;
}

/// Answers a request with `answer(entry)` (a T or an error), taken in the
/// request's place among those on `name` (a read it needs goes at `prio`).
template <class T, class Answer>
caf::result<T> answer_from_entry(dict_ptr self, const std::string& name,
                                 Answer answer, priority prio) {
  auto& st = self->state;
  auto meter = request_meter::start(self);
  if (auto err = dict_refusal(st))
    return refused(meter, std::move(err));
  if (auto err = check_name(name))
    return refused(meter, std::move(err));
  if (auto err = check_priority(prio))
    return refused(meter, std::move(err));
  auto rp = keep_promise<T>(self).counted_by(meter);
  with_entry(
      self, name,
      [rp, answer](const caf::error& err, dict_cache::entry& state,
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
      },
      prio);
  return rp;
}

} // namespace sasync::detail
