// The broker's lifecycle: startup, the requests that wait for it, sasync's
// own tables, and the shutdown that drains.
#include "sasync/actors/detail/broker_lifecycle.hpp"

#include "sasync/actors/detail/connection_job.hpp"
#include "sasync/actors/detail/deliver.hpp"
#include "sasync/actors/queue/connection_actor.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/object_tables.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <memory>

namespace sasync::detail {

const char* to_string(broker_phase x) {
  switch (x) {
  case broker_phase::idle:
    return "idle";
  case broker_phase::starting:
    return "starting";
  case broker_phase::running:
    return "running";
  case broker_phase::draining:
    return "draining";
  default:
    return "stopped";
  }
}

namespace {

/// Readers run beside the writer only on SQLite files (WAL); an in-memory
/// database has a single connection.
std::size_t reader_count(const engine_config& engine) {
  if (engine.dialect != dialect_kind::sqlite || engine.in_memory())
    return 0;
  return std::max<std::size_t>(engine.pool_size, 2) - 1;
}

/// SQLite has one writer; on PostgreSQL every pooled connection writes.
std::size_t writer_count(const engine_config& engine) {
  return engine.dialect == dialect_kind::sqlite ? 1 : engine.pool_size;
}

/// Lets waiting requests go on (or fail with `err`); a request may add new
/// waiters meanwhile.
void release(std::vector<held_request>& waiting, const caf::error& err) {
  auto released = std::move(waiting);
  waiting.clear();
  for (auto& request : released)
    request(err);
}

void begin_drain(broker_ptr self);

void startup_done(broker_ptr self, const caf::error& err) {
  auto& st = self->state;
  st.phase = err ? broker_phase::idle : broker_phase::running;
  release(st.held, err);
  if (st.shutdown_requested)
    begin_drain(self);
}

/// Closes every group actor (dicts flush), bulk insert and cursor, then
/// calls `then`.
void close_handed_out(broker_ptr self, std::function<void()> then) {
  auto& st = self->state;
  auto open = st.groups.take_all();
  for (auto& weak : st.workers)
    if (auto alive = weak.lock())
      open.emplace_back(std::move(alive));
  st.workers.clear();
  if (open.empty())
    return then();
  auto left = std::make_shared<std::size_t>(open.size());
  auto one_closed = [left, then] {
    if (--*left == 0)
      then();
  };
  /// What the broker needs of every group actor and worker at shutdown.
  using closable = caf::typed_actor<caf::replies_to<close_atom>::with<void>>;
  for (auto& actor : open)
    self->request(caf::actor_cast<closable>(actor), caf::infinite,
                  close_atom::value)
        .then(one_closed, [self, one_closed](caf::error& err) {
          // An actor that ended on its own had nothing left to lose.
          if (err != caf::sec::request_receiver_down &&
              !self->state.close_error)
            self->state.close_error = std::move(err);
          one_closed();
        });
}

void begin_drain(broker_ptr self) {
  self->state.phase = broker_phase::draining;
  auto finish = [self] {
    auto& st = self->state;
    st.phase = broker_phase::stopped;
    for (auto& rp : st.shutdown_waiters)
      if (st.close_error)
        rp.deliver(st.close_error);
      else
        deliver_done(rp);
    st.shutdown_waiters.clear();
    self->quit();
  };
  auto close = [self, finish] {
    self->request(self->state.queue, caf::infinite, status_atom::value)
        .then([self](queue_status& qs) { self->state.last_queue_status = qs; },
              [](caf::error&) {});
    self->request(self->state.queue, caf::infinite, close_atom::value)
        .then([finish] { finish(); },
              [self, finish](caf::error& err) {
                if (!self->state.close_error)
                  self->state.close_error = std::move(err);
                finish();
              });
  };
  close_handed_out(self, [self, close] {
    self->request(self->state.queue, caf::infinite, drain_atom::value)
        .then([close] { close(); }, [close](caf::error&) { close(); });
  });
}

} // namespace

transaction_queue_impl make_queue(caf::actor_system& sys,
                                  const broker_config& cfg,
                                  const engine_config& engine) {
  queue_config qc;
  qc.capacity = cfg.queue_capacity;
  qc.max_batch = cfg.max_batch;
  qc.wait_timeout = engine.pool_timeout;
  qc.run_timeout = engine.run_timeout;
  if (engine.dialect == dialect_kind::postgresql) {
    qc.max_overflow = engine.max_overflow;
    qc.open_overflow = [&sys, engine, detached = cfg.detached] {
      return spawn_connection(
          sys, connection_config{engine, access_mode::write, detached, true});
    };
  }
  for (std::size_t i = 0; i < writer_count(engine); ++i)
    qc.writers.emplace_back(spawn_connection(
        sys, connection_config{engine, access_mode::write, cfg.detached}));
  for (std::size_t i = 0; i < reader_count(engine); ++i)
    qc.readers.emplace_back(spawn_connection(
        sys, connection_config{engine, access_mode::read, cfg.detached}));
  return spawn_transaction_queue(sys, std::move(qc));
}

/// PostgreSQL's IF NOT EXISTS is not safe against a concurrent CREATE (a
/// unique violation on pg_type), so brokers starting at once take turns
/// under a transaction-scoped lock.
void create_tables(connection& conn, dialect_kind dialect,
                   const std::vector<table_def>& defs) {
  if (defs.empty())
    return;
  if (dialect == dialect_kind::postgresql)
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('sasync.ddl'))");
  for (auto& def : defs)
    for (auto& stmt : create_statements(dialect, def))
      conn.execute_script(stmt);
}

void start(broker_ptr self) {
  auto& st = self->state;
  st.phase = broker_phase::starting;
  auto tables = st.cfg.tables;
  auto hook = st.cfg.startup;
  auto dialect = st.engine.dialect;
  auto setup = make_connection_job(access_mode::write, [=](connection& conn) {
    create_tables(conn, dialect, tables);
    if (hook)
      hook(conn);
  });
  auto on_error = [self](caf::error& err) { startup_done(self, err); };
  self->request(st.queue, caf::infinite, run_atom::value, job_ptr{setup},
                do_next)
      .then(
          [self, on_error] {
            auto first = self->state.cfg.first;
            if (!first)
              return startup_done(self, caf::error{});
            self->request(
                    self->state.queue, caf::infinite, run_atom::value,
                    job_ptr{make_connection_job(access_mode::write, first)},
                    do_next)
                .then([self] { startup_done(self, caf::error{}); }, on_error);
          },
          on_error);
}

void when_running(broker_ptr self, held_request go) {
  auto& st = self->state;
  switch (st.phase) {
  case broker_phase::running:
    go(caf::error{});
    return;
  case broker_phase::draining:
  case broker_phase::stopped:
    go(make_error(errc::shutting_down, "broker is shutting down"));
    return;
  case broker_phase::idle:
  case broker_phase::starting:
    if (st.held.size() >= st.cfg.queue_capacity) {
      go(make_error(errc::overloaded,
                    "too many requests wait for the startup"));
      return;
    }
    st.held.emplace_back(std::move(go));
    if (st.phase == broker_phase::idle)
      start(self);
  }
}

void with_object_tables(broker_ptr self, held_request go) {
  auto& st = self->state;
  if (st.tables == object_tables::ready)
    return go(caf::error{});
  st.waiting_for_tables.emplace_back(std::move(go));
  if (st.tables == object_tables::creating)
    return;
  st.tables = object_tables::creating;
  auto work = make_connection_job(
      access_mode::write, [](connection& c) { create_object_tables(c); });
  auto done = [self](const caf::error& err) {
    auto& st = self->state;
    st.tables = err ? object_tables::absent : object_tables::ready;
    release(st.waiting_for_tables, err);
  };
  self->request(st.queue, caf::infinite, run_atom::value, job_ptr{work},
                do_next)
      .then([done] { done(caf::error{}); },
            [done](caf::error& err) { done(err); });
}

void track_worker(broker_ptr self, const caf::strong_actor_ptr& worker) {
  self->state.workers.emplace_back(
      caf::actor_cast<caf::weak_actor_ptr>(worker));
  self->monitor(worker);
}

void forget(broker_state& st, const caf::actor_addr& gone) {
  if (st.groups.forget(gone))
    return;
  auto& workers = st.workers;
  workers.erase(std::remove_if(workers.begin(), workers.end(),
                               [&](auto& w) {
                                 return caf::actor_cast<caf::actor_addr>(w) ==
                                        gone;
                               }),
                workers.end());
}

caf::result<void> shut_down(broker_ptr self) {
  auto& st = self->state;
  if (st.phase == broker_phase::stopped)
    return caf::unit;
  auto rp = self->make_response_promise<void>();
  st.shutdown_waiters.emplace_back(rp);
  switch (st.phase) {
  case broker_phase::starting:
    st.shutdown_requested = true;
    break;
  case broker_phase::idle:
  case broker_phase::running:
    begin_drain(self);
    break;
  default:
    break; // already draining
  }
  return rp;
}

} // namespace sasync::detail
