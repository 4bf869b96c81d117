// The access broker: routes each request to its place — statements and
// closures to the transaction queue, queries to cursors, groups to their
// actors — once the lifecycle (broker_lifecycle.cpp) lets it run.
#include "sasync/actors/broker.hpp"

#include "sasync/actors/batch/detail/batch_coordinator.hpp"
#include "sasync/actors/detail/alive_gauge.hpp"
#include "sasync/actors/detail/broker_lifecycle.hpp"
#include "sasync/actors/detail/connection_job.hpp"
#include "sasync/actors/detail/deliver.hpp"
#include "sasync/actors/detail/priority_check.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/request_metrics.hpp"
#include "sasync/actors/detail/statement_policy.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/detail/group_actors.hpp"
#include "sasync/actors/query/detail/bulk_insert_actor.hpp"
#include "sasync/actors/query/detail/cursor_actor.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/named_params.hpp"
#include "sasync/storage/statement_kind.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <memory>

namespace sasync {

namespace {

using detail::broker_phase;
using detail::broker_ptr;
using detail::group_kind;
using detail::when_running;

/// Submits `work` and delivers `rp` with `result()` once it committed.
/// Counts the request with `meter` (request_metrics.hpp).
template <class T, class Job, class Result>
void submit(broker_ptr self, caf::typed_response_promise<T> rp,
            std::shared_ptr<Job> work, priority prio, Result result,
            detail::request_meter meter) {
  self->request(self->state.queue, caf::infinite, run_atom::value,
                job_ptr{work}, prio)
      .then(
          [rp, work, result, meter]() mutable {
            meter.answered();
            if constexpr (std::is_void_v<T>)
              detail::deliver_done(rp);
            else
              rp.deliver(result(*work));
          },
          [rp, meter](caf::error& err) mutable {
            meter.answered(err);
            rp.deliver(err);
          });
}

// -- groups ------------------------------------------------------------------

/// A new actor for `group`, on the broker's queue.
caf::strong_actor_ptr
spawn_group(broker_ptr self, group_kind kind, std::int64_t group,
            std::optional<detail::group_fence> fence = std::nullopt) {
  auto& st = self->state;
  detail::group_config gc;
  gc.fence = fence;
  gc.queue = st.queue;
  gc.group = group;
  gc.capacity = st.cfg.queue_capacity;
  gc.broker = self->address();
  gc.cache_capacity = st.cfg.dict_cache_capacity;
  auto& sys = self->system();
  switch (kind) {
  case group_kind::items:
    return detail::count_alive(caf::actor_cast<caf::strong_actor_ptr>(
                                   detail::spawn_items(sys, std::move(gc))),
                               detail::group_actors_alive("items"));
  case group_kind::dict:
    return detail::count_alive(caf::actor_cast<caf::strong_actor_ptr>(
                                   detail::spawn_dict(sys, std::move(gc))),
                               detail::group_actors_alive("dict"));
  default:
    return detail::count_alive(caf::actor_cast<caf::strong_actor_ptr>(
                                   detail::spawn_array(sys, std::move(gc))),
                               detail::group_actors_alive("array"));
  }
}

/// A new items or dict actor of `group` meets the other one if it lives:
/// the items actor then sends its requests through the dict, so that the
/// two agree on the group (objects/detail/dict_route.hpp). Sent before the
/// new actor's handle leaves the broker, so before any request that could
/// depend on it.
void link_dict(broker_ptr self, std::int64_t group) {
  auto& groups = self->state.groups;
  auto store = groups.alive(group_kind::items, group);
  auto cache = groups.alive(group_kind::dict, group);
  if (store && cache)
    self->send(caf::actor_cast<detail::items_impl>(store), dict_atom::value,
               caf::actor_cast<detail::dict_impl>(cache));
}

/// The actor of a group, the one alive or a new one; the registry lets it
/// go once nobody asked for it during an idle period.
caf::strong_actor_ptr group_actor(broker_ptr self, group_kind kind,
                                  std::int64_t group) {
  auto& groups = self->state.groups;
  auto spawned = false;
  auto actor = groups.get(self, kind, group, [&] {
    spawned = true;
    return spawn_group(self, kind, group);
  });
  if (spawned && kind != group_kind::array)
    link_dict(self, group);
  if (groups.sweep_due())
    self->delayed_send(self, self->state.cfg.idle_timeout, sweep_atom::value);
  return actor;
}

/// Answers a request for the actor of a group with its public handle.
template <class Public>
caf::result<Public> lookup(broker_ptr self, group_kind kind,
                           std::int64_t group) {
  auto rp = self->make_response_promise<Public>();
  when_running(self, rp, [self, kind, group](auto rp) {
    detail::with_object_tables(self, [self, rp, kind,
                                      group](const caf::error& err) mutable {
      if (err)
        rp.deliver(err);
      else if (self->state.phase != broker_phase::running)
        rp.deliver(make_error(errc::shutting_down, "broker is shutting down"));
      else
        rp.deliver(caf::actor_cast<Public>(group_actor(self, kind, group)));
    });
  });
  return rp;
}

/// Cluster mode: the actor of a group this node owns, writing under
/// `owner`. An actor of another ownership is let go first: the fence fails
/// its writes, and this one takes the requests from now on.
caf::result<caf::strong_actor_ptr> owned_group(broker_ptr self,
                                               std::int16_t kind_value,
                                               std::int64_t group,
                                               group_owner owner) {
  if (!self->current_sender() ||
      self->current_sender()->node() != self->node())
    return detail::refused_private_message();
  if (kind_value < 1 || kind_value > 3)
    return make_error(errc::invalid_argument,
                      "no group kind " + std::to_string(kind_value));
  auto fence_kind = static_cast<sasync::group_kind>(kind_value);
  auto kind = fence_kind == sasync::group_kind::items  ? group_kind::items
              : fence_kind == sasync::group_kind::dict ? group_kind::dict
                                                       : group_kind::array;
  auto rp = self->make_response_promise<caf::strong_actor_ptr>();
  when_running(self, rp, [self, kind, fence_kind, group, owner](auto rp) {
    detail::with_object_tables(self, [=](const caf::error& err) mutable {
      if (err) {
        rp.deliver(err);
        return;
      }
      if (self->state.phase != broker_phase::running) {
        rp.deliver(make_error(errc::shutting_down, "broker is shutting down"));
        return;
      }
      auto& st = self->state;
      auto key = std::make_pair(kind, group);
      auto known = st.owners.find(key);
      if (known == st.owners.end() || known->second.member != owner.member ||
          known->second.epoch != owner.epoch)
        st.groups.drop(kind, group);
      st.owners[key] = owner;
      auto spawned = false;
      auto actor = st.groups.get(self, kind, group, [&] {
        spawned = true;
        return spawn_group(self, kind, group,
                           detail::group_fence{fence_kind, group, owner});
      });
      // Items and dict of a group share one owner, so both live here.
      if (spawned && kind != group_kind::array)
        link_dict(self, group);
      if (st.groups.sweep_due())
        self->delayed_send(self, st.cfg.idle_timeout, sweep_atom::value);
      rp.deliver(std::move(actor));
    });
  });
  return rp;
}

// -- statements, queries and inserts -----------------------------------------

/// Answers a query with a cursor once it has a connection and its columns.
caf::result<cursor_info> open_cursor(broker_ptr self, std::string sql,
                                     std::vector<value> params,
                                     row_consumer consumer,
                                     std::uint32_t credit, priority prio) {
  auto meter = detail::request_meter::start(self);
  if (auto err = detail::check_statement(sql, true))
    return detail::refused(meter, std::move(err));
  // A cursor's transaction never commits: a write would stream its rows and
  // then vanish.
  if (!only_reads(sql))
    return detail::refused(
        meter, make_error(errc::invalid_argument,
                          "query streams only statements that read (SELECT, "
                          "VALUES, WITH ... SELECT); run writes with sql or "
                          "execute"));
  if (auto err = detail::check_priority(prio))
    return detail::refused(meter, std::move(err));
  detail::cursor_config cc;
  cc.prio = prio;
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
  when_running(self, rp, [self, cc, meter](auto rp) mutable {
    cc.queue = self->state.queue;
    auto rows = detail::count_alive(
        detail::spawn_cursor(self->system(), std::move(cc)),
        detail::cursors_alive());
    detail::track_worker(self, caf::actor_cast<caf::strong_actor_ptr>(rows));
    self->request(rows, caf::infinite, open_atom::value)
        .then(
            [rp, rows, meter](std::vector<std::string>& columns) mutable {
              meter.answered();
              rp.deliver(cursor_info{cursor{rows}, std::move(columns)});
            },
            [rp, meter](caf::error& err) mutable {
              meter.answered(err);
              rp.deliver(err);
            });
  });
  return rp;
}

/// Runs one statement as a job and answers its result.
caf::result<result_set> run_sql(broker_ptr self, std::string stmt,
                                std::vector<value> params, priority prio) {
  auto meter = detail::request_meter::start(self);
  // Its connection and transaction serve other clients' work too.
  if (auto err = detail::check_statement(stmt, true))
    return detail::refused(meter, std::move(err));
  if (auto err = detail::check_priority(prio))
    return detail::refused(meter, std::move(err));
  auto rp = self->make_response_promise<result_set>();
  // Queries go to read-only connections; anything else may write.
  auto mode = only_reads(stmt) ? access_mode::read : access_mode::write;
  auto work = detail::make_connection_job(
      mode,
      [stmt = std::move(stmt), params = std::move(params)](connection& c) {
        return c.execute(stmt, params);
      },
      job_cost::unknown);
  when_running(self, rp, [self, work, prio, meter](auto rp) {
    submit(
        self, rp, work, prio, [](auto& j) { return j.take(); }, meter);
  });
  return rp;
}

caf::result<void> name_statement(broker_ptr self, const std::string& name,
                                 std::string sql) {
  if (auto err = detail::check_statement(sql, true))
    return err;
  try {
    self->state.statements.define(name, std::move(sql));
  } catch (const storage_failure& f) {
    return to_error(f);
  }
  return caf::unit;
}

caf::result<result_set> run_named(broker_ptr self, const std::string& name,
                                  std::vector<value> params, priority prio) {
  auto stmt = self->state.statements.find(name);
  if (!stmt)
    return make_error(errc::missing, "no statement named '" + name + "'");
  return run_sql(self, *stmt, std::move(params), prio);
}

/// `stmt` with `:name` parameters in the positional form, or why not.
caf::expected<positional_statement> positional(const std::string& stmt,
                                               const named_values& params) {
  try {
    return to_positional(stmt, params);
  } catch (const storage_failure& f) {
    return to_error(f);
  }
}

caf::result<result_set> run_sql_named(broker_ptr self, const std::string& stmt,
                                      const named_values& params,
                                      priority prio) {
  auto p = positional(stmt, params);
  if (!p)
    return p.error();
  return run_sql(self, std::move(p->sql), std::move(p->params), prio);
}

caf::result<result_set> run_named_with_names(broker_ptr self,
                                             const std::string& name,
                                             const named_values& params,
                                             priority prio) {
  auto stmt = self->state.statements.find(name);
  if (!stmt)
    return make_error(errc::missing, "no statement named '" + name + "'");
  return run_sql_named(self, *stmt, params, prio);
}

caf::result<cursor_info>
open_cursor_named(broker_ptr self, const std::string& stmt,
                  const named_values& params, row_consumer consumer,
                  std::uint32_t credit, priority prio) {
  auto p = positional(stmt, params);
  if (!p)
    return p.error();
  return open_cursor(self, std::move(p->sql), std::move(p->params),
                     std::move(consumer), credit, prio);
}

caf::result<void> define_table(broker_ptr self, const table_def& def,
                               priority prio) {
  try {
    validate(def);
  } catch (const storage_failure& f) {
    return to_error(f);
  }
  auto meter = detail::request_meter::start(self);
  if (auto err = detail::check_priority(prio))
    return detail::refused(meter, std::move(err));
  auto rp = self->make_response_promise<void>();
  auto dialect = self->state.engine.dialect;
  when_running(self, rp, [self, def, dialect, prio, meter](auto rp) {
    auto work = detail::make_connection_job(
        access_mode::write, [def, dialect](connection& c) {
          detail::create_tables(c, dialect, {def});
        });
    submit(
        self, rp, work, prio, [](auto&) {}, meter);
  });
  return rp;
}

caf::result<bulk_insert> start_insert(broker_ptr self,
                                      const insert_spec& spec) {
  try {
    validate(spec);
  } catch (const storage_failure& f) {
    return to_error(f);
  }
  auto meter = detail::request_meter::start(self);
  // Before the promise: making it takes the sender out of the message.
  auto owner = self->current_sender();
  auto rp = self->make_response_promise<bulk_insert>();
  when_running(self, rp, [self, spec, owner, meter](auto rp) {
    auto inserter = detail::count_alive(
        detail::spawn_bulk_insert(self->system(), self->state.queue, spec,
                                  self->address(), owner),
        detail::bulk_inserts_alive());
    detail::track_worker(self,
                         caf::actor_cast<caf::strong_actor_ptr>(inserter));
    meter.answered();
    rp.deliver(bulk_insert{inserter});
  });
  return rp;
}

caf::result<broker_status> report_status(broker_ptr self) {
  auto& st = self->state;
  broker_status out{to_string(st.phase), st.engine.display_url(),
                    st.last_queue_status};
  if (st.phase == broker_phase::stopped)
    return out;
  auto rp = self->make_response_promise<broker_status>();
  self->request(st.queue, caf::infinite, status_atom::value)
      .then(
          [rp, out](queue_status& qs) mutable {
            out.queue = qs;
            rp.deliver(out);
          },
          [rp, out](caf::error&) mutable { rp.deliver(out); });
  return rp;
}

detail::broker_impl::behavior_type broker_impl(broker_ptr self,
                                               broker_config cfg) {
  auto& st = self->state;
  st.engine = cfg.engine ? *cfg.engine : default_engine();
  st.cfg = std::move(cfg);
  st.queue = detail::make_queue(self->system(), st.cfg, st.engine);
  self->set_down_handler(
      [self](caf::down_msg& dm) { detail::forget(self->state, dm.source); });
  detail::start(self);
  return {
      [=](table_atom, const table_def& def) {
        return define_table(self, def, defaults::table_priority);
      },
      [=](transact_atom, job_ptr& work, priority prio) -> caf::result<void> {
        auto rp = self->make_response_promise<void>();
        when_running(self, rp, [self, work, prio](auto rp) {
          rp.delegate(self->state.queue, run_atom::value, work, prio);
        });
        return rp;
      },
      [=](sql_atom, std::string& stmt, std::vector<value>& params) {
        return run_sql(self, std::move(stmt), std::move(params),
                       defaults::statement_priority);
      },
      [=](prepare_atom, const std::string& name, std::string& stmt) {
        return name_statement(self, name, std::move(stmt));
      },
      [=](prepared_atom, const std::string& name) {
        return self->state.statements.find(name) != nullptr;
      },
      [=](execute_atom, const std::string& name, std::vector<value>& params) {
        return run_named(self, name, std::move(params),
                         defaults::statement_priority);
      },
      [=](query_atom, std::string& stmt, std::vector<value>& params) {
        return open_cursor(self, std::move(stmt), std::move(params),
                           row_consumer{}, 0, defaults::statement_priority);
      },
      [=](query_atom, std::string& stmt, std::vector<value>& params,
          row_consumer& consumer,
          std::uint32_t credit) -> caf::result<cursor_info> {
        if (!consumer)
          return make_error(errc::invalid_argument, "no consumer");
        return open_cursor(self, std::move(stmt), std::move(params),
                           std::move(consumer), credit,
                           defaults::statement_priority);
      },
      [=](insert_atom, const insert_spec& spec) {
        return start_insert(self, spec);
      },
      [=](items_atom, std::int64_t group) {
        return lookup<items>(self, group_kind::items, group);
      },
      [=](dict_atom, std::int64_t group) {
        return lookup<dict>(self, group_kind::dict, group);
      },
      [=](array_atom, std::int64_t group) {
        return lookup<array>(self, group_kind::array, group);
      },
      [=](sweep_atom) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        auto& groups = self->state.groups;
        groups.sweep();
        if (groups.sweep_due())
          self->delayed_send(self, self->state.cfg.idle_timeout,
                             sweep_atom::value);
        return caf::unit;
      },
      [=](own_atom, std::int16_t kind, std::int64_t group, std::int64_t member,
          std::int64_t epoch) {
        return owned_group(self, kind, group, group_owner{member, epoch});
      },
      [=](status_atom) { return report_status(self); },
      [=](sql_atom, const std::string& stmt, const named_values& params) {
        return run_sql_named(self, stmt, params, defaults::statement_priority);
      },
      [=](execute_atom, const std::string& name, const named_values& params) {
        return run_named_with_names(self, name, params,
                                    defaults::statement_priority);
      },
      [=](query_atom, const std::string& stmt, const named_values& params) {
        return open_cursor_named(self, stmt, params, row_consumer{}, 0,
                                 defaults::statement_priority);
      },
      [=](query_atom, const std::string& stmt, const named_values& params,
          row_consumer& consumer,
          std::uint32_t credit) -> caf::result<cursor_info> {
        if (!consumer)
          return make_error(errc::invalid_argument, "no consumer");
        return open_cursor_named(self, stmt, params, std::move(consumer),
                                 credit, defaults::statement_priority);
      },
      [=](shutdown_atom) { return detail::shut_down(self); },
      [=](cluster_atom) -> caf::result<cluster_view> {
        return make_error(errc::not_clustered,
                          "this node does not run in cluster mode "
                          "([cluster] enabled=false)");
      },
      // The same with a trailing priority.
      [=](table_atom, const table_def& def, priority prio) {
        return define_table(self, def, prio);
      },
      [=](sql_atom, std::string& stmt, std::vector<value>& params,
          priority prio) {
        return run_sql(self, std::move(stmt), std::move(params), prio);
      },
      [=](execute_atom, const std::string& name, std::vector<value>& params,
          priority prio) {
        return run_named(self, name, std::move(params), prio);
      },
      [=](query_atom, std::string& stmt, std::vector<value>& params,
          priority prio) {
        return open_cursor(self, std::move(stmt), std::move(params),
                           row_consumer{}, 0, prio);
      },
      [=](query_atom, std::string& stmt, std::vector<value>& params,
          row_consumer& consumer, std::uint32_t credit,
          priority prio) -> caf::result<cursor_info> {
        if (!consumer)
          return make_error(errc::invalid_argument, "no consumer");
        return open_cursor(self, std::move(stmt), std::move(params),
                           std::move(consumer), credit, prio);
      },
      [=](sql_atom, const std::string& stmt, const named_values& params,
          priority prio) { return run_sql_named(self, stmt, params, prio); },
      [=](execute_atom, const std::string& name, const named_values& params,
          priority prio) {
        return run_named_with_names(self, name, params, prio);
      },
      [=](query_atom, const std::string& stmt, const named_values& params,
          priority prio) {
        return open_cursor_named(self, stmt, params, row_consumer{}, 0, prio);
      },
      [=](query_atom, const std::string& stmt, const named_values& params,
          row_consumer& consumer, std::uint32_t credit,
          priority prio) -> caf::result<cursor_info> {
        if (!consumer)
          return make_error(errc::invalid_argument, "no consumer");
        return open_cursor_named(self, stmt, params, std::move(consumer),
                                 credit, prio);
      },
      [=](batch_atom, std::vector<batch_op>& ops) {
        return detail::run_batch(
            self, std::move(ops), defaults::write_priority,
            [self](group_kind kind, std::int64_t group) {
              return group_actor(self, kind, group);
            },
            [self](group_kind kind, std::int64_t group) {
              return self->state.groups.alive(kind, group);
            });
      },
      [=](batch_atom, std::vector<batch_op>& ops, priority prio) {
        return detail::run_batch(
            self, std::move(ops), prio,
            [self](group_kind kind, std::int64_t group) {
              return group_actor(self, kind, group);
            },
            [self](group_kind kind, std::int64_t group) {
              return self->state.groups.alive(kind, group);
            });
      },
  };
}

} // namespace

broker spawn_broker(caf::actor_system& sys, broker_config cfg) {
  return sys.spawn(broker_impl, std::move(cfg));
}

} // namespace sasync
