// The transaction queue actor: turns messages and timers into events of its
// schedule (actors/queue_schedule.hpp, where the rules are) and carries out
// what the schedule decides.
#include "sasync/actors/queue/detail/transaction_queue_impl.hpp"

#include "sasync/actors/detail/deliver.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/queue/detail/close_connections.hpp"
#include "sasync/actors/queue/detail/queue_errors.hpp"
#include "sasync/actors/queue/detail/queue_metrics.hpp"
#include "sasync/actors/queue/detail/queue_requests.hpp"
#include "sasync/actors/queue/queue_schedule.hpp"
#include "sasync/storage/event_log.hpp"

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <variant>

namespace sasync {

namespace {

using done_promise = caf::typed_response_promise<void>;
using detail::conn_id;
using detail::queue_schedule;
using detail::ticket;
using clock_type = caf::actor_clock::clock_type;

struct queue_state {
  queue_schedule schedule;
  detail::queue_requests requests;
  /// The connections the schedule knows, by its names for them.
  std::map<conn_id, connection_actor> connections;
  std::function<connection_actor()> open_overflow;
  /// When the timer for the first waiting job's (running batch's) deadline
  /// goes off, if it is set.
  std::optional<clock_type::time_point> wait_timer;
  std::optional<clock_type::time_point> run_timer;
  /// Why the last connection attempt failed, for timeout messages.
  caf::error last_connect_error;
  std::uint64_t refused = 0;
  std::uint64_t prepared = 0;
  std::vector<done_promise> drained;
  /// Refusing work as overloaded since the log said so.
  bool overloaded = false;
  detail::queue_metrics metrics;
  /// When each running batch was handed to its connection.
  std::map<conn_id, std::chrono::steady_clock::time_point> started;
  static inline const char* name = "sasync.transaction_queue";

  std::optional<conn_id> id_of(const caf::actor_addr& addr) const {
    for (auto& [id, conn] : connections)
      if (conn.address() == addr)
        return id;
    return std::nullopt;
  }
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct queue_self : detail::transaction_queue_impl::stateful_base<queue_state> {
  using super = detail::transaction_queue_impl::stateful_base<queue_state>;
  using super::super;
};

using queue_ptr = queue_self*;

/// Sends `atom` to the queue at `when`, unless a timer set for `armed` goes
/// off as early; its handler clears `armed` and sets it for what is next.
template <class Atom>
void set_timer(queue_ptr self, std::optional<clock_type::time_point>& armed,
               clock_type::time_point when, Atom atom) {
  if (armed && *armed <= when)
    return;
  armed = when;
  auto wait = when - self->clock().now();
  self->delayed_send(self, std::max(wait, clock_type::duration::zero()), atom);
}

/// How soon after now a timer for work held back for a running batch goes
/// off at the earliest. That batch's end usually lets the work go first; a
/// timer per batch (thousands a second) would cost more CPU than the
/// batches, as each wakes the clock's thread. A slow batch holds small
/// jobs up this long at most beyond their threshold.
constexpr auto gather_recheck = std::chrono::milliseconds{1};

void arm_timers(queue_ptr self) {
  auto& st = self->state;
  if (auto when = st.schedule.next_wait_deadline()) {
    if (when == st.schedule.next_gather_deadline())
      when = std::max(*when, self->clock().now() + gather_recheck);
    set_timer(self, st.wait_timer, *when, expire_atom::value);
  }
  if (auto when = st.schedule.next_run_deadline())
    set_timer(self, st.run_timer, *when, overrun_atom::value);
}

void batch_done(queue_ptr self, conn_id id, batch_report& report);

/// Carries out one decision of the schedule. `cause` is the error of the
/// event that led to it (a refusal, a lost connection); `results` the
/// per-job errors a connection reported.
struct carry_out_one {
  queue_ptr self;
  const caf::error& cause;
  const std::vector<caf::error>* results;

  void operator()(const queue_schedule::open_extra& x) {
    auto conn = self->state.open_overflow();
    self->monitor(conn);
    self->state.connections.emplace(x.conn, conn);
  }

  void operator()(const queue_schedule::run_batch& x) {
    auto& st = self->state;
    auto n = x.jobs.size();
    auto id = x.conn;
    if (metrics::enabled()) {
      auto at = std::chrono::steady_clock::now();
      for (auto t : x.jobs)
        st.metrics.dispatched(st.requests.arrived(t), at);
      st.started[id] = at;
    }
    self->request(st.connections.at(id), caf::infinite, run_atom::value,
                  st.requests.jobs(x.jobs))
        .then([self = self,
               id](batch_report& report) { batch_done(self, id, report); },
              [self = self, id, n](caf::error& err) {
                // The connection actor failed, not the database: the work
                // may or may not have committed, so it counts as started.
                batch_report report{true, std::vector<caf::error>(n, err)};
                batch_done(self, id, report);
              });
  }

  void operator()(const queue_schedule::lend& x) {
    auto& st = self->state;
    st.requests.lend(x.lease, st.connections.at(x.conn));
  }

  void operator()(const queue_schedule::answer& x) {
    auto& st = self->state;
    for (std::size_t i = 0; i < x.jobs.size(); ++i) {
      auto err = results && i < results->size()
                     ? (*results)[i]
                     : make_error(errc::transaction_error,
                                  "connection lost a job's result");
      if (st.requests.answer(x.jobs[i], err))
        st.metrics.ended(err);
    }
  }

  void operator()(const queue_schedule::fail& x) {
    auto& st = self->state;
    auto last = st.last_connect_error
                    ? self->system().render(st.last_connect_error)
                    : std::string{};
    auto err = detail::failure_error(x.why, st.schedule.settings(), cause, last,
                                     st.requests.writes(x.tickets));
    for (auto t : x.tickets)
      if (st.requests.answer(t, err))
        st.metrics.ended(err);
  }

  void operator()(const queue_schedule::forget& x) {
    self->state.requests.forget(x.lease);
  }

  void operator()(const queue_schedule::close_extra& x) {
    auto& st = self->state;
    auto conn = st.connections.at(x.conn);
    st.connections.erase(x.conn);
    self->demonitor(conn.address());
    self->request(conn, caf::infinite, close_atom::value)
        .then([] {}, [](caf::error&) {});
  }

  void operator()(const queue_schedule::retry_after& x) {
    self->delayed_send(self, x.delay, retry_atom::value,
                       self->state.connections.at(x.conn));
  }

  void operator()(const queue_schedule::retire_after& x) {
    self->delayed_send(self, x.delay, retire_atom::value,
                       self->state.connections.at(x.conn), x.mark);
  }

  void operator()(const queue_schedule::drained&) {
    for (auto& rp : self->state.drained)
      detail::deliver_done(rp);
    self->state.drained.clear();
  }
};

/// Carries out what the schedule decided, then sets the timers it needs.
/// Logs the end of an overload once the line is down to half its
/// capacity (not at the first free place, which would log every refusal).
void note_overload_end(queue_state& st) {
  auto status = st.schedule.status();
  if (!st.overloaded || status.waiting > status.capacity / 2)
    return;
  st.overloaded = false;
  log_event(log_level::info,
            "overload ended: " + std::to_string(status.waiting) +
                " jobs waiting (capacity " + std::to_string(status.capacity) +
                ")");
}

void carry_out(queue_ptr self, const caf::error& cause = {},
               const std::vector<caf::error>* results = nullptr) {
  for (auto& d : self->state.schedule.take_decisions())
    std::visit(carry_out_one{self, cause, results}, d);
  arm_timers(self);
  note_overload_end(self->state);
}

auto now(queue_ptr self) {
  return self->clock().now();
}

/// A connection reported on its batch. One that could not connect keeps
/// its work and tries again later, unless trying again would not help.
void batch_done(queue_ptr self, conn_id id, batch_report& report) {
  auto& st = self->state;
  st.prepared += report.prepared;
  // A batch whose connection could not open ran no transaction.
  if (auto i = st.started.find(id); i != st.started.end()) {
    if (report.started)
      st.metrics.ran(report.errors.size(), i->second,
                     std::chrono::steady_clock::now());
    st.started.erase(i);
  }
  auto kind = queue_schedule::report_kind::finished;
  caf::error cause;
  if (!report.started && !report.errors.empty()) {
    cause = report.errors.front();
    kind = is_retryable(cause)
               ? queue_schedule::report_kind::not_opened_for_now
               : queue_schedule::report_kind::not_opened_for_good;
    if (st.schedule.is_running(id)) // not a batch that overran
      st.last_connect_error = cause;
  }
  // What already waits in the mailbox (the group actors' next jobs, other
  // connections' reports) goes to the connection together with what waits
  // in line: taken now, the connection would run what is in line alone,
  // and the rest would wait for that batch. Between messages only such a
  // burst is open (run(jobs) ends its own before it returns).
  if (!st.schedule.in_burst() && !self->mailbox().empty()) {
    st.schedule.begin_burst();
    self->send(self, dispatch_atom::value);
  }
  st.schedule.report(id, kind, now(self));
  carry_out(self, cause, &report.errors);
}

/// The backoff of a connection that could not open is over: reconnect it.
void retry(queue_ptr self, const connection_actor& conn) {
  auto id = self->state.id_of(conn.address());
  if (!id || !self->state.schedule.may_reconnect(*id))
    return;
  self->request(conn, caf::infinite, connect_atom::value)
      .then(
          [self, id = *id] {
            self->state.schedule.reconnected(id, now(self));
            carry_out(self);
          },
          [self, id = *id](caf::error& err) {
            self->state.last_connect_error = err;
            self->state.schedule.reconnect_failed(id, is_retryable(err),
                                                  now(self));
            carry_out(self, err);
          });
}

/// A monitored actor terminated: a connection (its batch and lease end, and
/// a lane left without connections fails what waits for it), or a lessee
/// (its leases end, and those it still waits for are dropped).
void down(queue_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  st.schedule.lessee_gone(st.requests.leases_of(dm.source), now(self));
  carry_out(self);
  if (auto id = st.id_of(dm.source)) {
    st.connections.erase(*id);
    st.started.erase(*id);
    st.schedule.connection_down(*id, now(self));
    carry_out(self, make_error(errc::database_error,
                               "connection actor terminated: " +
                                   self->system().render(dm.reason)));
  }
}

/// Why work cannot wait now (counted as refused), or none.
caf::error refused(queue_ptr self, priority prio, access_mode mode) {
  auto& st = self->state;
  auto why = st.schedule.refusal_for(prio, mode);
  auto err = detail::refusal_error(why, prio, st.schedule.status().waiting);
  if (err)
    ++st.refused;
  if (why == queue_schedule::refusal::overloaded && !st.overloaded) {
    st.overloaded = true;
    auto status = st.schedule.status();
    log_event(log_level::warn,
              "overloaded: " + std::to_string(status.waiting) +
                  " jobs waiting (capacity " + std::to_string(status.capacity) +
                  "); new work is refused until half of them are done");
  }
  return err;
}

/// Puts an accepted job, or lease request, in line; what the schedule
/// decides is carried out by the caller.
void add_to_line(queue_ptr self, detail::queue_request r, priority prio) {
  auto& st = self->state;
  if (metrics::enabled())
    r.arrived = std::chrono::steady_clock::now();
  using job_size = queue_schedule::job_size;
  auto t = r.is_lease()
               ? st.schedule.submit_lease(prio, now(self))
               : st.schedule.submit(prio, r.work->mode(), now(self),
                                    r.work->cost() == job_cost::short_statements
                                        ? job_size::small
                                        : job_size::unknown);
  st.requests.add(t, std::move(r));
}

void put_in_line(queue_ptr self, detail::queue_request r, priority prio) {
  add_to_line(self, std::move(r), prio);
  carry_out(self);
}

/// Why a job cannot be taken (an empty job, or refused(), counted and
/// ended in the metrics), or none.
caf::error refusal_of(queue_ptr self, const job_ptr& work, priority prio) {
  auto err = work ? refused(self, prio, work->mode())
                  : make_error(errc::invalid_argument, "empty job");
  if (!work)
    ++self->state.refused;
  if (err)
    self->state.metrics.ended(err);
  return err;
}

caf::result<void> enqueue(queue_ptr self, job_ptr work, priority prio) {
  if (auto err = refusal_of(self, work, prio))
    return err;
  detail::queue_request r;
  r.work = std::move(work);
  r.promise = self->make_response_promise<void>();
  auto rp = r.promise;
  put_in_line(self, std::move(r), prio);
  return rp;
}

/// run(jobs): every job in line before the schedule decides, so that they
/// can go to a connection together.
caf::result<std::vector<caf::error>> enqueue_all(queue_ptr self,
                                                 queued_jobs& jobs) {
  auto set = std::make_shared<detail::answer_set>(
      self->make_response_promise<std::vector<caf::error>>(), jobs.size());
  self->state.schedule.begin_burst();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& [work, prio] = jobs[i];
    if (auto err = refusal_of(self, work, prio)) {
      set->answer(i, err);
      continue;
    }
    detail::queue_request r;
    r.work = std::move(work);
    r.set = set;
    r.place = i;
    add_to_line(self, std::move(r), prio);
  }
  self->state.schedule.end_burst(now(self));
  carry_out(self);
  return caf::delegated<std::vector<caf::error>>{};
}

caf::result<connection_actor> enqueue_lease(queue_ptr self, priority prio) {
  auto lessee = self->current_sender();
  if (!lessee)
    return make_error(errc::invalid_argument, "a lease needs a sender");
  if (auto err = refused(self, prio, access_mode::read))
    return err;
  self->monitor(lessee);
  detail::queue_request r;
  r.lease = self->make_response_promise<connection_actor>();
  r.lessee = caf::actor_cast<caf::actor_addr>(lessee);
  auto rp = r.lease;
  put_in_line(self, std::move(r), prio);
  return rp;
}

/// Fails what still waits, closes every connection, then quits. A
/// connection that does not answer within run_timeout and close_grace
/// (stuck in a silent database) is left behind and the answer is
/// errc::timeout.
caf::result<void> close_all(queue_ptr self) {
  auto& st = self->state;
  std::vector<connection_actor> all;
  for (auto id : st.schedule.close())
    all.emplace_back(st.connections.at(id));
  carry_out(self);
  auto rp = self->make_response_promise<void>();
  detail::close_connections(self, all, st.schedule.settings().run_timeout, rp,
                            [self] { self->quit(); });
  return rp;
}

/// A timer message is the queue's own; from anyone else it is refused.
template <class F> caf::result<void> own_timer(queue_ptr self, F&& on_time) {
  if (!detail::sent_by_itself(self))
    return detail::refused_private_message();
  on_time(self->state);
  carry_out(self);
  return caf::unit;
}

detail::transaction_queue_impl::behavior_type queue_impl(queue_ptr self,
                                                         queue_config cfg) {
  auto& st = self->state;
  queue_schedule::config sc;
  sc.capacity = cfg.capacity;
  sc.max_batch = cfg.max_batch;
  sc.wait_timeout = cfg.wait_timeout;
  sc.run_timeout = cfg.run_timeout;
  sc.max_overflow = cfg.max_overflow;
  sc.overflow_idle = cfg.overflow_idle;
  sc.can_overflow = static_cast<bool>(cfg.open_overflow);
  st.schedule = queue_schedule{sc};
  st.open_overflow = std::move(cfg.open_overflow);
  for (auto& conn : cfg.writers)
    st.connections.emplace(
        st.schedule.add_connection(queue_schedule::lane_kind::writer), conn);
  for (auto& conn : cfg.readers)
    st.connections.emplace(
        st.schedule.add_connection(queue_schedule::lane_kind::reader), conn);
  for (auto& [id, conn] : st.connections)
    self->monitor(conn);
  self->set_down_handler([self](caf::down_msg& dm) { down(self, dm); });
  return {
      [=](run_atom, job_ptr& work, priority prio) -> caf::result<void> {
        return enqueue(self, std::move(work), prio);
      },
      [=](run_atom, queued_jobs& jobs) { return enqueue_all(self, jobs); },
      [=](lease_atom, priority prio) { return enqueue_lease(self, prio); },
      [=](release_atom, const connection_actor& conn) {
        if (auto id = self->state.id_of(conn.address())) {
          self->state.schedule.release(*id, now(self));
          carry_out(self);
        }
      },
      [=](drain_atom) -> caf::result<void> {
        auto rp = self->make_response_promise<void>();
        self->state.drained.emplace_back(rp);
        if (self->state.schedule.drained_now())
          carry_out_one{self, {}, nullptr}(queue_schedule::drained{});
        return rp;
      },
      [=](close_atom) -> caf::result<void> { return close_all(self); },
      [=](expire_atom) {
        return own_timer(self, [&](queue_state& s) {
          s.wait_timer.reset();
          s.schedule.expire(now(self));
        });
      },
      [=](retry_atom, const connection_actor& conn) {
        return own_timer(self, [&](queue_state&) { retry(self, conn); });
      },
      [=](retire_atom, const connection_actor& conn, std::uint64_t mark) {
        return own_timer(self, [&](queue_state& s) {
          if (auto id = s.id_of(conn.address()))
            s.schedule.retire(*id, mark);
        });
      },
      [=](dispatch_atom) {
        // The messages that waited at a report are handled: what waits
        // goes out (a burst already ended: nothing happens).
        return own_timer(self, [&](queue_state& s) {
          s.schedule.end_burst(now(self));
        });
      },
      [=](overrun_atom) {
        return own_timer(self, [&](queue_state& s) {
          s.run_timer.reset();
          s.schedule.overrun(now(self));
        });
      },
      [=](status_atom) {
        auto& s = self->state;
        auto out = s.schedule.status();
        out.done = s.requests.done();
        out.failed = s.requests.failed();
        out.refused = s.refused;
        out.prepared = s.prepared;
        return out;
      },
  };
}

} // namespace

namespace detail {

transaction_queue_impl spawn_transaction_queue(caf::actor_system& sys,
                                               queue_config cfg) {
  return sys.spawn(queue_impl, std::move(cfg));
}

} // namespace detail

} // namespace sasync
