// sasync-example: a broker on a database file, a table, and transactions at
// several priorities, printed in the order the database ran them.
#include "sasync/actors/broker.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/actors/transact.hpp"
#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

sasync::table_def events_table() {
  using sasync::column_type;
  return {"events",
          {{"id", column_type::integer, false, true, true},
           {"label", column_type::text, false},
           {"priority", column_type::text, false},
           {"payload", column_type::integer, true}},
          {{"by_label", {"label"}, false}}};
}

/// Holds the warm-ups on their connections until main lets them go: the
/// first once every step waits in line, the others once the steps are
/// done. One connection then serves the steps one after another, in the
/// queue's order; steps on several freed connections would run side by
/// side and start in any order.
class warm_up_gate {
public:
  void arrive() {
    std::lock_guard<std::mutex> guard{mtx_};
    ++arrived_;
    changed_.notify_all();
  }

  /// Whether `n` warm-ups hold a connection within `bound`.
  bool all_arrived(std::size_t n, std::chrono::seconds bound) {
    std::unique_lock<std::mutex> lock{mtx_};
    return changed_.wait_for(lock, bound, [&] { return arrived_ >= n; });
  }

  /// Waits until warm-up `index` may go (bounded: never holds forever).
  void wait_turn(std::size_t index) {
    std::unique_lock<std::mutex> lock{mtx_};
    changed_.wait_for(lock, std::chrono::seconds{60},
                      [&] { return index < let_go_; });
  }

  void let_go(std::size_t n) {
    std::lock_guard<std::mutex> guard{mtx_};
    let_go_ = n;
    changed_.notify_all();
  }

private:
  std::mutex mtx_;
  std::condition_variable changed_;
  std::size_t arrived_ = 0;
  std::size_t let_go_ = 0;
};

int usage(const char* argv0) {
  std::cerr << "usage: " << argv0
            << " [URL] [--config-file=FILE] [--sasync.KEY=VALUE ...]"
               "   (default sqlite:///sasync-example.db)\n";
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  sasync::system_config cfg;
  // CAF reads options only before the first positional argument.
  std::stable_partition(argv + 1, argv + argc,
                        [](const char* arg) { return arg[0] == '-'; });
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "sasync-example: " << to_string(err) << '\n';
    return usage(argv[0]);
  }
  if (cfg.cli_helptext_printed)
    return 0;
  if (cfg.remainder.size() > 1)
    return usage(argv[0]);
  // A URL given as argument wins over the config file.
  if (!cfg.remainder.empty())
    cfg.set("sasync.url", cfg.remainder.front());
  else if (!caf::get_if<std::string>(&cfg, "sasync.url"))
    cfg.set("sasync.url", "sqlite:///sasync-example.db");
  sasync::engine_config engine;
  try {
    engine = sasync::engine_from(cfg);
  } catch (const sasync::storage_failure& f) {
    std::cerr << "sasync-example: " << f.what() << '\n';
    return 1;
  }
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  sasync::broker_config bc;
  bc.engine = engine;
  bc.queue_capacity = sasync::queue_capacity_from(cfg);
  bc.dict_cache_capacity = sasync::dict_cache_capacity_from(cfg);
  bc.tables = {events_table()};
  bc.first = [](sasync::connection& c) { c.execute("DELETE FROM events"); };
  auto db = sasync::spawn_broker(sys, bc);
  std::cout << "broker on " << engine.display_url() << '\n';

  // Warm-ups occupy every writing connection (SQLite has one, a PostgreSQL
  // pool `pool_size` plus `max_overflow`) while the steps queue up; those
  // then start by priority, not in the order they were sent. Each records
  // when it started.
  auto writers = engine.dialect == sasync::dialect_kind::sqlite
                     ? std::size_t{1}
                     : engine.pool_size + engine.max_overflow;
  auto rows_each = static_cast<int>(20'000 / writers);
  auto started = std::make_shared<std::atomic<int>>(0);
  auto gate = std::make_shared<warm_up_gate>();
  std::vector<sasync::job_ptr> warm_ups;
  for (std::size_t w = 0; w < writers; ++w)
    warm_ups.emplace_back(sasync::make_job(
        sasync::access_mode::write,
        [rows_each, gate, w](sasync::transaction_scope& c) {
          gate->arrive();
          gate->wait_turn(w);
          for (int i = 0; i < rows_each; ++i)
            c.execute("INSERT INTO events (label, priority, payload) "
                      "VALUES (?, ?, ?)",
                      {"warm-up", "niceness(0)", i});
        }));
  struct step {
    const char* label;
    sasync::priority prio;
  };
  std::vector<step> steps{{"cleanup", sasync::do_last},
                          {"report", sasync::niceness(10)},
                          {"update", sasync::niceness(0)},
                          {"urgent", sasync::niceness(-10)},
                          {"schema-check", sasync::do_next}};
  using handle =
      decltype(self->request(db, caf::infinite, sasync::transact_atom::value,
                             sasync::job_ptr{}, sasync::do_next));
  std::vector<handle> warm_up_answers;
  for (auto& job : warm_ups)
    warm_up_answers.emplace_back(self->request(db, caf::infinite,
                                               sasync::transact_atom::value,
                                               job, sasync::niceness(0)));
  int rc = 0;
  auto on_error = [&](caf::error& err) {
    std::cerr << "sasync-example: " << sys.render(err) << '\n';
    rc = 4;
  };
  if (!gate->all_arrived(writers, std::chrono::seconds{30})) {
    std::cerr << "sasync-example: the warm-ups did not all get a connection "
                 "within 30 s\n";
    rc = 4;
  }
  std::vector<handle> pending;
  for (auto& s : steps) {
    auto work = sasync::make_job(
        sasync::access_mode::write, [s, started](sasync::transaction_scope& c) {
          c.execute("INSERT INTO events (label, "
                    "priority, payload) VALUES "
                    "(?, ?, ?)",
                    {s.label, to_string(s.prio), ++*started});
        });
    std::cout << "sent " << s.label << " at " << to_string(s.prio) << '\n';
    pending.emplace_back(self->request(db, caf::infinite,
                                       sasync::transact_atom::value,
                                       sasync::job_ptr{work}, s.prio));
  }
  // Every step waits in line before the first connection frees up. A
  // status that fails says why and ends the wait (rc = 4).
  auto waiting = [&] {
    std::uint64_t n = 0;
    self->request(db, caf::infinite, sasync::status_atom::value)
        .receive([&](sasync::broker_status& st) { n = st.queue.waiting; },
                 on_error);
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (rc == 0 && waiting() < steps.size()) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::cerr << "sasync-example: the steps were not all in line within "
                   "30 s\n";
      rc = 4;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  gate->let_go(1);
  warm_up_answers.front().receive([] {}, on_error);
  for (auto& p : pending)
    p.receive([] {}, on_error);
  gate->let_go(writers);
  for (std::size_t w = 1; w < warm_up_answers.size(); ++w)
    warm_up_answers[w].receive([] {}, on_error);

  // A read through raw SQL with a bound parameter.
  self->request(db, caf::infinite, sasync::sql_atom::value,
                std::string{"SELECT payload, label, priority FROM events "
                            "WHERE label <> ? ORDER BY payload"},
                std::vector<sasync::value>{"warm-up"})
      .receive(
          [&](sasync::result_set& rs) {
            std::cout << "started in this order:\n";
            for (auto& r : rs.rows)
              std::cout << "  " << to_display(r[0]) << '\t' << to_display(r[1])
                        << '\t' << to_display(r[2]) << '\n';
          },
          on_error);

  // A typed result from a local closure.
  auto count =
      sasync::transact(self, db,
                       [](sasync::transaction_scope& c) {
                         return c.execute("SELECT count(*) FROM events")
                             .rows.at(0)
                             .at(0)
                             .as_integer();
                       },
                       {sasync::niceness(0), sasync::access_mode::read});
  if (count)
    std::cout << "rows in events: " << *count << '\n';
  else
    on_error(count.error());

  self->request(db, caf::infinite, sasync::status_atom::value)
      .receive(
          [&](sasync::broker_status& st) {
            std::cout << "status: " << st.state << ", jobs done "
                      << st.queue.done << ", failed " << st.queue.failed
                      << ", transactions " << st.queue.batches << '\n';
          },
          on_error);
  self->request(db, caf::infinite, sasync::shutdown_atom::value)
      .receive([] { std::cout << "shut down cleanly\n"; }, on_error);
  return rc;
}
