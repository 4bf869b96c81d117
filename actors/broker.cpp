// The access broker: lifecycle, startup hooks, and requests turned into jobs
// on its transaction queue.
#include "actors/broker.hpp"

#include "actors/connection_actor.hpp"
#include "actors/detail/broker_impl.hpp"
#include "actors/detail/bulk_insert_actor.hpp"
#include "actors/detail/connection_job.hpp"
#include "actors/detail/cursor_actor.hpp"
#include "actors/detail/deliver.hpp"
#include "actors/detail/group_actors.hpp"
#include "actors/detail/private_sender.hpp"
#include "actors/detail/statement_policy.hpp"
#include "actors/detail/transaction_queue_impl.hpp"
#include "actors/errc.hpp"
#include "storage/array_store.hpp"
#include "storage/dialect.hpp"
#include "storage/item_store.hpp"
#include "storage/storage_failure.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <memory>

namespace sasync {

namespace {

enum class phase { idle, starting, running, draining, stopped };

const char* to_string(phase x) {
  switch (x) {
  case phase::idle:
    return "idle";
  case phase::starting:
    return "starting";
  case phase::running:
    return "running";
  case phase::draining:
    return "draining";
  default:
    return "stopped";
  }
}

/// A request that arrived before the broker ran: called with no error to go
/// ahead, or with the error that ended the startup.
using held_request = std::function<void(const caf::error&)>;

/// The broker keeps a group's actor while it is asked for; after an idle
/// period only a weak reference stays, and the actor lives on as long as
/// some client holds it or its work runs. The broker monitors it and forgets
/// it when it stops.
template <class Handle> struct group_entry {
  Handle held;
  caf::weak_actor_ptr weak;
  caf::actor_addr addr;
  bool asked = true; ///< since the last sweep
};

template <class Handle>
using group_map = std::map<std::int64_t, group_entry<Handle>>;

/// What the broker needs of every group actor at shutdown.
using closable = caf::typed_actor<caf::replies_to<close_atom>::with<void>>;

enum class object_tables { absent, creating, ready };

struct broker_state {
  broker_config cfg;
  engine_config engine;
  detail::transaction_queue_impl queue;
  phase state = phase::idle;
  std::vector<held_request> held;
  std::vector<caf::typed_response_promise<void>> shutdown_waiters;
  bool shutdown_requested = false;
  queue_status last_queue_status;
  group_map<detail::items_impl> items_groups;
  group_map<detail::dict_impl> dict_groups;
  group_map<detail::array_impl> array_groups;
  bool sweep_scheduled = false;
  object_tables tables = object_tables::absent;
  std::vector<held_request> waiting_for_tables;
  /// The first error a group actor reported when it closed.
  caf::error close_error;
  /// Open cursors and bulk inserts, closed at shutdown.
  std::vector<caf::weak_actor_ptr> workers;
  /// Named statements: name -> SQL.
  std::map<std::string, std::string> statements;
  static inline const char* name = "sasync.broker";
};

using broker_ptr = detail::broker_impl::stateful_pointer<broker_state>;

void begin_drain(broker_ptr self);

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

detail::transaction_queue_impl make_queue(caf::actor_system& sys,
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
          sys, connection_config{engine, access_mode::write, detached});
    };
  }
  for (std::size_t i = 0; i < writer_count(engine); ++i)
    qc.writers.emplace_back(spawn_connection(
        sys, connection_config{engine, access_mode::write, cfg.detached}));
  for (std::size_t i = 0; i < reader_count(engine); ++i)
    qc.readers.emplace_back(spawn_connection(
        sys, connection_config{engine, access_mode::read, cfg.detached}));
  return detail::spawn_transaction_queue(sys, std::move(qc));
}

/// Queries go to read-only connections; anything else may write.
access_mode mode_of(const std::string& sql) {
  auto i = std::find_if_not(sql.begin(), sql.end(),
                            [](unsigned char c) { return std::isspace(c); });
  std::string word;
  for (; i != sql.end() && std::isalpha(static_cast<unsigned char>(*i)); ++i)
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(*i)));
  return word == "SELECT" || word == "VALUES" ? access_mode::read
                                              : access_mode::write;
}

/// Lets waiting requests go on (or fail with `err`); a request may add new
/// waiters meanwhile.
void release(std::vector<held_request>& waiting, const caf::error& err) {
  auto released = std::move(waiting);
  waiting.clear();
  for (auto& request : released)
    request(err);
}

void startup_done(broker_ptr self, const caf::error& err) {
  auto& st = self->state;
  st.state = err ? phase::idle : phase::running;
  release(st.held, err);
  if (st.shutdown_requested)
    begin_drain(self);
}

/// Creates missing tables and indexes. PostgreSQL's IF NOT EXISTS is not
/// safe against a concurrent CREATE (a unique violation on pg_type), so
/// brokers starting at once take turns under a transaction-scoped lock.
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

/// Creates the tables, runs the startup hook, then the first transaction.
void start(broker_ptr self) {
  auto& st = self->state;
  st.state = phase::starting;
  auto tables = st.cfg.tables;
  auto hook = st.cfg.startup;
  auto dialect = st.engine.dialect;
  auto setup =
      detail::make_connection_job(access_mode::write, [=](connection& conn) {
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
            self->request(self->state.queue, caf::infinite, run_atom::value,
                          job_ptr{detail::make_connection_job(
                              access_mode::write, first)},
                          do_next)
                .then([self] { startup_done(self, caf::error{}); }, on_error);
          },
          on_error);
}

/// Runs `go` now when running, later when starting, or refuses.
template <class Promise, class Go>
void when_running(broker_ptr self, Promise rp, Go go) {
  auto& st = self->state;
  switch (st.state) {
  case phase::running:
    go(rp);
    return;
  case phase::draining:
  case phase::stopped:
    rp.deliver(make_error(errc::shutting_down, "broker is shutting down"));
    return;
  case phase::idle:
  case phase::starting:
    if (st.held.size() >= st.cfg.queue_capacity) {
      rp.deliver(make_error(errc::overloaded,
                            "too many requests wait for the startup"));
      return;
    }
    st.held.emplace_back([rp, go](const caf::error& err) mutable {
      if (err)
        rp.deliver(err);
      else
        go(rp);
    });
    if (st.state == phase::idle)
      start(self);
  }
}

/// Submits `work` and delivers `rp` with `result()` once it committed.
template <class T, class Job, class Result>
void submit(broker_ptr self, caf::typed_response_promise<T> rp,
            std::shared_ptr<Job> work, priority prio, Result result) {
  self->request(self->state.queue, caf::infinite, run_atom::value,
                job_ptr{work}, prio)
      .then(
          [rp, work, result]() mutable {
            if constexpr (std::is_void_v<T>)
              detail::deliver_done(rp);
            else
              rp.deliver(result(*work));
          },
          [rp](caf::error& err) mutable { rp.deliver(err); });
}

template <class Handle>
void take_all(group_map<Handle>& groups, std::vector<closable>& out) {
  for (auto& [group, entry] : groups) {
    if (entry.held)
      out.emplace_back(entry.held);
    else if (auto alive = entry.weak.lock())
      out.emplace_back(caf::actor_cast<closable>(std::move(alive)));
  }
  groups.clear();
}

/// Closes every group actor (dicts flush), bulk insert and cursor, then
/// calls `then`.
void close_groups(broker_ptr self, std::function<void()> then) {
  auto& st = self->state;
  std::vector<closable> open;
  take_all(st.items_groups, open);
  take_all(st.dict_groups, open);
  take_all(st.array_groups, open);
  for (auto& weak : st.workers)
    if (auto alive = weak.lock())
      open.emplace_back(caf::actor_cast<closable>(std::move(alive)));
  st.workers.clear();
  if (open.empty())
    return then();
  auto left = std::make_shared<std::size_t>(open.size());
  auto one_closed = [left, then] {
    if (--*left == 0)
      then();
  };
  for (auto& group : open)
    self->request(group, caf::infinite, close_atom::value)
        .then(one_closed, [self, one_closed](caf::error& err) {
          // An actor that ended on its own had nothing left to lose.
          if (err != caf::sec::request_receiver_down &&
              !self->state.close_error)
            self->state.close_error = std::move(err);
          one_closed();
        });
}

void begin_drain(broker_ptr self) {
  auto& st = self->state;
  st.state = phase::draining;
  auto finish = [self] {
    auto& st = self->state;
    st.state = phase::stopped;
    for (auto& rp : st.shutdown_waiters)
      if (st.close_error)
        rp.deliver(st.close_error);
      else
        detail::deliver_done(rp);
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
  close_groups(self, [self, close] {
    self->request(self->state.queue, caf::infinite, drain_atom::value)
        .then([close] { close(); }, [close](caf::error&) { close(); });
  });
}

void schedule_sweep(broker_ptr self) {
  auto& st = self->state;
  if (st.sweep_scheduled)
    return;
  st.sweep_scheduled = true;
  self->delayed_send(self, st.cfg.idle_timeout, sweep_atom::value);
}

/// Lets go of actors not asked for since the last sweep and forgets those
/// that have stopped.
template <class Handle> void sweep(group_map<Handle>& groups) {
  for (auto i = groups.begin(); i != groups.end();) {
    auto& entry = i->second;
    if (!entry.asked)
      entry.held = Handle{};
    entry.asked = false;
    if (!entry.held && !entry.weak.lock())
      i = groups.erase(i);
    else
      ++i;
  }
}

/// The actor of `group`: the one still alive, or a new one.
template <class Handle, class Spawn>
Handle group_actor(broker_ptr self, group_map<Handle>& groups,
                   std::int64_t group, Spawn spawn) {
  auto& entry = groups[group];
  entry.asked = true;
  if (!entry.held) {
    if (auto alive = entry.weak.lock()) {
      entry.held = caf::actor_cast<Handle>(std::move(alive));
    } else {
      detail::group_config gc;
      gc.queue = self->state.queue;
      gc.group = group;
      gc.capacity = self->state.cfg.queue_capacity;
      gc.broker = self->address();
      gc.cache_capacity = self->state.cfg.dict_cache_capacity;
      entry.held = spawn(self->system(), std::move(gc));
      entry.weak = caf::actor_cast<caf::weak_actor_ptr>(entry.held);
      entry.addr = entry.held.address();
      self->monitor(entry.held);
    }
  }
  schedule_sweep(self);
  return entry.held;
}

/// Keeps a weak reference to a cursor or bulk insert for the shutdown,
/// until it stops.
template <class Handle> void track(broker_ptr self, const Handle& worker) {
  auto& workers = self->state.workers;
  workers.emplace_back(caf::actor_cast<caf::weak_actor_ptr>(worker));
  self->monitor(worker);
}

template <class Handle>
void forget_group(group_map<Handle>& groups, const caf::actor_addr& gone) {
  for (auto i = groups.begin(); i != groups.end(); ++i)
    if (i->second.addr == gone) {
      groups.erase(i);
      return;
    }
}

/// Forgets a group actor, cursor or bulk insert that stopped: the next
/// request for its group makes a new one.
void forget(broker_state& st, const caf::actor_addr& gone) {
  forget_group(st.items_groups, gone);
  forget_group(st.dict_groups, gone);
  forget_group(st.array_groups, gone);
  auto& workers = st.workers;
  workers.erase(std::remove_if(workers.begin(), workers.end(),
                               [&](auto& w) {
                                 return caf::actor_cast<caf::actor_addr>(w) ==
                                        gone;
                               }),
                workers.end());
}

/// Answers a query with a cursor once it has a connection and its columns.
caf::result<cursor_info> open_cursor(broker_ptr self, std::string sql,
                                     std::vector<value> params,
                                     row_consumer consumer,
                                     std::uint32_t credit) {
  if (auto err = detail::check_statement(sql, true))
    return err;
  detail::cursor_config cc;
  // Before the promise: making it takes the sender out of the message.
  cc.owner = consumer ? caf::actor_cast<caf::strong_actor_ptr>(consumer)
                      : self->current_sender();
  auto rp = self->make_response_promise<cursor_info>();
  cc.sql = std::move(sql);
  cc.params = std::move(params);
  cc.consumer = std::move(consumer);
  cc.credit = credit;
  cc.idle_timeout = self->state.cfg.cursor_idle_timeout;
  cc.broker = self->address();
  cc.run_timeout = self->state.engine.run_timeout;
  when_running(self, rp, [self, cc](auto rp) mutable {
    cc.queue = self->state.queue;
    auto rows = detail::spawn_cursor(self->system(), std::move(cc));
    track(self, rows);
    self->request(rows, caf::infinite, open_atom::value)
        .then(
            [rp, rows](std::vector<std::string>& columns) mutable {
              rp.deliver(cursor_info{cursor{rows}, std::move(columns)});
            },
            [rp](caf::error& err) mutable { rp.deliver(err); });
  });
  return rp;
}

/// Runs one statement as a job and answers its result.
caf::result<result_set> run_sql(broker_ptr self, std::string stmt,
                                std::vector<value> params) {
  // Its connection and transaction serve other clients' work too.
  if (auto err = detail::check_statement(stmt, true))
    return err;
  auto rp = self->make_response_promise<result_set>();
  auto mode = mode_of(stmt);
  auto work = detail::make_connection_job(
      mode, [stmt = std::move(stmt), params = std::move(params)](
                connection& c) { return c.execute(stmt, params); });
  when_running(self, rp, [self, work](auto rp) {
    submit(self, rp, work, niceness(0), [](auto& j) { return j.take(); });
  });
  return rp;
}

/// Named statements beyond this many are refused: each one may hold a
/// prepared statement on every connection.
constexpr std::size_t max_statements = 1'000;

caf::result<void> name_statement(broker_state& st, const std::string& name,
                                 std::string sql) {
  try {
    validate_identifier("statement", name);
  } catch (const storage_failure& f) {
    return to_error(f);
  }
  if (sql.empty())
    return make_error(errc::invalid_argument,
                      "statement '" + name + "' is empty");
  if (auto err = detail::check_statement(sql, true))
    return err;
  auto i = st.statements.find(name);
  if (i != st.statements.end()) {
    if (i->second == sql)
      return caf::unit;
    return make_error(errc::invalid_argument, "statement '" + name +
                                                  "' is already defined as: " +
                                                  statement_excerpt(i->second));
  }
  if (st.statements.size() >= max_statements)
    return make_error(errc::invalid_argument,
                      "more than " + std::to_string(max_statements) +
                          " named statements");
  st.statements.emplace(name, std::move(sql));
  return caf::unit;
}

/// Runs `go` once sasync_items and sasync_array exist.
void with_object_tables(broker_ptr self, held_request go) {
  auto& st = self->state;
  if (st.tables == object_tables::ready)
    return go(caf::error{});
  st.waiting_for_tables.emplace_back(std::move(go));
  if (st.tables == object_tables::creating)
    return;
  st.tables = object_tables::creating;
  auto dialect = st.engine.dialect;
  auto work =
      detail::make_connection_job(access_mode::write, [dialect](connection& c) {
        create_tables(c, dialect, {items_table(), array_table()});
      });
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

/// Answers a request for the actor of a group with its public handle.
template <class Public, class Impl, class Spawn>
caf::result<Public> lookup(broker_ptr self,
                           group_map<Impl> broker_state::*groups,
                           std::int64_t group, Spawn spawn) {
  auto rp = self->make_response_promise<Public>();
  when_running(self, rp, [self, groups, group, spawn](auto rp) {
    with_object_tables(self, [self, rp, groups, group,
                              spawn](const caf::error& err) mutable {
      if (err)
        rp.deliver(err);
      else if (self->state.state != phase::running)
        rp.deliver(make_error(errc::shutting_down, "broker is shutting down"));
      else
        rp.deliver(
            Public{group_actor(self, self->state.*groups, group, spawn)});
    });
  });
  return rp;
}

detail::broker_impl::behavior_type broker_impl(broker_ptr self,
                                               broker_config cfg) {
  auto& st = self->state;
  st.engine = cfg.engine ? *cfg.engine : default_engine();
  st.cfg = std::move(cfg);
  st.queue = make_queue(self->system(), st.cfg, st.engine);
  self->set_down_handler(
      [self](caf::down_msg& dm) { forget(self->state, dm.source); });
  start(self);
  return {
      [=](table_atom, const table_def& def) -> caf::result<void> {
        try {
          validate(def);
        } catch (const storage_failure& f) {
          return to_error(f);
        }
        auto rp = self->make_response_promise<void>();
        auto dialect = self->state.engine.dialect;
        when_running(self, rp, [self, def, dialect](auto rp) {
          auto work = detail::make_connection_job(
              access_mode::write, [def, dialect](connection& c) {
                create_tables(c, dialect, {def});
              });
          submit(self, rp, work, do_next, [](auto&) {});
        });
        return rp;
      },
      [=](transact_atom, job_ptr& work, priority prio) -> caf::result<void> {
        auto rp = self->make_response_promise<void>();
        when_running(self, rp, [self, work, prio](auto rp) {
          rp.delegate(self->state.queue, run_atom::value, work, prio);
        });
        return rp;
      },
      [=](sql_atom, std::string& stmt, std::vector<value>& params) {
        return run_sql(self, std::move(stmt), std::move(params));
      },
      [=](prepare_atom, const std::string& name, std::string& stmt) {
        return name_statement(self->state, name, std::move(stmt));
      },
      [=](execute_atom, const std::string& name,
          std::vector<value>& params) -> caf::result<result_set> {
        auto& stmts = self->state.statements;
        auto i = stmts.find(name);
        if (i == stmts.end())
          return make_error(errc::missing, "no statement named '" + name + "'");
        return run_sql(self, i->second, std::move(params));
      },
      [=](query_atom, std::string& stmt, std::vector<value>& params) {
        return open_cursor(self, std::move(stmt), std::move(params),
                           row_consumer{}, 0);
      },
      [=](query_atom, std::string& stmt, std::vector<value>& params,
          row_consumer& consumer,
          std::uint32_t credit) -> caf::result<cursor_info> {
        if (!consumer)
          return make_error(errc::invalid_argument, "no consumer");
        return open_cursor(self, std::move(stmt), std::move(params),
                           std::move(consumer), credit);
      },
      [=](insert_atom, const insert_spec& spec) -> caf::result<bulk_insert> {
        try {
          validate(spec);
        } catch (const storage_failure& f) {
          return to_error(f);
        }
        auto rp = self->make_response_promise<bulk_insert>();
        when_running(self, rp, [self, spec](auto rp) {
          auto inserter = detail::spawn_bulk_insert(
              self->system(), self->state.queue, spec, self->address());
          track(self, inserter);
          rp.deliver(bulk_insert{inserter});
        });
        return rp;
      },
      [=](items_atom, std::int64_t group) {
        return lookup<items>(self, &broker_state::items_groups, group,
                             detail::spawn_items);
      },
      [=](dict_atom, std::int64_t group) {
        return lookup<dict>(self, &broker_state::dict_groups, group,
                            detail::spawn_dict);
      },
      [=](array_atom, std::int64_t group) {
        return lookup<array>(self, &broker_state::array_groups, group,
                             detail::spawn_array);
      },
      [=](sweep_atom) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        auto& st = self->state;
        st.sweep_scheduled = false;
        sweep(st.items_groups);
        sweep(st.dict_groups);
        sweep(st.array_groups);
        if (!st.items_groups.empty() || !st.dict_groups.empty() ||
            !st.array_groups.empty())
          schedule_sweep(self);
        return caf::unit;
      },
      [=](status_atom) -> caf::result<broker_status> {
        auto& s = self->state;
        broker_status out{to_string(s.state), s.engine.display_url(),
                          s.last_queue_status};
        if (s.state == phase::stopped)
          return out;
        auto rp = self->make_response_promise<broker_status>();
        self->request(s.queue, caf::infinite, status_atom::value)
            .then(
                [rp, out](queue_status& qs) mutable {
                  out.queue = qs;
                  rp.deliver(out);
                },
                [rp, out](caf::error&) mutable { rp.deliver(out); });
        return rp;
      },
      [=](shutdown_atom) -> caf::result<void> {
        auto& s = self->state;
        if (s.state == phase::stopped)
          return caf::unit;
        auto rp = self->make_response_promise<void>();
        s.shutdown_waiters.emplace_back(rp);
        switch (s.state) {
        case phase::starting:
          s.shutdown_requested = true;
          break;
        case phase::idle:
        case phase::running:
          begin_drain(self);
          break;
        default:
          break; // already draining
        }
        return rp;
      },
  };
}

} // namespace

broker spawn_broker(caf::actor_system& sys, broker_config cfg) {
  return sys.spawn(broker_impl, std::move(cfg));
}

} // namespace sasync
