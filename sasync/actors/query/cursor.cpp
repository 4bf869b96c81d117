// The cursor actor: credit in, batches out. It reads at most two batches
// ahead of its demand, so memory stays bounded whatever the result's size;
// every database call runs on the connection actor it leased.
#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/run_timeout.hpp"
#include "sasync/actors/detail/self_timer.hpp"
#include "sasync/actors/query/detail/cursor_actor.hpp"

#include "sasync/actors/errc.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <deque>

namespace sasync {

namespace {

using detail::cursor_config;

enum class phase { created, opening, open, ended };

struct pending_fetch {
  detail::kept_promise<row_batch> rp;
  std::uint32_t n;
};

struct cursor_state {
  cursor_config cfg;
  phase state = phase::created;
  /// The leased connection; empty once given back.
  connection_actor conn;
  /// The connection has no rows left (its cursor ended with them).
  bool source_done = false;
  /// Fetches on their way to the connection, and the rows they asked for.
  std::uint32_t reads = 0;
  std::uint64_t rows_coming = 0;
  /// Rows read ahead of demand, from `ahead_pos` on.
  row_block ahead;
  std::size_t ahead_pos = 0;
  /// The size of the last demand, used for reading ahead.
  std::uint32_t last_demand = 0;
  std::deque<pending_fetch> fetches;
  /// Push mode: rows the consumer may still take.
  std::uint64_t credit = 0;
  /// Answers the open request.
  detail::kept_promise<std::vector<std::string>> opened;
  caf::actor_clock::time_point last_activity;
  detail::self_timer idle_timer;
  static inline const char* name = "sasync.cursor";

  bool pushing() const { return static_cast<bool>(cfg.consumer); }

  std::size_t rows_ahead() const { return ahead.size() - ahead_pos; }

  /// Push mode: every row went out and only the empty last batch is left;
  /// it carries no rows, so it needs no credit.
  bool only_end_left() const {
    return pushing() && source_done && rows_ahead() == 0;
  }

  /// Rows wanted now: the oldest fetch's, or the consumer's credit.
  std::uint32_t demand() const {
    if (pushing())
      return static_cast<std::uint32_t>(
          std::min<std::uint64_t>(credit, max_fetch_rows));
    return fetches.empty() ? 0 : fetches.front().n;
  }
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct cursor_self : detail::cursor_impl::stateful_base<cursor_state> {
  using super = detail::cursor_impl::stateful_base<cursor_state>;
  using super::super;
};

using cursor_ptr = cursor_self*;

/// How long a query or fetch may wait for the connection: a frozen server
/// ends the cursor with a timeout instead of leaving its requesters waiting.
caf::duration database_deadline(const cursor_state& st) {
  return detail::run_deadline(st.cfg.run_timeout);
}

/// The error for a connection that did not answer in time; others as they
/// are.
caf::error database_error(const cursor_state& st, caf::error err) {
  if (err != caf::sec::request_timeout)
    return err;
  return detail::run_timeout_error(
      st.cfg.run_timeout, "no answer from the database",
      "its statement is interrupted and the cursor has ended");
}

void serve(cursor_ptr self);

/// Fetches a cursor keeps on their way to its connection at most.
constexpr std::uint32_t max_reads_on_the_way = 2;

/// Gives the connection back, ending the database cursor first if it still
/// runs (the connection ends it anyway before its next batch).
void give_back(cursor_ptr self) {
  auto& st = self->state;
  if (!st.conn)
    return;
  if (!st.source_done || st.reads > 0)
    self->request(st.conn, caf::infinite, cancel_atom::value)
        .then([] {}, [](caf::error&) {});
  self->send(st.cfg.queue, release_atom::value, st.conn);
  st.conn = connection_actor{};
}

/// Ends the cursor for `why`: pending fetches get it; a consumer gets it
/// when `tell_consumer`. The actor quits: a timer it armed would otherwise
/// keep it, and the actor system's shutdown, waiting.
void end(cursor_ptr self, caf::error why, bool tell_consumer = true) {
  auto& st = self->state;
  if (st.state == phase::ended)
    return;
  st.state = phase::ended;
  give_back(self);
  if (st.opened.pending())
    st.opened.deliver(why);
  for (auto& f : st.fetches)
    f.rp.deliver(why);
  st.fetches.clear();
  if (st.pushing() && tell_consumer)
    self->send(st.cfg.consumer, rows_atom::value, caf::actor_cast<cursor>(self),
               std::move(why));
  self->quit();
}

/// Up to `n` rows from what was read ahead; `done` when nothing follows.
row_batch take(cursor_state& st, std::uint32_t n) {
  row_batch out;
  auto k = std::min<std::size_t>(n, st.rows_ahead());
  out.rows = st.ahead.take(st.ahead_pos, k);
  st.ahead_pos += k;
  if (st.ahead_pos >= st.ahead.size()) {
    st.ahead.clear();
    st.ahead_pos = 0;
  }
  out.done = st.source_done && st.rows_ahead() == 0;
  return out;
}

void deliver(cursor_ptr self, row_batch batch) {
  auto& st = self->state;
  if (st.pushing()) {
    st.credit -= batch.rows.size();
    self->send(st.cfg.consumer, rows_atom::value, caf::actor_cast<cursor>(self),
               std::move(batch));
    return;
  }
  st.fetches.front().rp.deliver(std::move(batch));
  st.fetches.pop_front();
}

/// Asks the connection for the next `n` rows.
void read(cursor_ptr self, std::uint32_t n) {
  auto& st = self->state;
  ++st.reads;
  st.rows_coming += n;
  self->request(st.conn, database_deadline(st), fetch_atom::value, n)
      .then(
          [self, n](row_batch& batch) {
            auto& st = self->state;
            --st.reads;
            st.rows_coming -= n;
            if (st.state == phase::ended)
              return;
            if (st.rows_ahead() == 0) {
              st.ahead = std::move(batch.rows);
              st.ahead_pos = 0;
            } else {
              st.ahead.append(std::move(batch.rows));
            }
            if (batch.done) {
              st.source_done = true;
              give_back(self); // before the consumer sees the last rows
            }
            serve(self);
          },
          [self, n](caf::error& err) {
            auto& st = self->state;
            --st.reads;
            st.rows_coming -= n;
            // A fetch that followed the last batch finds no cursor left.
            if (st.source_done)
              return;
            end(self, database_error(st, std::move(err)));
          });
}

/// Answers demand from the rows read ahead, then reads more: for the
/// demand left, and ahead of it.
void serve(cursor_ptr self) {
  auto& st = self->state;
  if (st.state != phase::open)
    return;
  for (auto n = st.demand(); n > 0 || st.only_end_left(); n = st.demand()) {
    if (st.rows_ahead() == 0 && !st.source_done)
      break;
    auto batch = take(st, n);
    auto done = batch.done;
    deliver(self, std::move(batch));
    if (done) {
      for (auto& f : st.fetches)
        f.rp.deliver(row_batch{{}, true});
      st.fetches.clear();
      end(self, caf::error{}, false);
      return;
    }
  }
  // Reads for the demand left and up to two batches beyond it, with at
  // most two fetches on their way: the connection then finds the next one
  // waiting when it answers one, instead of idling for a round trip (its
  // answer to the cursor, the cursor's next fetch) per batch.
  while (!st.source_done && st.reads < max_reads_on_the_way) {
    auto demand = std::uint64_t{st.demand()};
    auto have = st.rows_ahead() + st.rows_coming;
    if (have >= demand + 2 * std::uint64_t{st.last_demand})
      return;
    auto n = demand > have ? static_cast<std::uint32_t>(std::min<std::uint64_t>(
                                 demand - have, max_fetch_rows))
                           : st.last_demand;
    if (n == 0)
      return;
    read(self, n);
  }
}

void touch(cursor_ptr self);

/// The idle timer: ends a cursor nobody asked for rows during the timeout.
void check_idle(cursor_ptr self) {
  auto& st = self->state;
  st.idle_timer.fired();
  if (st.state != phase::open)
    return;
  if (st.reads > 0 || st.demand() > 0)
    return touch(self); // working, not idle
  auto idle = self->clock().now() - st.last_activity;
  if (idle >= st.cfg.idle_timeout) {
    end(self, make_error(errc::timeout,
                         "cursor idle for " +
                             std::to_string(st.cfg.idle_timeout.count()) +
                             " ms; its connection went back to the pool"));
    return;
  }
  st.idle_timer.set(self, st.cfg.idle_timeout - idle, expire_atom::value);
}

/// Records activity; one timer at a time checks for idleness.
void touch(cursor_ptr self) {
  auto& st = self->state;
  st.last_activity = self->clock().now();
  if (st.cfg.idle_timeout.count() > 0)
    st.idle_timer.set(self, st.cfg.idle_timeout, expire_atom::value);
}

/// Leases a connection, then opens the query on it; end() answers the
/// open request if the cursor ends first.
/// A fetch of up to `n` rows: answered once they are read (pull mode).
caf::result<row_batch> fetch(cursor_ptr self, std::uint32_t n) {
  auto& st = self->state;
  if (st.pushing())
    return make_error(errc::invalid_argument,
                      "this cursor pushes to its consumer: send credit");
  if (n == 0)
    return make_error(errc::invalid_argument, "fetch needs n >= 1");
  if (st.state != phase::open)
    return make_error(errc::invalid_argument, "the cursor is not open");
  n = std::min(n, max_fetch_rows);
  st.last_demand = n;
  auto rp = detail::keep_counted_promise<row_batch>(self);
  st.fetches.emplace_back(pending_fetch{rp, n});
  touch(self);
  serve(self);
  return rp;
}

caf::result<std::vector<std::string>> open(cursor_ptr self) {
  auto& st = self->state;
  if (st.state != phase::created)
    return make_error(errc::invalid_argument, "the cursor is already open");
  st.state = phase::opening;
  st.opened = detail::keep_promise<std::vector<std::string>>(self);
  auto fail = [self](caf::error& err) { end(self, std::move(err), false); };
  self->request(st.cfg.queue, caf::infinite, lease_atom::value, st.cfg.prio)
      .then(
          [self, fail](connection_actor& conn) {
            auto& st = self->state;
            st.conn = std::move(conn);
            self->request(st.conn, database_deadline(st), query_atom::value,
                          std::move(st.cfg.sql), std::move(st.cfg.params))
                .then(
                    [self](std::vector<std::string>& columns) {
                      auto& st = self->state;
                      st.state = phase::open;
                      st.opened.deliver(std::move(columns));
                      touch(self);
                      serve(self);
                    },
                    [self, fail](caf::error& err) {
                      auto why = database_error(self->state, std::move(err));
                      fail(why);
                    });
          },
          fail);
  return st.opened;
}

detail::cursor_impl::behavior_type cursor_behavior(cursor_ptr self,
                                                   cursor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.credit = st.cfg.credit;
  st.last_demand = std::min(st.cfg.credit, max_fetch_rows);
  if (st.cfg.owner)
    self->monitor(st.cfg.owner);
  // Nobody is left to read the rows: give the connection back quietly.
  self->set_down_handler([self](caf::down_msg&) {
    end(self, make_error(errc::invalid_argument, "the cursor's owner is gone"),
        false);
  });
  // A peer's message of another type: unexpected_message, no stderr line.
  self->set_default_handler(caf::drop);
  return {
      [=](fetch_atom, std::uint32_t n) {
        return detail::answered_now<row_batch>(self, fetch(self, n));
      },
      [=](credit_atom, std::uint32_t n) {
        auto& st = self->state;
        if (!st.pushing() || st.state == phase::ended)
          return;
        st.credit += n;
        st.last_demand = std::min(n, max_fetch_rows);
        touch(self);
        serve(self);
      },
      [=](cancel_atom) {
        end(self,
            make_error(errc::invalid_argument, "the cursor was cancelled"),
            false);
      },
      [=](close_atom) -> caf::result<void> {
        if (!detail::sent_by(self, self->state.cfg.broker))
          return detail::refused_private_message();
        end(self, make_error(errc::shutting_down, "broker is shutting down"));
        return caf::unit;
      },
      [=](open_atom) -> caf::result<std::vector<std::string>> {
        if (!detail::sent_by(self, self->state.cfg.broker))
          return detail::refused_private_message();
        return open(self);
      },
      [=](expire_atom) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        check_idle(self);
        return caf::unit;
      },
  };
}

} // namespace

namespace detail {

cursor_impl spawn_cursor(caf::actor_system& sys, cursor_config cfg) {
  return sys.spawn(cursor_behavior, std::move(cfg));
}

} // namespace detail

} // namespace sasync
