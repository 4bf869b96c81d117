// sasync-bench: measured figures for sasync's claims.
// group-commit: many concurrent writers on an items group, with the queue's
// group commit on, then forced to one transaction per request, same run.
// scan: a large result through a cursor vs the raw library (bench_scan.cpp).
#include "bench_scan.hpp"

#include "actors/broker.hpp"
#include "actors/client.hpp"
#include "actors/system_config.hpp"
#include "storage/connection.hpp"
#include "storage/engine_config.hpp"
#include "storage/storage_failure.hpp"

#include <caf/actor_system.hpp>
#include <caf/config_option_adder.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <iostream>
#include <string>

namespace {

struct bench_config : sasync::system_config {
  std::size_t writers = 64;
  std::size_t requests = 40;
  std::uint64_t rows = 10'000'000;
  std::uint32_t batch = 1000;
  bench_config() {
    caf::config_option_adder{custom_options_, "bench"}
        .add(writers, "writers", "group-commit: concurrent writers (64)")
        .add(requests, "requests",
             "group-commit: sets per writer, one after another (40)")
        .add(rows, "rows", "scan: rows in the table read (10000000)")
        .add(batch, "batch", "scan: rows per fetch (1000)");
  }
};

int usage() {
  std::cerr << "usage: sasync-bench group-commit [URL] [--bench.writers=N] "
               "[--bench.requests=N] [--sasync.KEY=VALUE ...]\n"
               "       sasync-bench scan [URL] [--bench.rows=N] "
               "[--bench.batch=N]\n"
               "  URL defaults to sqlite:///sasync-bench.db (removed first)\n";
  return 1;
}

/// Starts from an empty items table.
void reset(const sasync::engine_config& engine) {
  if (engine.dialect == sasync::dialect_kind::sqlite) {
    if (engine.in_memory())
      return;
    for (auto suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(engine.database + suffix);
    return;
  }
  auto conn = sasync::open_connection(engine, sasync::access_mode::write);
  conn->execute_script("DROP TABLE IF EXISTS sasync_items");
}

struct run_result {
  std::size_t requests = 0;
  std::size_t failed = 0;
  double seconds = 0;
  std::uint64_t transactions = 0;
};

/// One writer: `count` sets, each sent after the previous one's answer.
caf::behavior writer(caf::event_based_actor* self, sasync::items store,
                     std::size_t id, std::size_t count,
                     std::shared_ptr<std::atomic<std::size_t>> left,
                     std::shared_ptr<std::atomic<std::size_t>> failed,
                     std::shared_ptr<std::promise<void>> all_done) {
  auto name = "writer-" + std::to_string(id);
  auto answered = [=](std::size_t n) {
    if (left->fetch_sub(1) == 1)
      all_done->set_value();
    if (n + 1 < count)
      self->send(self, n + 1);
    else
      self->quit();
  };
  self->send(self, std::size_t{0});
  return {[=](std::size_t n) {
    sasync::set(
        self, store, name, static_cast<std::int64_t>(n), [=] { answered(n); },
        [=](caf::error&) {
          ++*failed;
          answered(n);
        });
  }};
}

run_result run(caf::actor_system& sys, const sasync::engine_config& engine,
               std::size_t max_batch, std::size_t writers,
               std::size_t requests) {
  reset(engine);
  caf::scoped_actor self{sys};
  sasync::broker_config bc;
  bc.engine = engine;
  bc.max_batch = max_batch;
  auto db = sasync::spawn_broker(sys, bc);
  auto store = sasync::items_of(self, db, 1);
  if (!store)
    throw std::runtime_error(sys.render(store.error()));
  sasync::broker_status before;
  self->request(db, caf::infinite, sasync::status_atom::value)
      .receive([&](sasync::broker_status& x) { before = x; },
               [](caf::error&) {});
  auto left = std::make_shared<std::atomic<std::size_t>>(writers * requests);
  auto failed = std::make_shared<std::atomic<std::size_t>>(0);
  auto all_done = std::make_shared<std::promise<void>>();
  auto done = all_done->get_future();
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < writers; ++i)
    sys.spawn(writer, *store, i, requests, left, failed, all_done);
  done.wait();
  auto t1 = std::chrono::steady_clock::now();
  run_result out;
  out.requests = writers * requests;
  out.failed = *failed;
  out.seconds = std::chrono::duration<double>(t1 - t0).count();
  self->request(db, caf::infinite, sasync::status_atom::value)
      .receive(
          [&](sasync::broker_status& x) {
            out.transactions = x.queue.batches - before.queue.batches;
          },
          [](caf::error&) {});
  self->request(db, caf::infinite, sasync::shutdown_atom::value)
      .receive([] {}, [](caf::error&) {});
  return out;
}

void print_row(const char* mode, const run_result& r) {
  std::printf("%-22s %9zu %7zu %9.3f %12.0f %13llu %10.1f\n", mode, r.requests,
              r.failed, r.seconds, r.requests / r.seconds,
              static_cast<unsigned long long>(r.transactions),
              r.transactions ? double(r.requests) / r.transactions : 0.0);
}

int group_commit(caf::actor_system& sys, const sasync::engine_config& engine,
                 const bench_config& cfg) {
  std::cout << "group commit: " << cfg.writers << " writers x " << cfg.requests
            << " sets each (one in flight per writer) on "
            << engine.display_url() << "\n";
  if (engine.dialect == sasync::dialect_kind::sqlite)
    std::cout << "sqlite synchronous=" << engine.synchronous
              << " journal_mode=" << engine.journal_mode << "\n";
  else
    std::cout << "postgresql pool_size=" << engine.pool_size
              << " max_overflow=" << engine.max_overflow << "\n";
  std::cout << "scheduler: work-stealing.moderate-poll-attempts="
            << caf::get_or(cfg, "work-stealing.moderate-poll-attempts",
                           std::size_t{0})
            << "\n\n";
  std::printf("%-22s %9s %7s %9s %12s %13s %10s\n", "mode", "requests",
              "failed", "seconds", "requests/s", "transactions", "per tx");
  auto batched = run(sys, engine, 64, cfg.writers, cfg.requests);
  print_row("group commit (64)", batched);
  auto single = run(sys, engine, 1, cfg.writers, cfg.requests);
  print_row("one tx per request", single);
  std::printf("\ngroup commit / one tx per request: %.1fx requests/s\n",
              (batched.requests / batched.seconds) /
                  (single.requests / single.seconds));
  return batched.failed + single.failed == 0 ? 0 : 4;
}

} // namespace

int main(int argc, char** argv) {
  bench_config cfg;
  // CAF reads options only before the first positional argument.
  std::stable_partition(argv + 1, argv + argc,
                        [](const char* arg) { return arg[0] == '-'; });
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "sasync-bench: " << to_string(err) << '\n';
    return usage();
  }
  if (cfg.cli_helptext_printed)
    return 0;
  auto& args = cfg.remainder;
  if (args.empty() || args.size() > 2 ||
      (args[0] != "group-commit" && args[0] != "scan") || cfg.writers == 0 ||
      cfg.requests == 0 || cfg.rows == 0 || cfg.batch == 0 ||
      cfg.batch > sasync::max_fetch_rows)
    return usage();
  cfg.set("sasync.url", args.size() == 2
                            ? args[1]
                            : std::string{"sqlite:///sasync-bench.db"});
  try {
    auto engine = sasync::engine_from(cfg);
    caf::actor_system sys{cfg};
    if (args[0] == "scan") {
      reset(engine);
      return sasync::bench::scan(sys, engine, cfg.rows, cfg.batch);
    }
    return group_commit(sys, engine, cfg);
  } catch (const std::exception& e) {
    std::cerr << "sasync-bench: " << e.what() << '\n';
    return 4;
  }
}
