// The transaction queue's scheduling rules (see the class comment).
#include "sasync/actors/queue/queue_schedule.hpp"

#include "sasync/storage/connection.hpp"

#include <algorithm>
#include <utility>

namespace sasync::detail {

namespace {

template <class T> bool contains(const std::vector<T>& xs, const T& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

/// A waiting job's priority without its arrival: less is more urgent.
template <class Key> auto urgency(const Key& k) {
  return std::make_pair(std::get<0>(k), std::get<1>(k));
}

template <class T> void erase_all(std::vector<T>& xs, const T& x) {
  xs.erase(std::remove(xs.begin(), xs.end(), x), xs.end());
}

} // namespace

queue_schedule::queue_schedule() : queue_schedule(config{}) {}

queue_schedule::queue_schedule(config cfg) : cfg_(cfg) {
  cfg_.max_batch = std::max<std::size_t>(cfg_.max_batch, 1);
  cfg_.reconnect.reset();
}

conn_id queue_schedule::add_connection(lane_kind kind) {
  auto conn = conn_id{next_conn_++};
  auto& ln = lane_of(kind);
  ln.members.emplace_back(conn);
  ln.idle.emplace_back(conn);
  return conn;
}

queue_schedule::lane_kind queue_schedule::lane_for(access_mode mode) const {
  return mode == access_mode::read && !readers_.members.empty()
             ? lane_kind::reader
             : lane_kind::writer;
}

queue_schedule::refusal queue_schedule::refusal_for(priority prio,
                                                    access_mode mode) const {
  if (!valid(prio))
    return refusal::invalid_niceness;
  if (waiting_count() >= cfg_.capacity)
    return refusal::overloaded;
  if (lane_of(lane_for(mode)).members.empty())
    return refusal::no_connection;
  return refusal::none;
}

std::size_t queue_schedule::waiting_count() const {
  return writers_.waiting.size() + readers_.waiting.size();
}

ticket queue_schedule::submit(priority prio, access_mode mode, time_point now,
                              job_size size) {
  return wait_in_line(lane_for(mode), prio, false, size == job_size::small,
                      now);
}

ticket queue_schedule::submit_lease(priority prio, time_point now) {
  return wait_in_line(lane_for(access_mode::read), prio, true, false, now);
}

ticket queue_schedule::wait_in_line(lane_kind kind, priority prio,
                                    bool is_lease, bool small,
                                    time_point now) {
  auto seq = next_seq_++;
  order_key key{prio.level, prio.niceness, seq};
  waiting_entry w;
  w.is_lease = is_lease;
  w.small = small;
  w.arrived = now;
  if (cfg_.wait_timeout.count() > 0) {
    w.deadline = now + cfg_.wait_timeout;
    by_seq_.emplace(seq, timed_entry{kind, key, w.deadline});
  }
  lane_of(kind).waiting.emplace(key, w);
  dispatch(kind, now);
  return ticket{seq};
}

void queue_schedule::end_burst(time_point now) {
  if (bursts_ == 0 || --bursts_ > 0)
    return;
  for (auto kind : {lane_kind::writer, lane_kind::reader})
    dispatch(kind, now);
}

/// Takes jobs from the front of the lane: a fair share of what waits (or
/// `all` the small jobs at the front), up to max_batch, and never past a
/// lease. One connection taking everything would run in series what its
/// neighbours could run beside it. Small jobs merge into one statement, so
/// they are shared among the connections free now (this one and the idle
/// ones): while the others are busy, one batch takes them all. Jobs of
/// unknown cost are shared among all the lane's connections, since a busy
/// one is free again soon.
std::vector<std::pair<queue_schedule::order_key, queue_schedule::waiting_entry>>
queue_schedule::take_batch(lane& ln, bool all, std::size_t free_now) {
  auto connections = std::max<std::size_t>(
      ln.waiting.begin()->second.small ? free_now : ln.members.size(), 1);
  auto share = all ? ln.waiting.size()
                   : (ln.waiting.size() + connections - 1) / connections;
  auto size = std::min(std::max<std::size_t>(share, 1), cfg_.max_batch);
  std::vector<std::pair<order_key, waiting_entry>> batch;
  while (!ln.waiting.empty() && batch.size() < size &&
         !ln.waiting.begin()->second.is_lease &&
         (!all || ln.waiting.begin()->second.small)) {
    by_seq_.erase(std::get<2>(ln.waiting.begin()->first));
    batch.emplace_back(*ln.waiting.begin());
    ln.waiting.erase(ln.waiting.begin());
  }
  return batch;
}

void queue_schedule::dispatch(lane_kind kind, time_point now) {
  if (bursts_ > 0)
    return; // end_burst() dispatches every lane
  auto& ln = lane_of(kind);
  bool writers = kind == lane_kind::writer;
  ln.gather_until.reset();
  if (writers)
    maybe_overflow(now);
  while (!ln.waiting.empty() && !ln.idle.empty()) {
    if (!ln.waiting.begin()->second.is_lease &&
        (gathering(ln, kind, now) || waiting_for_the_rest(ln, kind, now)))
      break; // the running batch will take it, or another once it waited
    // Alone, a connection takes all that has not waited past the
    // threshold: the rest would wait for it anyway.
    auto limit = gather_threshold(kind);
    auto& front_entry = ln.waiting.begin()->second;
    auto all = limit > clock::duration::zero() && !last_batch_start(kind) &&
               front_entry.small && now - front_entry.arrived < limit;
    // Small writes go to an extra writer, idle or new, only once they
    // waited for the pool's writers (held says until when).
    auto held = writers && !front_entry.is_lease ? small_work_held_until(now)
                                                 : std::nullopt;
    auto in_pool = [this](conn_id c) { return !is_extra(c); };
    auto pool_idle = std::find_if(ln.idle.rbegin(), ln.idle.rend(), in_pool);
    if (held && pool_idle == ln.idle.rend()) {
      hold_until(ln, *held);
      break;
    }
    auto free_now = !held ? ln.idle.size()
                          : static_cast<std::size_t>(std::count_if(
                                ln.idle.begin(), ln.idle.end(), in_pool));
    auto pick = pool_idle != ln.idle.rend() ? std::prev(pool_idle.base())
                                            : std::prev(ln.idle.end());
    auto conn = *pick;
    ln.idle.erase(pick);
    idle_marks_.erase(conn); // busy again: its timer is void
    auto front = ln.waiting.begin();
    if (front->second.is_lease) {
      auto lease = ticket{std::get<2>(front->first)};
      by_seq_.erase(std::get<2>(front->first));
      ln.waiting.erase(front);
      leases_.emplace(conn, lease_entry{kind, lease});
      decisions_.emplace_back(lend{conn, lease});
    } else {
      run(kind, conn, take_batch(ln, all, free_now), now);
    }
    if (writers)
      maybe_overflow(now);
  }
}

void queue_schedule::run(lane_kind kind, conn_id conn,
                         std::vector<std::pair<order_key, waiting_entry>> jobs,
                         time_point now) {
  running_batch batch;
  batch.lane = kind;
  batch.jobs = std::move(jobs);
  batch.seq = next_batch_++;
  batch.deadline = now + cfg_.run_timeout;
  batch.started = now;
  if (!batch.jobs.empty() && batch.jobs.front().second.small) {
    lane_of(kind).last_small_batch = batch.jobs.size();
    lane_of(kind).last_small_front = batch.jobs.front().first;
  }
  run_batch order{conn, {}};
  for (auto& [key, w] : batch.jobs)
    order.jobs.emplace_back(ticket{std::get<2>(key)});
  ++batches_;
  if (cfg_.run_timeout.count() > 0)
    running_order_.emplace(batch.seq, conn);
  in_flight_.emplace(conn, std::move(batch));
  decisions_.emplace_back(std::move(order));
}

queue_schedule::clock::duration
queue_schedule::gather_threshold(lane_kind kind) const {
  auto typical = lane_of(kind).typical;
  if (cfg_.max_gather.count() <= 0 || typical > cfg_.max_gather)
    return clock::duration::zero();
  return 2 * typical;
}

std::optional<queue_schedule::time_point>
queue_schedule::last_batch_start(lane_kind kind) const {
  std::optional<time_point> last;
  for (auto& [conn, batch] : in_flight_)
    if (batch.lane == kind && (!last || batch.started > *last))
      last = batch.started;
  return last;
}

/// True while the front of a lane should wait for a running batch of it:
/// one at least as urgent runs, and the front has not yet waited the
/// threshold (then the lane's gather_until says until when).
bool queue_schedule::gathering(lane& ln, lane_kind kind, time_point now) {
  auto limit = gather_threshold(kind);
  if (limit <= clock::duration::zero())
    return false;
  auto& [key, front] = *ln.waiting.begin();
  if (!front.small)
    return false;
  auto as_urgent_runs = false;
  for (auto& [conn, batch] : in_flight_)
    if (batch.lane == kind && !batch.jobs.empty() &&
        !(urgency(key) < urgency(batch.jobs.front().first)))
      as_urgent_runs = true;
  if (!as_urgent_runs || now - front.arrived >= limit)
    return false;
  hold_until(ln, front.arrived + limit);
  return true;
}

/// True when the small job at the front of the lane waits for the rest of
/// its kind (see the class comment): nothing of the lane runs, its last
/// batch ended less than the threshold before the front arrived, the front
/// is no more urgent than that batch, fewer than half as many jobs as that
/// batch held wait, and the front has not yet waited the threshold (then
/// the lane's gather_until says until when).
bool queue_schedule::waiting_for_the_rest(lane& ln, lane_kind kind,
                                          time_point now) {
  auto limit = gather_threshold(kind);
  auto& [key, front] = *ln.waiting.begin();
  if (limit <= clock::duration::zero() || !front.small || !ln.last_end ||
      !ln.last_small_front ||
      urgency(key) < urgency(*ln.last_small_front) ||
      front.arrived - *ln.last_end >= limit || now - front.arrived >= limit ||
      2 * ln.waiting.size() >= ln.last_small_batch || last_batch_start(kind))
    return false;
  hold_until(ln, front.arrived + limit);
  return true;
}

void queue_schedule::hold_until(lane& ln, time_point when) {
  if (!ln.gather_until || when < *ln.gather_until)
    ln.gather_until = when;
}

queue_schedule::clock::duration queue_schedule::overflow_threshold() const {
  if (cfg_.overflow_wait.count() <= 0)
    return clock::duration::zero();
  if (writers_.typical > clock::duration::zero())
    return 2 * writers_.typical;
  return cfg_.overflow_wait;
}

std::optional<queue_schedule::time_point>
queue_schedule::small_work_held_until(time_point now) const {
  auto& front = writers_.waiting.begin()->second;
  auto started = last_batch_start(lane_kind::writer);
  if (!front.small || !started)
    return std::nullopt;
  auto until = *started + overflow_threshold();
  if (now >= until)
    return std::nullopt;
  return until;
}

/// Opens an extra writer when work waits, every writer is busy working (none
/// is waiting to reconnect), and the overflow allows one more; for small
/// work while writers run batches, only once the last of them to start has
/// run twice as long as a batch typically takes: a batch's end usually
/// takes it all sooner, and batches on a busy server vary.
void queue_schedule::maybe_overflow(time_point now) {
  if (closing_ || !cfg_.can_overflow || writers_.waiting.empty() ||
      !writers_.idle.empty() || overflow_.size() >= cfg_.max_overflow)
    return;
  if (!backoff_.empty())
    return; // connections fail to open: more of them would not help
  if (auto held = small_work_held_until(now)) {
    hold_until(writers_, *held);
    return;
  }
  auto conn = conn_id{next_conn_++};
  decisions_.emplace_back(open_extra{conn});
  overflow_.emplace_back(conn);
  writers_.members.emplace_back(conn);
  writers_.idle.emplace_back(conn);
}

/// Puts a batch that never started back in its place in the lane, keeping
/// its deadline.
void queue_schedule::put_back(lane_kind kind, running_batch& batch) {
  auto& ln = lane_of(kind);
  for (auto& [key, w] : batch.jobs) {
    if (cfg_.wait_timeout.count() > 0)
      by_seq_.emplace(std::get<2>(key), timed_entry{kind, key, w.deadline});
    ln.waiting.emplace(key, w);
  }
}

void queue_schedule::fail_waiting(lane& ln, failure why) {
  if (ln.waiting.empty())
    return;
  fail order{{}, why};
  for (auto& [key, w] : ln.waiting) {
    by_seq_.erase(std::get<2>(key));
    order.tickets.emplace_back(ticket{std::get<2>(key)});
  }
  ln.waiting.clear();
  decisions_.emplace_back(std::move(order));
}

/// A connection free again (its batch answered, its lease ended) takes what
/// waits; an extra writer left idle starts its idle time.
void queue_schedule::serve_again(lane_kind kind, conn_id conn, time_point now) {
  auto& ln = lane_of(kind);
  ln.idle.emplace_back(conn);
  dispatch(kind, now);
  if (contains(ln.idle, conn)) // nothing for it, or small work held from it
    close_when_idle(conn);
  notify_drained();
}

bool queue_schedule::is_extra(conn_id conn) const {
  return contains(overflow_, conn);
}

/// Closes an extra writer that has nothing to do (as SQLAlchemy's pool does
/// with overflow connections); false for the regular pool.
bool queue_schedule::close_if_extra(conn_id conn) {
  if (!is_extra(conn))
    return false;
  erase_all(overflow_, conn);
  erase_all(writers_.members, conn);
  erase_all(writers_.idle, conn);
  idle_marks_.erase(conn);
  decisions_.emplace_back(close_extra{conn});
  return true;
}

/// An extra writer found nothing waiting: it closes after overflow_idle
/// unless work comes first.
void queue_schedule::close_when_idle(conn_id conn) {
  if (!is_extra(conn))
    return;
  if (cfg_.overflow_idle.count() == 0) {
    close_if_extra(conn);
    return;
  }
  auto mark = ++next_mark_;
  idle_marks_[conn] = mark;
  decisions_.emplace_back(retire_after{conn, mark, cfg_.overflow_idle});
}

void queue_schedule::retire(conn_id conn, std::uint64_t mark) {
  auto i = idle_marks_.find(conn);
  if (i == idle_marks_.end() || i->second != mark)
    return; // it worked since
  close_if_extra(conn);
  notify_drained();
}

/// Tries the connection again after its backoff, doubling it each time.
void queue_schedule::schedule_retry(conn_id conn) {
  auto i = backoff_.try_emplace(conn, cfg_.reconnect).first;
  decisions_.emplace_back(retry_after{conn, i->second.next()});
}

std::optional<queue_schedule::lane_kind>
queue_schedule::member_lane(conn_id conn) const {
  if (contains(writers_.members, conn))
    return lane_kind::writer;
  if (contains(readers_.members, conn))
    return lane_kind::reader;
  return std::nullopt;
}

bool queue_schedule::is_member(conn_id conn) const {
  return member_lane(conn).has_value();
}

bool queue_schedule::is_running(conn_id conn) const {
  return in_flight_.count(conn) > 0;
}

void queue_schedule::report(conn_id conn, report_kind kind, time_point now) {
  auto i = in_flight_.find(conn);
  if (i == in_flight_.end()) {
    // Its requesters already had timeout: it serves again, unless it has
    // left the pool meanwhile.
    auto ln = member_lane(conn);
    if (closing_ || !ln)
      return;
    overran_.erase(conn);
    return serve_again(*ln, conn, now);
  }
  auto batch = std::move(i->second);
  running_order_.erase(batch.seq);
  in_flight_.erase(i);
  if (kind == report_kind::finished) {
    lane_of(batch.lane).last_end = now;
    auto took = now - batch.started;
    auto& typical = lane_of(batch.lane).typical;
    typical = typical == clock::duration::zero()
                  ? took
                  : typical + (took - typical) / 8;
  }
  if (kind == report_kind::not_opened_for_now && !closing_) {
    put_back(batch.lane, batch);
    if (!close_if_extra(conn)) // only the pool keeps trying
      schedule_retry(conn);
    dispatch(batch.lane, now);
    auto& ln = lane_of(batch.lane);
    if (ln.members.empty()) // the last extra writer, none in its place
      fail_waiting(ln, failure::connection_lost);
    return notify_drained();
  }
  answer done;
  for (auto& [key, w] : batch.jobs)
    done.jobs.emplace_back(ticket{std::get<2>(key)});
  decisions_.emplace_back(std::move(done));
  if (kind != report_kind::finished)
    fail_waiting(lane_of(batch.lane), failure::refused);
  serve_again(batch.lane, conn, now);
}

void queue_schedule::connection_down(conn_id conn, time_point now) {
  if (auto i = in_flight_.find(conn); i != in_flight_.end()) {
    fail order{{}, failure::connection_lost};
    for (auto& [key, w] : i->second.jobs)
      order.tickets.emplace_back(ticket{std::get<2>(key)});
    running_order_.erase(i->second.seq);
    in_flight_.erase(i);
    decisions_.emplace_back(std::move(order));
  }
  if (auto i = leases_.find(conn); i != leases_.end()) {
    decisions_.emplace_back(forget{i->second.lease});
    leases_.erase(i); // its lessee learns from its own requests
  }
  // A backoff left behind would stop extra writers for good.
  backoff_.erase(conn);
  idle_marks_.erase(conn);
  overran_.erase(conn);
  for (auto kind : {lane_kind::writer, lane_kind::reader}) {
    auto& ln = lane_of(kind);
    if (!contains(ln.members, conn))
      continue;
    erase_all(ln.members, conn);
    erase_all(overflow_, conn);
    erase_all(ln.idle, conn);
    if (ln.members.empty())
      fail_waiting(ln, failure::connection_lost);
  }
  // An extra writer may open: in its place, or now that no backoff is left.
  if (!closing_ && !writers_.members.empty())
    dispatch(lane_kind::writer, now);
  notify_drained();
}

/// A lease ended: the connection serves the queue again.
void queue_schedule::end_lease(conn_id conn, time_point now) {
  auto i = leases_.find(conn);
  if (i == leases_.end())
    return;
  auto entry = i->second;
  leases_.erase(i);
  decisions_.emplace_back(forget{entry.lease});
  if (!closing_)
    serve_again(entry.lane, conn, now);
}

void queue_schedule::release(conn_id conn, time_point now) {
  end_lease(conn, now);
}

/// Drops the leases still waiting first: a connection lent to one of them
/// would never come back.
void queue_schedule::lessee_gone(const std::vector<ticket>& leases,
                                 time_point now) {
  for (auto kind : {lane_kind::writer, lane_kind::reader}) {
    auto& ln = lane_of(kind);
    for (auto i = ln.waiting.begin(); i != ln.waiting.end();) {
      auto t = ticket{std::get<2>(i->first)};
      if (i->second.is_lease && contains(leases, t)) {
        by_seq_.erase(std::get<2>(i->first));
        decisions_.emplace_back(forget{t});
        i = ln.waiting.erase(i);
      } else {
        ++i;
      }
    }
  }
  notify_drained();
  std::vector<conn_id> lent;
  for (auto& [conn, entry] : leases_)
    if (contains(leases, entry.lease))
      lent.emplace_back(conn);
  for (auto conn : lent)
    end_lease(conn, now);
}

bool queue_schedule::may_reconnect(conn_id conn) const {
  return !closing_ && is_member(conn);
}

void queue_schedule::reconnected(conn_id conn, time_point now) {
  backoff_.erase(conn);
  auto ln = member_lane(conn);
  if (ln && !closing_) {
    lane_of(*ln).idle.emplace_back(conn);
    dispatch(*ln, now);
    after_backoff(*ln, now);
  }
}

/// A refusal for good ends the retries: what waits for the lane would meet
/// the same refusal, so it gets it now; later work tries the connection
/// again.
void queue_schedule::reconnect_failed(conn_id conn, bool retryable,
                                      time_point now) {
  auto ln = member_lane(conn);
  if (!ln || closing_)
    return;
  if (retryable)
    return schedule_retry(conn);
  backoff_.erase(conn);
  fail_waiting(lane_of(*ln), failure::refused);
  serve_again(*ln, conn, now);
  after_backoff(*ln, now);
}

/// Any backoff keeps extra writers closed (maybe_overflow): once a reader's
/// ended, the writers' line may get one (a writer's lane was just
/// dispatched).
void queue_schedule::after_backoff(lane_kind kind, time_point now) {
  if (kind == lane_kind::reader)
    dispatch(lane_kind::writer, now);
}

void queue_schedule::expire(time_point now) {
  fail order{{}, failure::waited_too_long};
  auto writers_front_gone = false;
  while (!by_seq_.empty() && by_seq_.begin()->second.deadline <= now) {
    auto entry = by_seq_.begin()->second;
    by_seq_.erase(by_seq_.begin());
    writers_front_gone |= entry.lane == lane_kind::writer;
    lane_of(entry.lane).waiting.erase(entry.key);
    order.tickets.emplace_back(ticket{std::get<2>(entry.key)});
  }
  if (!order.tickets.empty())
    decisions_.emplace_back(std::move(order));
  // Work held back (for a running batch, or from an extra writer) may go
  // on; a new front of the writers' line may need an extra writer at once.
  for (auto kind : {lane_kind::writer, lane_kind::reader})
    if (auto until = lane_of(kind).gather_until;
        !closing_ && ((until && *until <= now) ||
                      (kind == lane_kind::writer && writers_front_gone)))
      dispatch(kind, now);
  if (!order.tickets.empty())
    notify_drained();
}

void queue_schedule::overrun(time_point now) {
  auto failed = false;
  while (!running_order_.empty()) {
    auto conn = running_order_.begin()->second;
    auto i = in_flight_.find(conn);
    if (i->second.deadline > now)
      break;
    fail order{{}, failure::overran};
    for (auto& [key, w] : i->second.jobs)
      order.tickets.emplace_back(ticket{std::get<2>(key)});
    decisions_.emplace_back(std::move(order));
    running_order_.erase(running_order_.begin());
    in_flight_.erase(i);
    overran_.insert(conn); // busy until it answers
    failed = true;
  }
  if (!failed)
    return;
  if (!closing_) // small work no longer waits for that batch's end
    dispatch(lane_kind::writer, now);
  notify_drained();
}

std::vector<conn_id> queue_schedule::close() {
  closing_ = true;
  fail_waiting(writers_, failure::shutting_down);
  fail_waiting(readers_, failure::shutting_down);
  auto all = writers_.members;
  all.insert(all.end(), readers_.members.begin(), readers_.members.end());
  return all;
}

bool queue_schedule::drained_now() const {
  return waiting_count() == 0 && in_flight_.empty();
}

void queue_schedule::notify_drained() {
  if (drained_now())
    decisions_.emplace_back(drained{});
}

std::vector<queue_schedule::decision> queue_schedule::take_decisions() {
  return std::exchange(decisions_, {});
}

std::optional<queue_schedule::time_point>
queue_schedule::next_wait_deadline() const {
  auto first = next_gather_deadline();
  if (!by_seq_.empty() &&
      (!first || by_seq_.begin()->second.deadline < *first))
    first = by_seq_.begin()->second.deadline;
  return first;
}

std::optional<queue_schedule::time_point>
queue_schedule::next_gather_deadline() const {
  std::optional<time_point> first;
  for (auto* ln : {&writers_, &readers_})
    if (ln->gather_until && (!first || *ln->gather_until < *first))
      first = ln->gather_until;
  return first;
}

std::optional<queue_schedule::time_point>
queue_schedule::next_run_deadline() const {
  if (running_order_.empty())
    return std::nullopt;
  return in_flight_.at(running_order_.begin()->second).deadline;
}

} // namespace sasync::detail
