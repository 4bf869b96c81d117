// The queue's scheduling rules without actors: each rule on its own, then
// long random runs checked against a plain reference model.
#define CAF_SUITE actors.queue_schedule

#include "actors/queue_schedule.hpp"

#include "storage/connection.hpp"

#include <caf/test/dsl.hpp>

#include <algorithm>
#include <random>
#include <sstream>

using namespace sasync;
using namespace std::chrono_literals;
using detail::conn_id;
using detail::queue_schedule;
using detail::ticket;

namespace {

using qs = queue_schedule;
using lane_kind = qs::lane_kind;
using state_kind = qs::connection_view::state_kind;
using time_point = qs::time_point;

constexpr auto read = access_mode::read;
constexpr auto write = access_mode::write;

template <class T> std::vector<T> only(const std::vector<qs::decision>& ds) {
  std::vector<T> out;
  for (auto& d : ds)
    if (auto* x = std::get_if<T>(&d))
      out.emplace_back(*x);
  return out;
}

std::vector<std::uint64_t> numbers(const std::vector<ticket>& ts) {
  std::vector<std::uint64_t> out;
  for (auto t : ts)
    out.emplace_back(static_cast<std::uint64_t>(t));
  return out;
}

struct fixture {
  time_point t0{};

  qs make(std::size_t writers, std::size_t readers, qs::config cfg = {}) {
    qs s{cfg};
    for (std::size_t i = 0; i < writers; ++i)
      s.add_connection(lane_kind::writer);
    for (std::size_t i = 0; i < readers; ++i)
      s.add_connection(lane_kind::reader);
    return s;
  }

  static qs::config with(std::size_t max_batch) {
    qs::config cfg;
    cfg.max_batch = max_batch;
    return cfg;
  }
};

} // namespace

CAF_TEST(backoff_doubles_from_its_first_delay_up_to_its_ceiling) {
  detail::backoff b{50ms, 5'000ms};
  std::vector<long> delays;
  for (int i = 0; i < 9; ++i)
    delays.emplace_back(b.next().count());
  CAF_CHECK_EQUAL(delays, (std::vector<long>{50, 100, 200, 400, 800, 1600,
                                             3200, 5000, 5000}));
  b.reset();
  CAF_CHECK_EQUAL(b.next().count(), 50);
}

CAF_TEST_FIXTURE_SCOPE(queue_schedule_tests, fixture)

CAF_TEST(jobs_wait_by_priority_then_arrival) {
  auto s = make(1, 0, with(1));
  auto first = s.submit(niceness(0), write, t0); // runs at once
  std::vector<ticket> ts;
  for (auto p : {do_last, niceness(10), niceness(0), niceness(-10), do_next,
                 niceness(0), niceness(-20), niceness(20), do_next})
    ts.emplace_back(s.submit(p, write, t0));
  auto ran = only<qs::run_batch>(s.take_decisions());
  CAF_REQUIRE_EQUAL(ran.size(), 1u);
  CAF_CHECK(ran[0].jobs == std::vector<ticket>{first});
  std::vector<ticket> order;
  for (int i = 0; i < 9; ++i) {
    s.report(ran[0].conn, qs::report_kind::finished, t0);
    auto next = only<qs::run_batch>(s.take_decisions());
    CAF_REQUIRE_EQUAL(next.size(), 1u);
    order.insert(order.end(), next[0].jobs.begin(), next[0].jobs.end());
  }
  // do_next, do_next, -20, -10, 0, 0, 10, 20, do_last
  CAF_CHECK_EQUAL(numbers(order),
                  numbers({ts[4], ts[8], ts[6], ts[3], ts[2], ts[5], ts[1],
                           ts[7], ts[0]}));
  CAF_CHECK_EQUAL(s.check_invariants(), "");
}

CAF_TEST(work_fails_once_it_has_waited_wait_timeout) {
  qs::config cfg;
  cfg.wait_timeout = 30s;
  auto s = make(1, 0, cfg);
  s.submit(niceness(0), write, t0); // runs: never times out while it runs
  auto waits = s.submit(niceness(0), write, t0 + 1s);
  s.take_decisions();
  CAF_REQUIRE(s.next_wait_deadline().has_value());
  CAF_CHECK(*s.next_wait_deadline() == t0 + 31s);
  s.expire(t0 + 30s);
  CAF_CHECK(s.take_decisions().empty());
  s.expire(t0 + 31s);
  auto ds = s.take_decisions();
  auto failed = only<qs::fail>(ds);
  CAF_REQUIRE_EQUAL(failed.size(), 1u);
  CAF_CHECK(failed[0].why == qs::failure::waited_too_long);
  CAF_CHECK(failed[0].tickets == std::vector<ticket>{waits});
  CAF_CHECK(!s.next_wait_deadline().has_value());
  CAF_CHECK_EQUAL(s.status().waiting, 0u);
  CAF_CHECK_EQUAL(s.status().running, 1u);
}

CAF_TEST(a_batch_past_run_timeout_fails_and_its_connection_stays_busy) {
  qs::config cfg;
  cfg.run_timeout = 2s;
  auto s = make(1, 0, cfg);
  auto runs = s.submit(niceness(0), write, t0);
  auto waits = s.submit(niceness(0), write, t0);
  auto conn = only<qs::run_batch>(s.take_decisions()).at(0).conn;
  CAF_CHECK(*s.next_run_deadline() == t0 + 2s);
  s.overrun(t0 + 1999ms);
  CAF_CHECK(s.take_decisions().empty());
  s.overrun(t0 + 2s);
  auto failed = only<qs::fail>(s.take_decisions());
  CAF_REQUIRE_EQUAL(failed.size(), 1u);
  CAF_CHECK(failed[0].why == qs::failure::overran);
  CAF_CHECK(failed[0].tickets == std::vector<ticket>{runs});
  CAF_CHECK(s.connections().at(conn).state == state_kind::overran);
  CAF_CHECK(s.waiting(lane_kind::writer) == std::vector<ticket>{waits});
  // Its late answer frees it: nothing to answer, and it takes what waits.
  s.report(conn, qs::report_kind::finished, t0 + 5s);
  auto ds = s.take_decisions();
  CAF_CHECK(only<qs::answer>(ds).empty());
  auto ran = only<qs::run_batch>(ds);
  CAF_REQUIRE_EQUAL(ran.size(), 1u);
  CAF_CHECK(ran[0].jobs == std::vector<ticket>{waits});
  CAF_CHECK_EQUAL(s.check_invariants(), "");
}

CAF_TEST(writes_go_to_writers_and_reads_to_readers_when_there_are_any) {
  auto s = make(1, 1);
  auto w = s.submit(niceness(0), write, t0);
  auto r = s.submit(niceness(0), read, t0);
  auto lease = s.submit_lease(niceness(0), t0); // waits for the reader
  auto views = s.connections();
  auto ran = only<qs::run_batch>(s.take_decisions());
  CAF_REQUIRE_EQUAL(ran.size(), 2u);
  CAF_CHECK(views.at(ran[0].conn).lane == lane_kind::writer);
  CAF_CHECK(ran[0].jobs == std::vector<ticket>{w});
  CAF_CHECK(views.at(ran[1].conn).lane == lane_kind::reader);
  CAF_CHECK(ran[1].jobs == std::vector<ticket>{r});
  CAF_CHECK(s.waiting(lane_kind::reader) == std::vector<ticket>{lease});
  // Without readers, reads and leases go to the writers.
  auto solo = make(1, 0);
  CAF_CHECK(solo.lane_for(read) == lane_kind::writer);
  solo.submit_lease(niceness(0), t0);
  CAF_CHECK_EQUAL(only<qs::lend>(solo.take_decisions()).size(), 1u);
}

CAF_TEST(a_free_connection_takes_a_fair_share_and_stops_at_a_lease) {
  auto s = make(2, 0, with(64));
  s.submit(niceness(0), write, t0);
  s.submit(niceness(0), write, t0); // both writers busy
  auto first = only<qs::run_batch>(s.take_decisions()).at(0).conn;
  std::vector<ticket> ts;
  for (int i = 0; i < 10; ++i)
    ts.emplace_back(s.submit(niceness(0), write, t0));
  s.report(first, qs::report_kind::finished, t0); // ten wait for two
  auto ran = only<qs::run_batch>(s.take_decisions());
  CAF_REQUIRE_EQUAL(ran.size(), 1u);
  CAF_CHECK(ran[0].jobs == std::vector<ticket>(ts.begin(), ts.begin() + 5));
  // Seven wait (a lease among them): the share is four, then two, and a
  // batch never reaches past the lease.
  auto lease = s.submit_lease(niceness(0), t0);
  auto after = s.submit(niceness(1), write, t0);
  s.report(first, qs::report_kind::finished, t0);
  ran = only<qs::run_batch>(s.take_decisions());
  CAF_REQUIRE_EQUAL(ran.size(), 1u);
  CAF_CHECK(ran[0].jobs == std::vector<ticket>(ts.begin() + 5, ts.begin() + 9));
  s.report(first, qs::report_kind::finished, t0);
  ran = only<qs::run_batch>(s.take_decisions());
  CAF_REQUIRE_EQUAL(ran.size(), 1u);
  CAF_CHECK(ran[0].jobs == std::vector<ticket>{ts[9]});
  s.report(first, qs::report_kind::finished, t0);
  auto ds = s.take_decisions();
  CAF_REQUIRE_EQUAL(only<qs::lend>(ds).size(), 1u);
  CAF_CHECK(only<qs::lend>(ds)[0].lease == lease);
  CAF_CHECK(s.waiting(lane_kind::writer) == std::vector<ticket>{after});
  CAF_CHECK_EQUAL(s.check_invariants(), "");
}

CAF_TEST(extra_writers_open_only_for_a_backlog_and_never_while_backing_off) {
  qs::config cfg;
  cfg.max_batch = 1;
  cfg.max_overflow = 2;
  cfg.can_overflow = true;
  auto s = make(1, 0, cfg);
  s.submit(niceness(0), write, t0); // the pool's writer
  CAF_CHECK(only<qs::open_extra>(s.take_decisions()).empty());
  s.submit(niceness(0), write, t0);
  s.submit(niceness(0), write, t0);
  s.submit(niceness(0), write, t0); // max_overflow reached: it waits
  auto ds = s.take_decisions();
  CAF_CHECK_EQUAL(only<qs::open_extra>(ds).size(), 2u);
  CAF_CHECK_EQUAL(s.status().waiting, 1u);
  // An extra writer that cannot open closes; the pool's writer backs off,
  // and while it does no extra writer opens.
  auto extra = only<qs::open_extra>(ds).at(0).conn;
  s.report(extra, qs::report_kind::not_opened_for_now, t0);
  ds = s.take_decisions();
  CAF_CHECK_EQUAL(only<qs::close_extra>(ds).size(), 1u);
  CAF_CHECK(only<qs::retry_after>(ds).empty());
  CAF_CHECK_EQUAL(only<qs::open_extra>(ds).size(), 1u); // in its place
  auto pool = conn_id{0};
  s.report(pool, qs::report_kind::not_opened_for_now, t0);
  ds = s.take_decisions();
  CAF_REQUIRE_EQUAL(only<qs::retry_after>(ds).size(), 1u);
  CAF_CHECK(only<qs::retry_after>(ds)[0].delay == 50ms);
  CAF_CHECK(only<qs::open_extra>(ds).empty());
  CAF_CHECK(s.connections().at(pool).state == state_kind::backing_off);
  CAF_CHECK_EQUAL(s.status().waiting, 2u);
  CAF_CHECK_EQUAL(s.check_invariants(), "");
}

CAF_TEST(reconnect_attempts_back_off_from_50ms_to_5s_and_start_over) {
  auto s = make(1, 0);
  s.submit(niceness(0), write, t0);
  s.take_decisions();
  auto conn = conn_id{0};
  s.report(conn, qs::report_kind::not_opened_for_now, t0);
  std::vector<long> delays;
  delays.emplace_back(only<qs::retry_after>(s.take_decisions()).at(0)
                          .delay.count());
  for (int i = 0; i < 8; ++i) {
    CAF_REQUIRE(s.may_reconnect(conn));
    s.reconnect_failed(conn, true, t0);
    delays.emplace_back(
        only<qs::retry_after>(s.take_decisions()).at(0).delay.count());
  }
  CAF_CHECK_EQUAL(delays, (std::vector<long>{50, 100, 200, 400, 800, 1600,
                                             3200, 5000, 5000}));
  s.reconnected(conn, t0); // takes the work back
  CAF_CHECK_EQUAL(only<qs::run_batch>(s.take_decisions()).size(), 1u);
  s.report(conn, qs::report_kind::not_opened_for_now, t0);
  CAF_CHECK(only<qs::retry_after>(s.take_decisions()).at(0).delay == 50ms);
}

// A connection that went down while it backed off kept its backoff, and a
// backoff stops extra writers: the pool never overflowed again.
CAF_TEST(a_connection_down_while_backing_off_leaves_no_backoff_behind) {
  qs::config cfg;
  cfg.max_batch = 1;
  cfg.max_overflow = 1;
  cfg.can_overflow = true;
  auto s = make(1, 1, cfg);
  auto reader = conn_id{1};
  s.submit(niceness(0), read, t0);
  s.report(reader, qs::report_kind::not_opened_for_now, t0);
  s.take_decisions();
  CAF_REQUIRE(s.connections().at(reader).state == state_kind::backing_off);
  s.connection_down(reader);
  auto failed = only<qs::fail>(s.take_decisions());
  CAF_REQUIRE_EQUAL(failed.size(), 1u); // no reader left for it
  CAF_CHECK(failed[0].why == qs::failure::connection_lost);
  CAF_CHECK(!s.may_reconnect(reader));
  s.submit(niceness(0), write, t0); // the pool's writer
  s.submit(niceness(0), write, t0); // an extra writer
  CAF_CHECK_EQUAL(only<qs::open_extra>(s.take_decisions()).size(), 1u);
  CAF_CHECK_EQUAL(s.check_invariants(), "");
}

CAF_TEST(an_idle_extra_writer_retires_unless_it_worked_since) {
  qs::config cfg;
  cfg.max_batch = 1;
  cfg.max_overflow = 1;
  cfg.can_overflow = true;
  cfg.overflow_idle = 1s;
  auto s = make(1, 0, cfg);
  s.submit(niceness(0), write, t0);
  s.submit(niceness(0), write, t0);
  auto extra = only<qs::open_extra>(s.take_decisions()).at(0).conn;
  s.report(extra, qs::report_kind::finished, t0);
  auto first = only<qs::retire_after>(s.take_decisions()).at(0);
  CAF_CHECK(first.delay == 1s);
  s.submit(niceness(0), write, t0); // it works again: the first mark is void
  s.report(extra, qs::report_kind::finished, t0);
  auto second = only<qs::retire_after>(s.take_decisions()).at(0);
  s.retire(extra, first.mark);
  CAF_CHECK(only<qs::close_extra>(s.take_decisions()).empty());
  s.retire(extra, second.mark);
  CAF_CHECK_EQUAL(only<qs::close_extra>(s.take_decisions()).size(), 1u);
  CAF_CHECK(!s.is_member(extra));
  CAF_CHECK_EQUAL(s.status().connections, 1u);
}

CAF_TEST(close_fails_what_waits_and_lets_running_work_finish) {
  auto s = make(1, 1, with(1));
  auto runs = s.submit(niceness(0), write, t0);
  auto waits = s.submit(niceness(0), write, t0);
  s.take_decisions();
  auto all = s.close();
  CAF_CHECK_EQUAL(all.size(), 2u);
  auto failed = only<qs::fail>(s.take_decisions());
  CAF_REQUIRE_EQUAL(failed.size(), 1u);
  CAF_CHECK(failed[0].why == qs::failure::shutting_down);
  CAF_CHECK(failed[0].tickets == std::vector<ticket>{waits});
  s.report(conn_id{0}, qs::report_kind::finished, t0);
  auto ds = s.take_decisions();
  CAF_REQUIRE_EQUAL(only<qs::answer>(ds).size(), 1u);
  CAF_CHECK(only<qs::answer>(ds)[0].jobs == std::vector<ticket>{runs});
  CAF_CHECK_EQUAL(only<qs::drained>(ds).size(), 1u);
  CAF_CHECK(!s.may_reconnect(conn_id{0}));
}

CAF_TEST(a_lessee_gone_drops_its_waiting_leases_before_its_held_ones_end) {
  auto s = make(1, 0);
  auto held = s.submit_lease(niceness(0), t0);
  auto waiting = s.submit_lease(niceness(0), t0);
  auto job = s.submit(niceness(0), write, t0);
  CAF_CHECK_EQUAL(only<qs::lend>(s.take_decisions()).size(), 1u);
  s.lessee_gone({held, waiting}, t0);
  auto ds = s.take_decisions();
  auto forgotten = only<qs::forget>(ds);
  CAF_REQUIRE_EQUAL(forgotten.size(), 2u);
  CAF_CHECK(forgotten[0].lease == waiting);
  CAF_CHECK(forgotten[1].lease == held);
  CAF_CHECK(only<qs::lend>(ds).empty()); // never to the dead lessee
  CAF_REQUIRE_EQUAL(only<qs::run_batch>(ds).size(), 1u);
  CAF_CHECK(only<qs::run_batch>(ds)[0].jobs == std::vector<ticket>{job});
}

CAF_TEST_FIXTURE_SCOPE_END()
