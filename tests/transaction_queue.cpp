// The queue's scheduling, deterministic: fake connection actors hold each
// batch until the test completes it.
#define CAF_SUITE actors.transaction_queue

#include "sasync/actors/queue/detail/transaction_queue_impl.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"

#include "ask.hpp"

#include <caf/test/dsl.hpp>

#include <map>
#include <memory>
#include <optional>

using namespace sasync;

namespace {

/// A job that only carries a number, so tests can see the order of runs.
struct tagged_job : job {
  tagged_job(int id, access_mode mode) : job(mode), id(id) {}
  void run(connection&) override {}
  int id;
};

using reply_promise = caf::typed_response_promise<batch_report>;

/// What a fake connection saw, shared with the test (one thread only).
struct fake_log {
  std::vector<std::vector<int>> batches;
  std::vector<reply_promise> open;
  bool closed = false;
  int connects = 0;
  caf::error connect_error; ///< what connect() answers
};

using complete_atom = caf::atom_constant<caf::atom("complete")>;

/// Speaks connection_actor's protocol and holds each batch until the test
/// sends `complete`, which it answers in its own context.
caf::behavior fake_connection(caf::event_based_actor* self,
                              std::shared_ptr<fake_log> log) {
  return {
      [=](run_atom, const job_batch& jobs) {
        std::vector<int> ids;
        for (auto& j : jobs)
          ids.emplace_back(static_cast<tagged_job&>(*j).id);
        log->batches.emplace_back(std::move(ids));
        auto rp = self->make_response_promise<batch_report>();
        log->open.emplace_back(rp);
        return rp;
      },
      [=](complete_atom, bool started, std::vector<caf::error>& errors) {
        auto rp = log->open.front();
        log->open.erase(log->open.begin());
        rp.deliver(batch_report{started, std::move(errors)});
      },
      [=](connect_atom) -> caf::result<void> {
        ++log->connects;
        if (log->connect_error)
          return log->connect_error;
        return caf::unit;
      },
      [=](close_atom) {
        log->closed = true;
        self->quit();
      },
  };
}

struct fixture : test_coordinator_fixture<system_config> {
  std::shared_ptr<fake_log> writer_log = std::make_shared<fake_log>();
  std::shared_ptr<fake_log> reader_log = std::make_shared<fake_log>();
  caf::actor writer_fake = sys.spawn(fake_connection, writer_log);
  caf::actor reader_fake = sys.spawn(fake_connection, reader_log);
  connection_actor writer = caf::actor_cast<connection_actor>(writer_fake);
  connection_actor reader = caf::actor_cast<connection_actor>(reader_fake);
  /// Outcome of each submitted job: none (no answer yet), or the error
  /// (empty for success).
  std::map<int, std::optional<caf::error>> outcome;

  /// Runs every pending message but fires no timer before its time (the
  /// fixture's run() would fire them all).
  void settle() { sched.run(); }

  /// Small work goes to an extra writer once the last batch to start has
  /// run two typical batches: 2 ms (overflow_wait) until a batch was
  /// measured. 3 ms here, so that the batches running meanwhile also take
  /// longer than max_gather: nothing then waits for a running batch when a
  /// connection is free.
  void let_extra_writers_open() {
    advance_time(std::chrono::milliseconds(3));
    settle();
  }

  std::vector<caf::actor> overflow_fakes;

  ~fixture() {
    // Open promises keep the fakes alive; drop them so the system can stop.
    writer_log->open.clear();
    reader_log->open.clear();
    for (auto& log : overflow_logs)
      log->open.clear();
    for (auto& fake : overflow_fakes)
      caf::anon_send_exit(fake, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(writer_fake, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(reader_fake, caf::exit_reason::user_shutdown);
    run(); // while `outcome` still exists for the answers this causes
  }

  /// Logs of the extra writers the queue opened, in opening order.
  std::vector<std::shared_ptr<fake_log>> overflow_logs;

  detail::transaction_queue_impl make_queue(
      std::size_t capacity, std::size_t max_batch, bool with_reader = false,
      std::chrono::milliseconds wait_timeout = {}, std::size_t max_overflow = 0,
      std::chrono::milliseconds run_timeout = {}) {
    queue_config cfg;
    cfg.wait_timeout = wait_timeout;
    cfg.run_timeout = run_timeout;
    cfg.max_overflow = max_overflow;
    cfg.open_overflow = [this] {
      overflow_logs.emplace_back(std::make_shared<fake_log>());
      auto fake = sys.spawn(fake_connection, overflow_logs.back());
      overflow_fakes.emplace_back(fake);
      return caf::actor_cast<connection_actor>(fake);
    };
    cfg.capacity = capacity;
    cfg.max_batch = max_batch;
    cfg.writers = {writer};
    if (with_reader)
      cfg.readers = {reader};
    auto q = detail::spawn_transaction_queue(sys, std::move(cfg));
    settle();
    return q;
  }

  void submit(detail::transaction_queue_impl& q, int id, priority prio,
              access_mode mode = access_mode::write) {
    outcome[id] = std::nullopt;
    test::ask(
        sys, q, [this, id] { outcome[id] = caf::error{}; },
        [this, id](caf::error& err) { outcome[id] = err; }, run_atom::value,
        job_ptr{std::make_shared<tagged_job>(id, mode)}, prio);
    settle();
  }

  /// Completes the oldest open batch of `log` with `errors` (all succeed
  /// when empty).
  void complete(fake_log& log, std::vector<caf::error> errors = {},
                bool started = true) {
    CAF_REQUIRE(!log.open.empty());
    if (errors.empty()) // the oldest open batch succeeds as a whole
      errors.resize(
          log.batches.at(log.batches.size() - log.open.size()).size());
    auto fake = &log == writer_log.get() ? writer_fake : reader_fake;
    for (size_t i = 0; i < overflow_logs.size(); ++i)
      if (&log == overflow_logs[i].get())
        fake = overflow_fakes[i];
    self->send(fake, complete_atom::value, started, std::move(errors));
    settle();
  }

  bool succeeded(int id) { return outcome[id].has_value() && !*outcome[id]; }

  bool failed_with(int id, errc code) {
    return outcome[id].has_value() && is(*outcome[id], code);
  }

  std::vector<int> flat(const fake_log& log) {
    std::vector<int> out;
    for (auto& b : log.batches)
      out.insert(out.end(), b.begin(), b.end());
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(transaction_queue_tests, fixture)

CAF_TEST(jobs_run_by_priority_then_in_arrival_order) {
  auto q = make_queue(100, 1);
  submit(q, 0, niceness(0)); // occupies the writer
  submit(q, 1, do_last);
  submit(q, 2, niceness(10));
  submit(q, 3, niceness(0));
  submit(q, 4, niceness(-10));
  submit(q, 5, do_next);
  submit(q, 6, niceness(0));
  submit(q, 7, niceness(-20));
  submit(q, 8, niceness(20));
  submit(q, 9, do_next);
  for (int i = 0; i < 10; ++i)
    complete(*writer_log);
  CAF_CHECK_EQUAL(flat(*writer_log),
                  (std::vector<int>{0, 5, 9, 7, 4, 3, 6, 2, 8, 1}));
  for (int i = 0; i < 10; ++i)
    CAF_CHECK(succeeded(i));
}

CAF_TEST(no_answer_before_the_connection_reports_the_commit) {
  auto q = make_queue(100, 1);
  submit(q, 0, niceness(0));
  CAF_CHECK(!outcome[0].has_value());
  complete(*writer_log);
  CAF_CHECK(succeeded(0));
}

CAF_TEST(waiting_jobs_are_batched_in_priority_order) {
  auto q = make_queue(100, 3);
  submit(q, 0, niceness(0));
  submit(q, 1, do_last);
  submit(q, 2, niceness(5));
  submit(q, 3, do_next);
  submit(q, 4, niceness(-5));
  complete(*writer_log);
  CAF_REQUIRE_EQUAL(writer_log->batches.size(), 2u);
  CAF_CHECK_EQUAL(writer_log->batches[1], (std::vector<int>{3, 4, 2}));
  complete(*writer_log);
  CAF_CHECK_EQUAL(writer_log->batches.at(2), (std::vector<int>{1}));
  complete(*writer_log);
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(succeeded(i));
}

CAF_TEST(failing_request_in_batch_fails_alone) {
  auto q = make_queue(100, 8);
  submit(q, 0, niceness(0));
  submit(q, 1, niceness(0));
  submit(q, 2, niceness(0));
  submit(q, 3, niceness(0));
  complete(*writer_log);
  CAF_REQUIRE_EQUAL(writer_log->batches.at(1), (std::vector<int>{1, 2, 3}));
  complete(*writer_log,
           {caf::error{}, make_error(errc::database_error, "constraint"),
            caf::error{}});
  CAF_CHECK(succeeded(1));
  CAF_CHECK(failed_with(2, errc::database_error));
  CAF_CHECK(succeeded(3));
}

CAF_TEST(jobs_sent_together_run_together_and_are_answered_each_in_order) {
  auto q = make_queue(100, 8);
  submit(q, 0, niceness(0)); // occupies the writer
  queued_jobs jobs;
  for (int id : {1, 2, 3})
    jobs.push_back({std::make_shared<tagged_job>(id, access_mode::write),
                    niceness(0)});
  // Refused one by one; the others still run.
  jobs.push_back({std::make_shared<tagged_job>(4, access_mode::write),
                  niceness(21)});
  jobs.push_back({nullptr, niceness(0)});
  std::optional<std::vector<caf::error>> answer;
  test::ask(
      sys, q, [&](std::vector<caf::error>& xs) { answer = std::move(xs); },
      [&](caf::error& err) { CAF_FAIL("run(jobs) failed: " << err); },
      run_atom::value, std::move(jobs));
  settle();
  CAF_CHECK(!answer);
  complete(*writer_log);
  CAF_REQUIRE_EQUAL(writer_log->batches.size(), 2u);
  CAF_CHECK_EQUAL(writer_log->batches[1], (std::vector<int>{1, 2, 3}));
  CAF_CHECK(!answer); // not before the commit
  complete(*writer_log,
           {caf::error{}, make_error(errc::database_error, "constraint"),
            caf::error{}});
  CAF_REQUIRE(answer);
  CAF_REQUIRE_EQUAL(answer->size(), 5u);
  CAF_CHECK(!(*answer)[0]);
  CAF_CHECK(is((*answer)[1], errc::database_error));
  CAF_CHECK(!(*answer)[2]);
  CAF_CHECK(is((*answer)[3], errc::invalid_argument));
  CAF_CHECK(is((*answer)[4], errc::invalid_argument));
}

CAF_TEST(a_report_sends_the_jobs_that_reached_the_queue_with_it_together) {
  auto q = make_queue(100, 8);
  submit(q, 0, niceness(0)); // occupies the writer
  submit(q, 1, niceness(0)); // waits in line
  // The writer reports, and job 2 reaches the queue before the queue has
  // handled the report.
  self->send(writer_fake, complete_atom::value, true,
             std::vector<caf::error>(1));
  CAF_REQUIRE(sched.prioritize(writer_fake));
  sched.run_once();
  self->send(q, run_atom::value,
             job_ptr{std::make_shared<tagged_job>(2, access_mode::write)},
             niceness(0));
  settle();
  CAF_CHECK(succeeded(0));
  CAF_REQUIRE_EQUAL(writer_log->batches.size(), 2u);
  CAF_CHECK_EQUAL(writer_log->batches[1], (std::vector<int>{1, 2}));
  complete(*writer_log);
  CAF_CHECK(succeeded(1));
  auto answered = false;
  self->receive([&] { answered = true; },
                [&](caf::error& err) { CAF_FAIL("job 2 failed: " << err); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(answered);
}

CAF_TEST(no_jobs_sent_together_are_answered_at_once) {
  auto q = make_queue(100, 8);
  std::optional<std::vector<caf::error>> answer;
  test::ask(
      sys, q, [&](std::vector<caf::error>& xs) { answer = std::move(xs); },
      [&](caf::error& err) { CAF_FAIL("run(jobs) failed: " << err); },
      run_atom::value, queued_jobs{});
  settle();
  CAF_REQUIRE(answer);
  CAF_CHECK(answer->empty());
}

CAF_TEST(an_idle_extra_writer_that_gets_work_again_stays_open) {
  auto q = make_queue(10, 1, false, {}, 1);
  submit(q, 0, niceness(0)); // the pool's writer
  submit(q, 1, niceness(0)); // the extra writer
  CAF_CHECK(overflow_logs.empty()); // not before it waited
  let_extra_writers_open();
  CAF_REQUIRE_EQUAL(overflow_logs.size(), 1u);
  complete(*overflow_logs[0]); // idle from now
  advance_time(std::chrono::milliseconds(600));
  settle();
  submit(q, 2, niceness(0)); // the idle extra writer takes it
  CAF_CHECK_EQUAL(flat(*overflow_logs[0]), (std::vector<int>{1, 2}));
  advance_time(std::chrono::milliseconds(600)); // its first timer: void
  settle();
  CAF_CHECK(!overflow_logs[0]->closed);
  complete(*overflow_logs[0]); // idle again
  advance_time(std::chrono::seconds(1));
  settle();
  CAF_CHECK(overflow_logs[0]->closed);
  CAF_CHECK_EQUAL(overflow_logs.size(), 1u); // none opened meanwhile
  complete(*writer_log);
  CAF_CHECK(succeeded(0) && succeeded(1) && succeeded(2));
}

// Small statements merge into one: a connection free while the others are
// busy takes all that waits (the schedule's tests show the fair share of
// work of unknown cost).
CAF_TEST(a_free_connection_takes_all_small_jobs_while_the_others_are_busy) {
  auto q = make_queue(100, 64, false, {}, 1);
  submit(q, 0, niceness(0)); // the pool's writer
  submit(q, 1, niceness(0)); // the extra writer
  let_extra_writers_open();
  for (int i = 2; i < 12; ++i)
    submit(q, i, niceness(0));
  CAF_REQUIRE_EQUAL(overflow_logs.size(), 1u);
  complete(*writer_log);
  CAF_CHECK_EQUAL(writer_log->batches.at(1),
                  (std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  complete(*overflow_logs[0]); // nothing waits
  CAF_CHECK_EQUAL(overflow_logs[0]->batches.size(), 1u);
  complete(*writer_log);
  for (int i = 0; i < 12; ++i)
    CAF_CHECK(succeeded(i));
}

CAF_TEST(excess_work_is_refused_at_once_as_overloaded) {
  auto q = make_queue(3, 1);
  submit(q, 0, niceness(0)); // running, not waiting
  submit(q, 1, niceness(0));
  submit(q, 2, niceness(0));
  submit(q, 3, niceness(0));
  submit(q, 4, niceness(0));
  CAF_CHECK(failed_with(4, errc::overloaded));
  CAF_CHECK(!outcome[3].has_value());
  for (int i = 0; i < 4; ++i)
    complete(*writer_log);
  for (int i = 0; i < 4; ++i)
    CAF_CHECK(succeeded(i));
  submit(q, 5, niceness(0)); // room again
  complete(*writer_log);
  CAF_CHECK(succeeded(5));
}

CAF_TEST(niceness_outside_range_is_invalid) {
  auto q = make_queue(10, 1);
  submit(q, 0, niceness(21));
  submit(q, 1, niceness(-21));
  CAF_CHECK(failed_with(0, errc::invalid_argument));
  CAF_CHECK(failed_with(1, errc::invalid_argument));
  CAF_CHECK(writer_log->batches.empty());
}

CAF_TEST(reads_do_not_wait_behind_writes) {
  auto q = make_queue(10, 1, true);
  submit(q, 0, niceness(0), access_mode::write);
  submit(q, 1, niceness(0), access_mode::write);
  submit(q, 2, niceness(0), access_mode::read);
  CAF_CHECK_EQUAL(flat(*reader_log), (std::vector<int>{2}));
  complete(*reader_log);
  CAF_CHECK(succeeded(2));
  CAF_CHECK(!outcome[1].has_value());
  complete(*writer_log);
  complete(*writer_log);
  CAF_CHECK(succeeded(1));
}

CAF_TEST(drain_answers_once_nothing_waits_or_runs) {
  auto q = make_queue(10, 1);
  submit(q, 0, niceness(0));
  submit(q, 1, niceness(0));
  bool drained = false;
  test::ask(
      sys, q, [&] { drained = true; }, [](caf::error&) {}, drain_atom::value);
  settle();
  CAF_CHECK(!drained);
  complete(*writer_log);
  CAF_CHECK(!drained);
  complete(*writer_log);
  CAF_CHECK(drained);
}

CAF_TEST(close_fails_waiting_jobs_and_closes_connections) {
  auto q = make_queue(10, 1, true);
  submit(q, 0, niceness(0));
  submit(q, 1, niceness(0));
  bool closed = false;
  test::ask(
      sys, q, [&] { closed = true; }, [](caf::error&) {}, close_atom::value);
  settle();
  CAF_CHECK(failed_with(1, errc::shutting_down));
  CAF_CHECK(writer_log->closed);
  CAF_CHECK(reader_log->closed);
  CAF_CHECK(closed);
}

CAF_TEST(a_connection_actor_going_down_fails_its_batch_and_lane) {
  auto q = make_queue(10, 1);
  submit(q, 0, niceness(0));
  submit(q, 1, niceness(0));
  caf::anon_send_exit(writer, caf::exit_reason::kill);
  settle();
  CAF_CHECK(failed_with(0, errc::database_error));
  CAF_CHECK(failed_with(1, errc::database_error));
  submit(q, 2, niceness(0));
  CAF_CHECK(failed_with(2, errc::database_error));
}

CAF_TEST(status_counts_jobs) {
  auto q = make_queue(2, 1);
  submit(q, 0, niceness(0));
  submit(q, 1, niceness(0));
  submit(q, 2, niceness(0));
  submit(q, 3, niceness(0));
  complete(*writer_log, {make_error(errc::database_error, "x")});
  queue_status st;
  test::ask(
      sys, q, [&](queue_status& x) { st = x; }, [](caf::error&) {},
      status_atom::value);
  settle();
  CAF_CHECK_EQUAL(st.waiting, 1u);
  CAF_CHECK_EQUAL(st.running, 1u);
  CAF_CHECK_EQUAL(st.failed, 1u);
  CAF_CHECK_EQUAL(st.refused, 1u);
  CAF_CHECK_EQUAL(st.connections, 1u);
  CAF_CHECK_EQUAL(st.capacity, 2u);
}

CAF_TEST(work_waiting_longer_than_pool_timeout_fails_with_timeout) {
  auto q = make_queue(10, 1, false, std::chrono::seconds(30));
  submit(q, 0, niceness(0)); // runs: never times out while it runs
  submit(q, 1, niceness(0));
  advance_time(std::chrono::seconds(29));
  settle();
  CAF_CHECK(!outcome[1].has_value());
  submit(q, 2, niceness(0));
  advance_time(std::chrono::seconds(1));
  settle();
  CAF_CHECK(failed_with(1, errc::timeout));
  CAF_CHECK(!outcome[0].has_value());
  CAF_CHECK(!outcome[2].has_value());
  complete(*writer_log);
  CAF_CHECK(succeeded(0));
  CAF_CHECK_EQUAL(flat(*writer_log), (std::vector<int>{0, 2}));
  advance_time(std::chrono::seconds(30)); // 2's timer: it already ran
  settle();
  complete(*writer_log);
  CAF_CHECK(succeeded(2));
}

CAF_TEST(work_that_found_no_connection_waits_for_the_reconnect) {
  auto q = make_queue(10, 4, false, std::chrono::seconds(30));
  submit(q, 0, niceness(0));
  submit(q, 1, niceness(0));
  auto down = make_retryable_error(errc::database_error, "server is down");
  complete(*writer_log, {down}, false); // 0 never started
  CAF_CHECK(!outcome[0].has_value());
  writer_log->connect_error = down;
  advance_time(std::chrono::milliseconds(50)); // first retry fails
  settle();
  CAF_CHECK_EQUAL(writer_log->connects, 1);
  writer_log->connect_error = caf::error{};
  advance_time(std::chrono::milliseconds(100)); // second retry connects
  settle();
  CAF_CHECK_EQUAL(writer_log->connects, 2);
  // Both jobs run, in their original order, after the reconnect.
  CAF_REQUIRE_EQUAL(writer_log->batches.size(), 2u);
  CAF_CHECK_EQUAL(writer_log->batches[1], (std::vector<int>{0, 1}));
  complete(*writer_log);
  CAF_CHECK(succeeded(0));
  CAF_CHECK(succeeded(1));
}

CAF_TEST(no_connection_until_pool_timeout_fails_with_the_last_reason) {
  auto q = make_queue(10, 1, false, std::chrono::seconds(1));
  submit(q, 0, niceness(0));
  auto down = make_retryable_error(errc::database_error, "server is down");
  writer_log->connect_error = down;
  complete(*writer_log, {down}, false);
  advance_time(std::chrono::seconds(1));
  settle();
  CAF_REQUIRE(failed_with(0, errc::timeout));
  CAF_CHECK_NOT_EQUAL(sys.render(*outcome[0]).find("server is down"),
                      std::string::npos);
}

// Work a connection could not start goes back in line with the deadline it
// had; one already past it fails at once, not at a later job's deadline.
CAF_TEST(work_put_back_past_its_deadline_fails_at_once) {
  auto q = make_queue(10, 1, false, std::chrono::seconds(1));
  submit(q, 0, niceness(0)); // runs at once
  advance_time(std::chrono::milliseconds(600));
  settle();
  submit(q, 1, niceness(0)); // waits until 1.6 s
  advance_time(std::chrono::milliseconds(600));
  settle();
  auto down = make_retryable_error(errc::database_error, "server is down");
  complete(*writer_log, {down}, false); // at 1.2 s: 0 never started
  advance_time(std::chrono::milliseconds(1)); // a timer due now fires
  settle();
  CAF_CHECK(failed_with(0, errc::timeout));
  CAF_CHECK(!outcome[1].has_value());
  advance_time(std::chrono::milliseconds(49)); // the reconnect: 1 runs
  settle();
  CAF_CHECK_EQUAL(flat(*writer_log), (std::vector<int>{0, 1}));
  complete(*writer_log);
  CAF_CHECK(succeeded(1));
}

CAF_TEST(a_batch_running_longer_than_run_timeout_answers_timeout) {
  auto q = make_queue(10, 64, false, std::chrono::seconds(30), 0,
                      std::chrono::seconds(2));
  submit(q, 0, niceness(0)); // runs, and the database stops answering
  submit(q, 1, niceness(0)); // waits for the only writer
  advance_time(std::chrono::milliseconds(1999));
  settle();
  CAF_CHECK(!outcome[0].has_value());
  advance_time(std::chrono::milliseconds(1));
  settle();
  CAF_REQUIRE(failed_with(0, errc::timeout));
  CAF_CHECK_NOT_EQUAL(sys.render(*outcome[0]).find("may still commit"),
                      std::string::npos);
  CAF_CHECK(!outcome[1].has_value()); // the writer is still busy
  // The answer comes after all: the writer serves again and takes job 1.
  complete(*writer_log);
  CAF_CHECK(!succeeded(0) && failed_with(0, errc::timeout)); // answered once
  CAF_CHECK_EQUAL(flat(*writer_log), (std::vector<int>{0, 1}));
  complete(*writer_log);
  CAF_CHECK(succeeded(1));
}

CAF_TEST(a_connection_that_cannot_open_for_good_fails_the_batch_at_once) {
  auto q = make_queue(10, 1, false, std::chrono::seconds(30));
  submit(q, 0, niceness(0));
  complete(*writer_log, {make_error(errc::database_error, "no such file")},
           false);
  CAF_CHECK(failed_with(0, errc::database_error));
}

CAF_TEST(a_connection_that_cannot_open_for_good_fails_what_waits_at_once) {
  auto q = make_queue(10, 1, false, std::chrono::seconds(30));
  submit(q, 0, niceness(0));
  submit(q, 1, niceness(0));
  submit(q, 2, niceness(5));
  complete(*writer_log,
           {make_error(errc::database_error, "database \"x\" does not exist")},
           false);
  // Every job would meet the same refusal: none waits for another attempt.
  for (int i = 0; i < 3; ++i)
    CAF_CHECK(failed_with(i, errc::database_error));
  CAF_CHECK_EQUAL(writer_log->batches.size(), 1u);
  CAF_CHECK_EQUAL(writer_log->connects, 0);
  // Later work tries the connection again.
  submit(q, 3, niceness(0));
  CAF_REQUIRE_EQUAL(writer_log->batches.size(), 2u);
  complete(*writer_log);
  CAF_CHECK(succeeded(3));
}

CAF_TEST(a_permanent_error_while_reconnecting_ends_the_retries) {
  auto q = make_queue(10, 1, false, std::chrono::seconds(30));
  submit(q, 0, niceness(0));
  submit(q, 1, niceness(0));
  auto down = make_retryable_error(errc::database_error, "server is down");
  complete(*writer_log, {down}, false); // 0 never started: backoff
  CAF_CHECK(!outcome[0].has_value());
  writer_log->connect_error =
      make_error(errc::database_error, "password authentication failed");
  advance_time(std::chrono::milliseconds(50)); // the retry is refused
  settle();
  CAF_CHECK_EQUAL(writer_log->connects, 1);
  CAF_CHECK(failed_with(0, errc::database_error));
  CAF_CHECK(failed_with(1, errc::database_error));
  CAF_CHECK(outcome[1] &&
            sys.render(*outcome[1]).find("password") != std::string::npos);
  advance_time(std::chrono::seconds(10)); // no further attempts
  settle();
  CAF_CHECK_EQUAL(writer_log->connects, 1);
  // Later work tries the connection again.
  writer_log->connect_error = caf::error{};
  submit(q, 2, niceness(0));
  CAF_REQUIRE_EQUAL(writer_log->batches.size(), 2u);
  complete(*writer_log);
  CAF_CHECK(succeeded(2));
}

CAF_TEST(busy_pool_opens_overflow_connections_and_closes_them_when_idle) {
  auto q = make_queue(10, 1, false, {}, 2);
  submit(q, 0, niceness(0)); // the pool's writer
  CAF_CHECK(overflow_logs.empty());
  submit(q, 1, niceness(0)); // first extra writer
  submit(q, 2, niceness(0)); // second extra writer
  let_extra_writers_open();
  CAF_CHECK_EQUAL(overflow_logs.size(), 1u); // 2 waits: 1's batch started
  let_extra_writers_open();
  submit(q, 3, niceness(0)); // waits: max_overflow reached
  CAF_REQUIRE_EQUAL(overflow_logs.size(), 2u);
  CAF_CHECK_EQUAL(flat(*overflow_logs[0]), (std::vector<int>{1}));
  CAF_CHECK_EQUAL(flat(*overflow_logs[1]), (std::vector<int>{2}));
  CAF_CHECK(!outcome[3].has_value());
  complete(*overflow_logs[0]); // 3 waits for the pool's writer first
  CAF_CHECK(succeeded(1));
  CAF_CHECK_EQUAL(flat(*overflow_logs[0]), (std::vector<int>{1}));
  advance_time(std::chrono::milliseconds(6)); // two batches of 3 ms
  settle();
  CAF_CHECK_EQUAL(flat(*overflow_logs[0]), (std::vector<int>{1, 3}));
  complete(*overflow_logs[1]); // nothing waits: idle, still open
  CAF_CHECK(succeeded(2));
  CAF_CHECK(!overflow_logs[1]->closed);
  advance_time(std::chrono::milliseconds(999));
  settle();
  CAF_CHECK(!overflow_logs[1]->closed);
  advance_time(std::chrono::milliseconds(1)); // a second without work
  settle();
  CAF_CHECK(overflow_logs[1]->closed);
  complete(*overflow_logs[0]);
  CAF_CHECK(succeeded(3));
  complete(*writer_log);
  CAF_CHECK(succeeded(0));
  advance_time(std::chrono::seconds(1));
  settle();
  CAF_CHECK(overflow_logs[0]->closed);
  CAF_CHECK(!writer_log->closed); // the pool stays open
  queue_status st;
  test::ask(
      sys, q, [&](queue_status& x) { st = x; }, [](caf::error&) {},
      status_atom::value);
  settle();
  CAF_CHECK_EQUAL(st.connections, 1u);
}

// A connection that went down while it waited to reconnect left its backoff
// behind, and any backoff stops the queue from opening extra writers: after
// one such loss, a busy pool never overflowed again.
CAF_TEST(a_connection_lost_while_reconnecting_does_not_stop_overflow) {
  auto q = make_queue(10, 1, true, std::chrono::seconds(30), 1);
  submit(q, 0, niceness(0), access_mode::read);
  auto down = make_retryable_error(errc::database_error, "server is down");
  complete(*reader_log, {down}, false); // 0 never started: backoff
  reader_log->open.clear();
  caf::anon_send_exit(reader_fake, caf::exit_reason::kill);
  settle();
  CAF_CHECK(failed_with(0, errc::database_error)); // no reader left
  advance_time(std::chrono::milliseconds(50)); // its retry finds it gone
  settle();
  submit(q, 1, niceness(0)); // the pool's writer
  submit(q, 2, niceness(0)); // the writer is busy: an extra writer
  let_extra_writers_open();
  CAF_REQUIRE_EQUAL(overflow_logs.size(), 1u);
  CAF_CHECK_EQUAL(flat(*overflow_logs[0]), (std::vector<int>{2}));
  complete(*overflow_logs[0]);
  complete(*writer_log);
  CAF_CHECK(succeeded(1) && succeeded(2));
}

CAF_TEST_FIXTURE_SCOPE_END()
