// The transaction queue: priority order, bounded capacity, and batches
// dispatched to idle connection actors.
#include "actors/detail/transaction_queue_impl.hpp"

#include "actors/detail/deliver.hpp"
#include "actors/detail/private_sender.hpp"
#include "actors/detail/run_timeout.hpp"
#include "actors/errc.hpp"

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <map>
#include <tuple>

namespace sasync {

namespace {

using done_promise = caf::typed_response_promise<void>;
using lease_promise = caf::typed_response_promise<connection_actor>;

/// Priority first, then arrival: a map over this key is the queue.
using order_key = std::tuple<priority::tier, int, std::uint64_t>;

using clock_type = caf::actor_clock::clock_type;

/// A job, or a lease when it has no work.
struct waiting_job {
  order_key key; ///< kept so that work put back keeps its place
  clock_type::time_point deadline; ///< when waiting fails with timeout
  job_ptr work;
  done_promise promise;
  lease_promise lease;
  caf::actor_addr lessee;

  bool is_lease() const noexcept { return work == nullptr; }

  void fail(const caf::error& err) {
    if (is_lease())
      lease.deliver(err);
    else
      promise.deliver(err);
  }
};

/// A connection lent out, and to whom.
struct lease_entry {
  connection_actor conn;
  bool is_reader = false;
  caf::actor_addr lessee;
};

struct lane;

/// A waiting job's place, for its deadline.
struct timed_entry {
  lane* in;
  order_key key;
  clock_type::time_point deadline;
};

/// A batch a connection runs.
struct running_batch {
  std::vector<waiting_job> jobs;
  std::uint64_t seq = 0;
  clock_type::time_point deadline;
};

/// Connections serving one kind of job, and those of them without work.
struct lane {
  std::vector<connection_actor> members;
  std::vector<connection_actor> idle;
  std::map<order_key, waiting_job> waiting;
};

struct queue_state {
  std::size_t capacity = 0;
  std::size_t max_batch = 1;
  lane writers;
  lane readers; ///< empty when every job goes to the writers
  /// The batch each busy connection runs, answered when it reports back,
  /// when the connection actor goes down, or when run_timeout passes.
  std::map<caf::actor_addr, running_batch> in_flight;
  /// Running batches by dispatch order, which is deadline order.
  std::map<std::uint64_t, caf::actor_addr> running_order;
  std::uint64_t next_batch = 0;
  std::chrono::milliseconds run_timeout{0};
  bool run_timer_set = false;
  /// Connections lent out, by connection.
  std::map<caf::actor_addr, lease_entry> leases;
  std::chrono::milliseconds wait_timeout{0};
  /// Where each waiting job is, by sequence number. Every job waits equally
  /// long, so sequence order is deadline order: one timer, set for the
  /// first deadline, serves them all.
  std::map<std::uint64_t, timed_entry> by_seq;
  bool timer_set = false;
  std::uint64_t next_seq = 0;
  /// Connections that could not open wait this long before trying again.
  std::map<caf::actor_addr, std::chrono::milliseconds> backoff;
  /// Why the last connection attempt failed, for timeout messages.
  caf::error last_connect_error;
  bool closing = false;
  std::size_t max_overflow = 0;
  std::function<connection_actor()> open_overflow;
  /// Extra writers open now; they close after overflow_idle without work.
  std::vector<connection_actor> overflow;
  std::chrono::milliseconds overflow_idle{0};
  /// When each idle extra writer became idle (a mark its timer names).
  std::map<caf::actor_addr, std::uint64_t> idle_marks;
  std::uint64_t next_mark = 0;
  queue_status counters;
  std::vector<done_promise> drained;
  static inline const char* name = "sasync.transaction_queue";

  std::size_t waiting() const {
    return writers.waiting.size() + readers.waiting.size();
  }

  lane& lane_for(access_mode mode) {
    return mode == access_mode::read && !readers.members.empty() ? readers
                                                                 : writers;
  }
};

using queue_ptr = detail::transaction_queue_impl::stateful_pointer<queue_state>;

void notify_drained(queue_state& st) {
  if (st.waiting() > 0 || st.counters.running > 0)
    return;
  for (auto& rp : st.drained)
    detail::deliver_done(rp);
  st.drained.clear();
}

/// Answers one batch's requesters from the connection's per-job errors.
void finish_batch(queue_state& st, std::vector<waiting_job>& batch,
                  const std::vector<caf::error>& errors) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i >= errors.size()) {
      batch[i].promise.deliver(make_error(errc::transaction_error,
                                          "connection lost a job's result"));
      ++st.counters.failed;
    } else if (errors[i]) {
      batch[i].promise.deliver(errors[i]);
      ++st.counters.failed;
    } else {
      detail::deliver_done(batch[i].promise);
      ++st.counters.done;
    }
  }
  st.counters.running -= batch.size();
}

void fail_waiting(queue_state& st, lane& ln, const caf::error& err) {
  for (auto& [key, w] : ln.waiting) {
    st.by_seq.erase(std::get<2>(key));
    w.fail(err);
    ++st.counters.failed;
  }
  ln.waiting.clear();
}

/// Takes jobs from the front of the lane: a fair share of what waits among
/// the lane's connections, up to max_batch, and never past a lease. One
/// connection taking everything would run in series what its idle
/// neighbours could run beside it.
std::vector<waiting_job> take_batch(queue_state& st, lane& ln) {
  auto connections = std::max<std::size_t>(ln.members.size(), 1);
  auto share = (ln.waiting.size() + connections - 1) / connections;
  auto size = std::min(std::max<std::size_t>(share, 1), st.max_batch);
  std::vector<waiting_job> batch;
  while (!ln.waiting.empty() && batch.size() < size &&
         !ln.waiting.begin()->second.is_lease()) {
    st.by_seq.erase(std::get<2>(ln.waiting.begin()->first));
    batch.emplace_back(std::move(ln.waiting.begin()->second));
    ln.waiting.erase(ln.waiting.begin());
  }
  return batch;
}

void dispatch(queue_ptr self, lane& ln);

constexpr auto first_backoff = std::chrono::milliseconds{50};
constexpr auto max_backoff = std::chrono::milliseconds{5'000};

/// Sends `atom` to the queue at `when`, unless `armed` says that timer is
/// set already; its handler clears `armed` and sets it for what is next.
template <class Atom>
void set_timer(queue_ptr self, bool& armed, clock_type::time_point when,
               Atom atom) {
  if (armed)
    return;
  armed = true;
  auto wait = when - self->clock().now();
  self->delayed_send(self, std::max(wait, clock_type::duration::zero()), atom);
}

/// Sets the timer for the first waiting job's deadline.
void arm_timer(queue_ptr self) {
  auto& st = self->state;
  if (!st.by_seq.empty())
    set_timer(self, st.timer_set, st.by_seq.begin()->second.deadline,
              expire_atom::value);
}

/// Puts a batch that never started back in its place in the lane, keeping
/// its deadline.
void put_back(queue_ptr self, lane& ln, std::vector<waiting_job>& batch) {
  auto& st = self->state;
  for (auto& w : batch) {
    if (st.wait_timeout.count() > 0)
      st.by_seq.emplace(std::get<2>(w.key),
                        timed_entry{&ln, w.key, w.deadline});
    ln.waiting.emplace(w.key, std::move(w));
  }
  st.counters.running -= batch.size();
  arm_timer(self);
}

/// Tries the connection again after its backoff, doubling it each time.
void schedule_retry(queue_ptr self, const connection_actor& conn) {
  auto& delay = self->state.backoff[conn.address()];
  delay = delay.count() == 0 ? first_backoff : std::min(delay * 2, max_backoff);
  self->delayed_send(self, delay, retry_atom::value, conn);
}

bool is_overflow(queue_state& st, const connection_actor& conn) {
  return std::find(st.overflow.begin(), st.overflow.end(), conn) !=
         st.overflow.end();
}

void forget(std::vector<connection_actor>& xs, const connection_actor& x) {
  xs.erase(std::remove(xs.begin(), xs.end(), x), xs.end());
}

/// Closes an extra writer that has nothing to do (as SQLAlchemy's pool does
/// with overflow connections); false for the regular pool.
bool close_if_overflow(queue_ptr self, const connection_actor& conn) {
  auto& st = self->state;
  if (!is_overflow(st, conn))
    return false;
  forget(st.overflow, conn);
  forget(st.writers.members, conn);
  forget(st.writers.idle, conn);
  st.idle_marks.erase(conn.address());
  self->demonitor(conn.address());
  self->request(conn, caf::infinite, close_atom::value)
      .then([] {}, [](caf::error&) {});
  return true;
}

/// Opens an extra writer when work waits, every writer is busy working (none
/// is waiting to reconnect), and the overflow allows one more.
void maybe_overflow(queue_ptr self) {
  auto& st = self->state;
  if (st.closing || !st.open_overflow || st.writers.waiting.empty() ||
      !st.writers.idle.empty() || st.overflow.size() >= st.max_overflow)
    return;
  if (!st.backoff.empty())
    return; // connections fail to open: more of them would not help
  auto conn = st.open_overflow();
  self->monitor(conn);
  st.overflow.emplace_back(conn);
  st.writers.members.emplace_back(conn);
  st.writers.idle.emplace_back(conn);
}

/// An extra writer found nothing waiting: it closes after overflow_idle
/// unless work comes first.
void close_when_idle(queue_ptr self, const connection_actor& conn) {
  auto& st = self->state;
  if (!is_overflow(st, conn))
    return;
  if (st.overflow_idle.count() == 0) {
    close_if_overflow(self, conn);
    return;
  }
  auto mark = ++st.next_mark;
  st.idle_marks[conn.address()] = mark;
  self->delayed_send(self, st.overflow_idle, retire_atom::value, conn, mark);
}

/// An extra writer's idle time is up: it closes if it has had no work since.
void retire(queue_ptr self, const connection_actor& conn, std::uint64_t mark) {
  auto& st = self->state;
  auto i = st.idle_marks.find(conn.address());
  if (i == st.idle_marks.end() || i->second != mark)
    return; // it worked since
  close_if_overflow(self, conn);
  notify_drained(st);
}

/// A connection free again (its batch answered, its lease ended) takes what
/// waits; an extra writer with nothing to do starts its idle time.
void serve_again(queue_ptr self, lane& ln, const connection_actor& conn) {
  ln.idle.emplace_back(conn);
  if (ln.waiting.empty())
    close_when_idle(self, conn);
  dispatch(self, ln);
  notify_drained(self->state);
}

/// A connection whose batch overran run_timeout answered after all: it
/// serves again, unless it has left the pool meanwhile.
void rejoin(queue_ptr self, lane& ln, const connection_actor& conn) {
  if (self->state.closing ||
      std::find(ln.members.begin(), ln.members.end(), conn) == ln.members.end())
    return;
  serve_again(self, ln, conn);
}

/// Sets the timer for the first running batch's deadline.
void arm_run_timer(queue_ptr self) {
  auto& st = self->state;
  if (!st.running_order.empty())
    set_timer(self, st.run_timer_set,
              st.in_flight.at(st.running_order.begin()->second).deadline,
              overrun_atom::value);
}

/// What a batch past run_timeout leaves: its connection interrupts it (and
/// never commits interrupted work), but a write whose COMMIT had begun may
/// still commit.
caf::error overrun_error(const queue_state& st,
                         const std::vector<waiting_job>& jobs) {
  auto writes = std::any_of(jobs.begin(), jobs.end(), [](auto& w) {
    return w.work->mode() == access_mode::write;
  });
  return detail::run_timeout_error(
      st.run_timeout, "no answer from the database",
      writes ? "its statement is interrupted; the work may still commit if "
               "its COMMIT had begun"
             : "its statement is interrupted; a read commits nothing");
}

/// The run timer went off: the requesters of every batch past its deadline
/// get timeout; the connection stays busy until it answers.
void overrun(queue_ptr self) {
  auto& st = self->state;
  st.run_timer_set = false;
  auto now = self->clock().now();
  auto failed = false;
  while (!st.running_order.empty()) {
    auto addr = st.running_order.begin()->second;
    auto i = st.in_flight.find(addr);
    if (i->second.deadline > now)
      break;
    auto err = overrun_error(st, i->second.jobs);
    finish_batch(st, i->second.jobs,
                 std::vector<caf::error>(i->second.jobs.size(), err));
    st.running_order.erase(st.running_order.begin());
    st.in_flight.erase(i);
    failed = true;
  }
  arm_run_timer(self);
  if (failed)
    notify_drained(st);
}

/// A connection could not open and trying again will not help (a missing
/// database, a refused login): what waits for the lane would meet the same
/// refusal, so it gets it now. Later work tries the connection again.
void refused_for_good(queue_ptr self, lane& ln, const caf::error& err) {
  auto& st = self->state;
  st.last_connect_error = err;
  fail_waiting(st, ln, err);
}

/// The lane `conn` serves, or null if it has left the pool.
lane* lane_of(queue_state& st, const connection_actor& conn) {
  for (auto* ln : {&st.writers, &st.readers})
    if (std::find(ln->members.begin(), ln->members.end(), conn) !=
        ln->members.end())
      return ln;
  return nullptr;
}

/// A connection reported on its batch: answer it and give it more work, or,
/// when it could not connect, keep the work and try the connection later.
void batch_done(queue_ptr self, const connection_actor& conn, bool is_reader,
                batch_report& report) {
  auto& st = self->state;
  st.counters.prepared += report.prepared;
  auto& ln = is_reader ? st.readers : st.writers;
  auto i = st.in_flight.find(conn.address());
  if (i == st.in_flight.end())
    return rejoin(self, ln, conn); // its requesters already had timeout
  auto batch = std::move(i->second.jobs);
  st.running_order.erase(i->second.seq);
  st.in_flight.erase(i);
  if (!report.started && !report.errors.empty() &&
      is_retryable(report.errors.front()) && !st.closing) {
    st.last_connect_error = report.errors.front();
    put_back(self, ln, batch);
    if (!close_if_overflow(self, conn)) // only the pool keeps trying
      schedule_retry(self, conn);
    dispatch(self, ln);
    return notify_drained(st);
  }
  finish_batch(st, batch, report.errors);
  if (!report.started && !report.errors.empty())
    refused_for_good(self, ln, report.errors.front());
  serve_again(self, ln, conn);
}

/// The backoff of a connection that could not open is over: reconnect it.
/// A refusal for good ends the retries: the connection waits for new work.
void retry(queue_ptr self, const connection_actor& conn) {
  auto& st = self->state;
  if (st.closing || !lane_of(st, conn))
    return;
  self->request(conn, caf::infinite, connect_atom::value)
      .then(
          [self, conn] {
            auto& s = self->state;
            s.backoff.erase(conn.address());
            if (auto* ln = lane_of(s, conn); ln && !s.closing) {
              ln->idle.emplace_back(conn);
              dispatch(self, *ln);
            }
          },
          [self, conn](caf::error& err) {
            auto& s = self->state;
            s.last_connect_error = err;
            auto* ln = lane_of(s, conn);
            if (!ln || s.closing)
              return;
            if (is_retryable(err))
              return schedule_retry(self, conn);
            s.backoff.erase(conn.address());
            refused_for_good(self, *ln, err);
            serve_again(self, *ln, conn);
          });
}

/// Gives `conn` to the lease at the front of `ln`.
void lend(queue_state& st, lane& ln, const connection_actor& conn) {
  auto w = std::move(ln.waiting.begin()->second);
  ln.waiting.erase(ln.waiting.begin());
  st.by_seq.erase(std::get<2>(w.key));
  st.leases.emplace(conn.address(),
                    lease_entry{conn, &ln == &st.readers, w.lessee});
  w.lease.deliver(conn);
}

void dispatch(queue_ptr self, lane& ln) {
  auto& st = self->state;
  bool is_reader = &ln == &st.readers;
  if (!is_reader)
    maybe_overflow(self);
  while (!ln.waiting.empty() && !ln.idle.empty()) {
    auto conn = ln.idle.back();
    ln.idle.pop_back();
    st.idle_marks.erase(conn.address()); // busy again: its timer is void
    if (ln.waiting.begin()->second.is_lease()) {
      lend(st, ln, conn);
      continue;
    }
    auto batch = take_batch(st, ln);
    job_batch jobs;
    jobs.reserve(batch.size());
    for (auto& w : batch)
      jobs.emplace_back(w.work);
    auto n = batch.size();
    st.counters.running += n;
    ++st.counters.batches;
    auto seq = st.next_batch++;
    st.in_flight.emplace(conn.address(),
                         running_batch{std::move(batch), seq,
                                       self->clock().now() + st.run_timeout});
    if (st.run_timeout.count() > 0) {
      st.running_order.emplace(seq, conn.address());
      arm_run_timer(self);
    }
    self->request(conn, caf::infinite, run_atom::value, std::move(jobs))
        .then(
            [self, conn, is_reader](batch_report& report) {
              batch_done(self, conn, is_reader, report);
            },
            [self, conn, is_reader, n](caf::error& err) {
              // The connection actor failed, not the database: the work may or
              // may not have committed, so it counts as started.
              batch_report report{true, std::vector<caf::error>(n, err)};
              batch_done(self, conn, is_reader, report);
            });
    if (!is_reader)
      maybe_overflow(self);
  }
}

/// A connection actor terminated: its batch fails, and a lane left without
/// connections fails what waits for it.
void connection_down(queue_ptr self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto err =
      make_error(errc::database_error, "connection actor terminated: " +
                                           self->system().render(dm.reason));
  if (auto i = st.in_flight.find(dm.source); i != st.in_flight.end()) {
    auto& jobs = i->second.jobs;
    finish_batch(st, jobs, std::vector<caf::error>(jobs.size(), err));
    st.running_order.erase(i->second.seq);
    st.in_flight.erase(i);
  }
  st.leases.erase(dm.source); // its lessee learns from its own requests
  // A backoff left behind would stop extra writers for good (maybe_overflow).
  st.backoff.erase(dm.source);
  st.idle_marks.erase(dm.source);
  for (auto* ln : {&st.writers, &st.readers}) {
    auto gone = [&](const connection_actor& c) {
      return c.address() == dm.source;
    };
    auto& m = ln->members;
    if (std::find_if(m.begin(), m.end(), gone) == m.end())
      continue;
    m.erase(std::remove_if(m.begin(), m.end(), gone), m.end());
    st.overflow.erase(
        std::remove_if(st.overflow.begin(), st.overflow.end(), gone),
        st.overflow.end());
    ln->idle.erase(std::remove_if(ln->idle.begin(), ln->idle.end(), gone),
                   ln->idle.end());
    if (m.empty())
      fail_waiting(st, *ln, err);
  }
  notify_drained(st);
}

/// Why a job or lease for `ln` at `prio` cannot wait, or no error.
caf::error refusal(queue_state& st, lane& ln, priority prio) {
  if (!valid(prio))
    return make_error(errc::invalid_argument,
                      "niceness " + std::to_string(int{prio.niceness}) +
                          " is outside -20..20");
  if (st.waiting() >= st.capacity)
    return make_error(errc::overloaded,
                      std::to_string(st.waiting()) + " jobs already wait");
  if (ln.members.empty())
    return make_error(errc::database_error, "no connection left");
  return {};
}

/// Puts `w` in line, with its timer, and dispatches.
void wait_in_line(queue_ptr self, lane& ln, priority prio, waiting_job w) {
  auto& st = self->state;
  auto seq = st.next_seq++;
  order_key key{prio.level, prio.niceness, seq};
  w.key = key;
  if (st.wait_timeout.count() > 0) {
    w.deadline = self->clock().now() + st.wait_timeout;
    st.by_seq.emplace(seq, timed_entry{&ln, key, w.deadline});
    arm_timer(self);
  }
  ln.waiting.emplace(key, std::move(w));
  dispatch(self, ln);
}

caf::result<void> enqueue(queue_ptr self, job_ptr work, priority prio) {
  auto& st = self->state;
  if (!work) {
    ++st.counters.refused;
    return make_error(errc::invalid_argument, "empty job");
  }
  auto& ln = st.lane_for(work->mode());
  if (auto err = refusal(st, ln, prio)) {
    ++st.counters.refused;
    return err;
  }
  waiting_job w;
  w.work = std::move(work);
  w.promise = self->make_response_promise<void>();
  auto rp = w.promise;
  wait_in_line(self, ln, prio, std::move(w));
  return rp;
}

caf::result<connection_actor> enqueue_lease(queue_ptr self, priority prio) {
  auto& st = self->state;
  auto lessee = self->current_sender();
  if (!lessee)
    return make_error(errc::invalid_argument, "a lease needs a sender");
  auto& ln = st.lane_for(access_mode::read);
  if (auto err = refusal(st, ln, prio)) {
    ++st.counters.refused;
    return err;
  }
  self->monitor(lessee);
  waiting_job w;
  w.lease = self->make_response_promise<connection_actor>();
  w.lessee = caf::actor_cast<caf::actor_addr>(lessee);
  auto rp = w.lease;
  wait_in_line(self, ln, prio, std::move(w));
  return rp;
}

/// A lease ended: the connection serves the queue again.
void end_lease(queue_ptr self, const caf::actor_addr& conn) {
  auto& st = self->state;
  auto i = st.leases.find(conn);
  if (i == st.leases.end())
    return;
  auto entry = std::move(i->second);
  st.leases.erase(i);
  auto& ln = entry.is_reader ? st.readers : st.writers;
  if (!st.closing)
    serve_again(self, ln, entry.conn);
}

/// Ends the leases of a lessee that terminated, and drops those it still
/// waits for: a connection lent to it later would never come back.
void lessee_down(queue_ptr self, const caf::actor_addr& lessee) {
  auto& st = self->state;
  for (auto* ln : {&st.writers, &st.readers}) {
    for (auto i = ln->waiting.begin(); i != ln->waiting.end();) {
      if (i->second.is_lease() && i->second.lessee == lessee) {
        st.by_seq.erase(std::get<2>(i->first));
        i = ln->waiting.erase(i);
      } else {
        ++i;
      }
    }
  }
  notify_drained(st);
  std::vector<caf::actor_addr> lent;
  for (auto& [conn, entry] : self->state.leases)
    if (entry.lessee == lessee)
      lent.emplace_back(conn);
  for (auto& conn : lent)
    end_lease(self, conn);
}

/// The timer went off: every job whose deadline has passed fails, unless
/// it already runs (then it left by_seq).
void expire(queue_ptr self) {
  auto& st = self->state;
  st.timer_set = false;
  auto now = self->clock().now();
  std::string why = "no connection within pool_timeout (" +
                    std::to_string(st.wait_timeout.count()) + " ms)";
  if (st.last_connect_error)
    why += "; last attempt: " + self->system().render(st.last_connect_error);
  auto expired = false;
  while (!st.by_seq.empty() && st.by_seq.begin()->second.deadline <= now) {
    auto [ln, key, deadline] = st.by_seq.begin()->second;
    st.by_seq.erase(st.by_seq.begin());
    auto j = ln->waiting.find(key);
    j->second.fail(make_error(errc::timeout, why));
    ln->waiting.erase(j);
    ++st.counters.failed;
    expired = true;
  }
  arm_timer(self);
  if (expired)
    notify_drained(st);
}

/// Fails what still waits, closes every connection, then quits. A
/// connection that does not answer within run_timeout and close_grace
/// (stuck in a silent database) is left behind and the answer is
/// errc::timeout.
caf::result<void> close_all(queue_ptr self) {
  auto& st = self->state;
  st.closing = true;
  for (auto* ln : {&st.writers, &st.readers})
    fail_waiting(st, *ln, make_error(errc::shutting_down, "queue closed"));
  std::vector<connection_actor> all = st.writers.members;
  all.insert(all.end(), st.readers.members.begin(), st.readers.members.end());
  auto rp = self->make_response_promise<void>();
  struct closing {
    std::size_t remaining;
    std::size_t stuck = 0;
  };
  auto left = std::make_shared<closing>(closing{all.size()});
  auto one_closed = [self, rp, left](bool answered) mutable {
    left->stuck += answered ? 0 : 1;
    if (--left->remaining > 0)
      return;
    if (left->stuck == 0)
      detail::deliver_done(rp);
    else
      rp.deliver(detail::run_timeout_error(
          self->state.run_timeout,
          std::to_string(left->stuck) + " connection(s) did not close",
          "nor in the " + std::to_string(detail::close_grace.count()) +
              " ms after it that interrupting their work may take; the work "
              "they run may still commit"));
    self->quit();
  };
  if (all.empty()) {
    detail::deliver_done(rp);
    self->quit();
    return rp;
  }
  for (auto& conn : all)
    self->request(conn, detail::close_deadline(st.run_timeout),
                  close_atom::value)
        .then([one_closed]() mutable { one_closed(true); },
              [one_closed](caf::error& err) mutable {
                one_closed(err != caf::sec::request_timeout);
              });
  return rp;
}

detail::transaction_queue_impl::behavior_type queue_impl(queue_ptr self,
                                                         queue_config cfg) {
  auto& st = self->state;
  st.capacity = cfg.capacity;
  st.max_batch = std::max<std::size_t>(cfg.max_batch, 1);
  st.wait_timeout = cfg.wait_timeout;
  st.run_timeout = cfg.run_timeout;
  st.max_overflow = cfg.max_overflow;
  st.overflow_idle = cfg.overflow_idle;
  st.open_overflow = std::move(cfg.open_overflow);
  st.writers.members = st.writers.idle = std::move(cfg.writers);
  st.readers.members = st.readers.idle = std::move(cfg.readers);
  for (auto* ln : {&st.writers, &st.readers})
    for (auto& conn : ln->members)
      self->monitor(conn);
  // Connections and lessees are monitored; each handler ignores the other.
  self->set_down_handler([self](caf::down_msg& dm) {
    lessee_down(self, dm.source);
    connection_down(self, dm);
  });
  return {
      [=](run_atom, job_ptr& work, priority prio) -> caf::result<void> {
        return enqueue(self, std::move(work), prio);
      },
      [=](lease_atom, priority prio) { return enqueue_lease(self, prio); },
      [=](release_atom, const connection_actor& conn) {
        end_lease(self, conn.address());
      },
      [=](drain_atom) -> caf::result<void> {
        auto rp = self->make_response_promise<void>();
        self->state.drained.emplace_back(rp);
        notify_drained(self->state);
        return rp;
      },
      [=](close_atom) -> caf::result<void> { return close_all(self); },
      [=](expire_atom) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        expire(self);
        return caf::unit;
      },
      [=](retry_atom, const connection_actor& conn) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        retry(self, conn);
        return caf::unit;
      },
      [=](retire_atom, const connection_actor& conn,
          std::uint64_t mark) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        retire(self, conn, mark);
        return caf::unit;
      },
      [=](overrun_atom) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        overrun(self);
        return caf::unit;
      },
      [=](status_atom) {
        auto& s = self->state;
        auto out = s.counters;
        out.waiting = s.waiting();
        out.capacity = s.capacity;
        out.connections = s.writers.members.size() + s.readers.members.size();
        out.idle = s.writers.idle.size() + s.readers.idle.size();
        out.leased = s.leases.size();
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
