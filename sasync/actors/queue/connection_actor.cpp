// The connection actor: the only place database calls happen, kept off CAF's
// cooperative scheduler; exceptions stop here and become sasync errors.
#include "sasync/actors/queue/connection_actor.hpp"

#include "sasync/actors/detail/run_timeout.hpp"
#include "sasync/actors/detail/running_jobs.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/event_log.hpp"
#include "sasync/storage/metrics.hpp"
#include "sasync/storage/savepoint.hpp"
#include "sasync/storage/statement_watchdog.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/thread_state.hpp"
#include "sasync/storage/transaction.hpp"

#include <caf/actor_system.hpp>
#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace sasync {

namespace {

struct connection_state {
  /// First, so it goes last: after the connection has closed.
  thread_state_release release;
  connection_config cfg;
  /// Interrupts work on `conn` that runs past run_timeout.
  statement_watchdog watchdog;
  std::unique_ptr<connection> conn;
  /// An open cursor and its read transaction; the cursor goes first.
  std::unique_ptr<transaction> cursor_tx;
  std::unique_ptr<row_cursor> cursor;
  /// Lost and not yet regained: logged once each way.
  bool lost = false;
  /// Had a connection before: the next open is a reconnect.
  bool opened_before = false;
  static inline const char* name = "sasync.connection";
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct connection_self : connection_actor::stateful_base<connection_state> {
  using super = connection_actor::stateful_base<connection_state>;
  using super::super;
};

using connection_ptr = connection_self*;

/// Runs `fn`; whatever it throws comes back as an error, never across the
/// actor boundary.
template <class F> caf::error guarded(F&& fn) {
  try {
    fn();
    return {};
  } catch (const storage_failure& f) {
    return to_error(f);
  } catch (const std::exception& e) {
    return make_error(errc::transaction_error, e.what());
  } catch (...) {
    return make_error(errc::transaction_error, "unknown exception");
  }
}

/// Runs `fn` on the open connection, interrupted once run_timeout has
/// passed; the work's error, or errc::timeout if it was interrupted (then
/// its transaction must not commit). `fn` must keep the connection open.
template <class F> caf::error watched(connection_state& st, F&& fn) {
  st.watchdog.arm(*st.conn, st.cfg.engine.run_timeout);
  auto err = guarded(std::forward<F>(fn));
  if (st.watchdog.disarm())
    return detail::interrupted_error(st.cfg.engine.run_timeout);
  return err;
}

access_mode batch_mode(const job_batch& jobs) {
  for (auto& j : jobs)
    if (j->mode() == access_mode::write)
      return access_mode::write;
  return access_mode::read;
}

/// The runner every job of the batch shares, if they all share one.
merged_runner common_merger(const job_batch& jobs) {
  auto merge = jobs.front()->merger();
  for (auto& j : jobs)
    if (j->merger() != merge)
      return nullptr;
  return merge;
}

/// Jobs `first` up to `last` of the batch, for a merged runner.
std::vector<job*> slice(const job_batch& jobs, std::size_t first,
                        std::size_t last) {
  std::vector<job*> out;
  for (auto i = first; i < last; ++i)
    out.emplace_back(jobs[i].get());
  return out;
}

/// Runs the jobs of one batch; a savepoint isolates each job when there are
/// several, so a failing job takes none of its neighbours with it.
/// Neighbours that can run as one statement do so, in one savepoint; if
/// that fails, each of them runs again alone in its own. A batch that is
/// one such run (many sets, say) needs no savepoint: if its statement
/// fails, the transaction starts over and the jobs run alone.
/// `may_merge`: false once the merged run failed outside a transaction.
void run_jobs(connection& conn, const job_batch& jobs, access_mode mode,
              std::vector<caf::error>& errors, bool may_merge) {
  if (jobs.size() == 1) {
    if (auto err = guarded([&] { jobs[0]->run(conn); }))
      errors[0] = std::move(err);
    return;
  }
  if (auto merge = may_merge ? common_merger(jobs) : nullptr) {
    if (!guarded([&] { merge(conn, slice(jobs, 0, jobs.size())); }))
      return;
    conn.rollback(); // PostgreSQL has aborted it anyway
    conn.begin(mode);
    may_merge = false;
  }
  // Between units one round trip releases the last savepoint and sets the
  // next.
  std::optional<savepoint> unit;
  auto next_unit = [&] {
    if (unit)
      unit->renew();
    else
      unit.emplace(conn, "sasync_job");
  };
  auto run_alone = [&](std::size_t i) {
    next_unit();
    if (auto err = guarded([&] { jobs[i]->run(conn); })) {
      errors[i] = std::move(err);
      unit->rollback_to(); // throws if the transaction itself is lost
    }
  };
  for (std::size_t i = 0; i < jobs.size();) {
    auto merge = may_merge ? jobs[i]->merger() : nullptr;
    auto end = i + 1;
    while (merge && end < jobs.size() && jobs[end]->merger() == merge)
      ++end;
    if (end - i == 1) {
      run_alone(i++);
      continue;
    }
    next_unit();
    if (guarded([&] { merge(conn, slice(jobs, i, end)); })) {
      unit->rollback_to();
      for (auto j = i; j < end; ++j)
        run_alone(j);
    }
    i = end;
  }
  unit->release();
}

/// Logs the connection's loss, once until it is regained, with the
/// server's (or the client library's) words.
void note_lost(connection_state& st, std::string_view why) {
  if (st.lost)
    return;
  st.lost = true;
  log_event(log_level::warn, "connection to " + st.cfg.engine.display_url() +
                                 " lost: " + std::string{why});
}

/// Counts an open for /metrics: by pool or overflow, and as a reconnect
/// when the actor had a connection before. Rare: the registry's lock is
/// fine here.
void count_open(connection_state& st) {
  auto again = st.opened_before;
  st.opened_before = true;
  if (!metrics::enabled())
    return;
  metrics::counter_of("sasync_connections_opened_total",
                      "Database connections opened, by kind: pool or "
                      "overflow (beyond the pool, max_overflow).",
                      {{"kind", st.cfg.overflow ? "overflow" : "pool"}})
      .add();
  if (again)
    metrics::counter_of("sasync_reconnects_total",
                        "Database connections opened again after the one "
                        "before was lost or closed.")
        .add();
}

/// Opens the connection if it is not usable.
void ensure_open(connection_state& st) {
  if (st.conn && st.conn->usable())
    return;
  st.conn.reset();
  try {
    st.conn = open_connection(st.cfg.engine, st.cfg.mode);
  } catch (const storage_failure& f) {
    note_lost(st, f.what());
    throw;
  }
  if (st.lost) {
    st.lost = false;
    log_event(log_level::info,
              "connection to " + st.cfg.engine.display_url() + " regained");
  }
  count_open(st);
}

/// Begins a transaction. A connection found dead at BEGIN ran nothing (a
/// server restart leaves every pooled connection so), hence one reopen.
std::unique_ptr<transaction> begin(connection_state& st, access_mode mode) {
  ensure_open(st);
  try {
    return std::make_unique<transaction>(*st.conn, mode);
  } catch (const storage_failure& f) {
    if (f.kind() != failure_kind::connection)
      throw;
    note_lost(st, f.what());
    st.conn.reset();
    ensure_open(st);
    return std::make_unique<transaction>(*st.conn, mode);
  }
}

/// Ends the open cursor, if any, and its transaction.
void end_cursor(connection_state& st) {
  st.cursor.reset();
  st.cursor_tx.reset(); // rolls back: a cursor only read
  if (st.conn && !st.conn->usable())
    st.conn.reset();
}

/// Drops a connection found broken after work, logging the loss (`during`
/// names the work); it is opened again for the next batch.
void drop_if_broken(connection_state& st, const char* during) {
  if (st.conn && !st.conn->usable()) {
    note_lost(st, std::string{"it broke during "} + during);
    st.conn.reset();
  }
}

/// The batch as runs of neighbours that merge, [first, last) each, when
/// each run's statement may go outside a transaction (sets as one upsert,
/// gets as selects) and at most one of them writes: outside a transaction
/// each statement commits by itself, and two writing runs would wait for
/// two WAL flushes where one transaction waits for one.
std::optional<std::vector<std::pair<std::size_t, std::size_t>>>
standing_runs(const job_batch& jobs) {
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  auto writes = 0;
  for (std::size_t i = 0; i < jobs.size();) {
    auto merge = jobs[i]->merger();
    if (!merge)
      return std::nullopt;
    auto end = i + 1;
    while (end < jobs.size() && jobs[end]->merger() == merge)
      ++end;
    if (!jobs[i]->merged_run_stands_alone(end - i) ||
        (jobs[i]->mode() == access_mode::write && ++writes > 1))
      return std::nullopt;
    runs.emplace_back(i, end);
    i = end;
  }
  return runs;
}

/// Runs the batch's merged runs outside a transaction where it may
/// (standing_runs), each statement committing by itself: one statement (on
/// PostgreSQL one round trip) a run instead of BEGIN, a savepoint a run,
/// and COMMIT. Returns
/// how many jobs from the front it answered in `out`: all, or those of the
/// runs before one whose statement failed. That statement committed
/// nothing; its jobs and the rest then run in a transaction, each job
/// alone (`failed` is set). A lost connection leaves the outcome unknown,
/// and an interrupted statement committed nothing: that run's jobs and
/// the rest get that error.
std::size_t run_standing_alone(connection_state& st, const job_batch& jobs,
                               batch_report& out, bool& failed) {
  auto runs = standing_runs(jobs);
  if (!runs || !st.conn)
    return 0;
  if (!st.conn->prefers_autocommit()) {
    if (!st.conn->usable())
      note_lost(st, "the server closed it"); // reopened by begin()
    return 0;
  }
  auto* conn = st.conn.get();
  for (auto [first, last] : *runs) {
    auto prepared_before = conn->prepare_count();
    auto err = watched(st, [&, first = first, last = last] {
      detail::running_jobs marker;
      jobs[first]->merger()(*conn, slice(jobs, first, last));
    });
    out.prepared += conn->prepare_count() - prepared_before;
    out.started = true;
    if (!err)
      continue;
    auto interrupted = is(err, errc::timeout);
    if (interrupted)
      st.conn.reset(); // a late cancel must not reach the next statement
    if (!interrupted && conn->usable()) {
      failed = true;
      return first;
    }
    std::fill(out.errors.begin() + first, out.errors.end(), err);
    drop_if_broken(st, "a statement outside a transaction");
    return jobs.size();
  }
  return jobs.size();
}

/// Runs `jobs` in one transaction; `may_merge`: false once their merged
/// run failed outside one.
batch_report run_in_transaction(connection_state& st, const job_batch& jobs,
                                bool may_merge) {
  batch_report out;
  out.errors.resize(jobs.size());
  std::unique_ptr<transaction> tx;
  auto mode = batch_mode(jobs);
  if (auto err = guarded([&] { tx = begin(st, mode); })) {
    st.conn.reset(); // whatever is left of it gets reopened next time
    std::fill(out.errors.begin(), out.errors.end(), err);
    return out;
  }
  out.started = true;
  auto* conn = st.conn.get();
  auto prepared_before = conn->prepare_count();
  auto err = watched(st, [&] {
    detail::running_jobs marker;
    run_jobs(*st.conn, jobs, mode, out.errors, may_merge);
  });
  auto interrupted = is(err, errc::timeout);
  if (!err && !(jobs.size() == 1 && out.errors[0]))
    err = guarded([&] { tx->commit(); });
  tx.reset(); // rolls back unless committed
  for (auto& e : out.errors)
    if (!e || interrupted)
      e = err;
  if (st.conn.get() == conn)
    out.prepared = conn->prepare_count() - prepared_before;
  drop_if_broken(st, "a transaction");
  return out;
}

batch_report run_batch(connection_state& st, const job_batch& jobs) {
  end_cursor(st); // a lessee that died left it open
  batch_report out;
  out.errors.resize(jobs.size());
  auto merge_failed = false;
  auto done = run_standing_alone(st, jobs, out, merge_failed);
  if (done == jobs.size())
    return out;
  if (done == 0)
    return run_in_transaction(st, jobs, !merge_failed);
  // The runs before the failed one committed; the rest go in a transaction.
  auto rest = run_in_transaction(
      st, job_batch(jobs.begin() + static_cast<std::ptrdiff_t>(done), jobs.end()),
      !merge_failed);
  std::move(rest.errors.begin(), rest.errors.end(), out.errors.begin() + done);
  out.prepared += rest.prepared;
  return out;
}

caf::result<std::vector<std::string>>
open_query(connection_state& st, const std::string& sql,
           const std::vector<value>& params) {
  end_cursor(st);
  auto err = guarded([&] { st.cursor_tx = begin(st, access_mode::read); });
  if (!err)
    err = watched(st, [&] { st.cursor = st.conn->open_cursor(sql, params); });
  if (err) {
    end_cursor(st);
    return err;
  }
  return st.cursor->columns();
}

caf::result<row_batch> fetch_rows(connection_state& st, std::uint32_t n) {
  if (!st.cursor)
    return make_error(errc::invalid_argument, "no cursor is open");
  row_batch out;
  auto err = watched(st, [&] { out.done = !st.cursor->fetch(n, out.rows); });
  if (err || out.done)
    end_cursor(st);
  if (err)
    return err;
  return out;
}

connection_actor::behavior_type connection_impl(connection_ptr self,
                                                connection_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
      [=](run_atom, const job_batch& jobs) {
        return run_batch(self->state, jobs);
      },
      [=](query_atom, const std::string& sql,
          const std::vector<value>& params) {
        return open_query(self->state, sql, params);
      },
      [=](fetch_atom, std::uint32_t n) { return fetch_rows(self->state, n); },
      [=](cancel_atom) { end_cursor(self->state); },
      [=](connect_atom) -> caf::result<void> {
        if (auto err = guarded([&] { ensure_open(self->state); }))
          return err;
        return caf::unit;
      },
      [=](close_atom) {
        end_cursor(self->state);
        self->state.conn.reset();
        self->quit();
      },
  };
}

} // namespace

connection_actor spawn_connection(caf::actor_system& sys,
                                  connection_config cfg) {
  auto detached = cfg.detached;
  if (detached)
    return sys.spawn<caf::detached>(connection_impl, std::move(cfg));
  return sys.spawn(connection_impl, std::move(cfg));
}

} // namespace sasync
