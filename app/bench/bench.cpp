// sasync-bench: sasync's speed and memory beside the raw libraries, in one
// process run. One figure a line, `name: value unit`; the operation's own
// throughput is always `sasync: N ops/s`.
#include "bench_cluster.hpp"
#include "bench_load.hpp"
#include "bench_node.hpp"
#include "bench_raw.hpp"
#include "bench_report.hpp"
#include "bench_scan.hpp"

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/metrics.hpp"
#include "sasync/storage/value_codec.hpp"

#include <caf/actor_system.hpp>
#include <caf/config_option_adder.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

namespace {

using namespace sasync::bench;

struct bench_config : sasync::system_config {
  std::uint64_t ops = 100'000;
  std::size_t concurrency = 64;
  std::size_t value_size = 100;
  bool remote = false;
  std::string node;
  std::uint64_t rows = 10'000'000;
  std::uint32_t batch = 1000;
  std::size_t cluster = 0;
  bool metrics = false;
  bench_config() {
    caf::config_option_adder{custom_options_, "global"}
        .add(ops, "ops", "set, get, mixed: operations (100000)")
        .add(concurrency, "concurrency",
             "client actors, each with one request in flight (64)")
        .add(value_size, "value-size", "bytes of each stored string (100)")
        .add(remote, "remote",
             "also run through a sasyncd node on loopback; `sasync:` is then "
             "the remote figure")
        .add(node, "node",
             "HOST:PORT: only through this running sasyncd (no baselines, "
             "nothing removed)")
        .add(rows, "rows", "scan: rows in the table read (10000000)")
        .add(batch, "batch", "scan: rows per fetch (1000)")
        .add(cluster, "cluster",
             "N: also run through N sasyncd nodes in cluster mode "
             "(PostgreSQL), sent to the group's owner and to another node")
        .add(metrics, "metrics",
             "also run in-process with sasyncd's /metrics counting on, "
             "between two runs with it off");
    load<caf::io::middleman>(); // --remote
  }
};

int usage() {
  std::cerr << "usage: sasync-bench set|get|mixed|scan [URL] [--ops=N] "
               "[--concurrency=N] [--value-size=N] [--remote] [--rows=N] "
               "[--batch=N] [--metrics] [--sasync.KEY=VALUE ...]\n"
               "       sasync-bench set|get|mixed --node=HOST:PORT [--ops=N] "
               "[--concurrency=N] [--value-size=N]\n"
               "       sasync-bench set|get|mixed postgresql://... --cluster=N "
               "(1 to 9) [--ops=N] ...\n"
               "  URL defaults to sqlite:///sasync-bench.db (removed first)\n"
               "  exit codes: 0 figures printed, 1 usage, 4 a run failed\n";
  return 1;
}

/// Starts from an empty database: the SQLite file goes, PostgreSQL's
/// tables are dropped.
void reset(const sasync::engine_config& engine) {
  if (engine.dialect == sasync::dialect_kind::sqlite) {
    if (engine.in_memory())
      return;
    for (auto suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(engine.path + suffix);
    return;
  }
  auto conn = sasync::open_connection(engine, sasync::access_mode::write);
  conn->execute_script("DROP TABLE IF EXISTS sasync_items");
  conn->execute_script("DROP TABLE IF EXISTS sasync_scan");
}

void print_settings(const sasync::engine_config& engine,
                    const bench_config& cfg, const char* op) {
  setting("operation", op);
  setting("url", engine.display_url());
  if (engine.dialect == sasync::dialect_kind::sqlite) {
    setting("synchronous", engine.synchronous);
    setting("journal_mode", engine.journal_mode);
  }
  figure("pool_size", static_cast<double>(engine.pool_size), "connections");
  if (engine.dialect == sasync::dialect_kind::postgresql)
    figure("max_overflow", static_cast<double>(engine.max_overflow),
           "connections");
  setting("remote", cfg.remote ? "yes (sasyncd on 127.0.0.1)" : "no");
}

/// The options a --remote node gets: the benchmark's own database options.
std::vector<std::string> node_options(int argc, char** argv,
                                      const std::string& url) {
  std::vector<std::string> out{"--sasync.url=" + url};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--sasync.", 0) == 0 && arg.rfind("--sasync.url", 0) != 0)
      out.emplace_back(arg);
    if (arg.rfind("--work-stealing.", 0) == 0 ||
        arg.rfind("--scheduler.", 0) == 0)
      out.emplace_back(arg);
  }
  return out;
}

void print_load(const std::string& name, load_result& r) {
  figure(name, r.rate.per_second(), "ops/s");
  figure(name + "_p50", r.lat.percentile_us(50), "us", 1);
  figure(name + "_p99", r.lat.percentile_us(99), "us", 1);
  // Where the time goes: CPU, context switches and wake-ups per operation,
  // and how many of the machine's cores the process kept busy.
  per_op_figures(name, r.rate.used, r.rate.ops);
  figure(name + "_cores_busy", r.rate.used.cpu_seconds / r.rate.seconds,
         "cores", 2);
  if (r.failed > 0)
    figure(name + "_failed", static_cast<double>(r.failed), "ops");
}

void print_workload(const bench_config& cfg, const workload& w) {
  figure("ops", static_cast<double>(w.ops), "ops");
  figure("concurrency", static_cast<double>(cfg.concurrency), "clients");
  figure("value_size", static_cast<double>(cfg.value_size), "bytes");
}

/// Says on stderr how many operations of `r` failed, if any did.
bool report_failures(const load_result& r) {
  if (r.failed == 0)
    return false;
  std::cerr << "sasync-bench: " << r.failed
            << " operations failed; the first: " << r.first_error << '\n';
  return true;
}

sasync::node connect_or_throw(caf::actor_system& sys, const std::string& host,
                              std::uint16_t port) {
  auto node = sasync::connect_node(sys, host, port);
  if (!node)
    throw std::runtime_error("connect_node: " + sys.render(node.error()));
  return *node;
}

/// The workload through the items actor of `group` on `db`.
load_result through(caf::actor_system& sys, const sasync::node& db,
                    std::int64_t group, const workload& w,
                    std::size_t clients) {
  caf::scoped_actor self{sys};
  auto store = sasync::items_of(self, db, group);
  if (!store)
    throw std::runtime_error("items_of: " + sys.render(store.error()));
  return run_load(sys, *store, w, clients);
}

struct remote_result {
  load_result load;
  process_usage node_used;  ///< by the daemon during the run
  double node_peak_rss = 0; ///< MB
};

/// The workload through a sasyncd started for it, on loopback.
remote_result through_node(caf::actor_system& sys,
                           const std::vector<std::string>& node_opts,
                           std::int64_t group, const workload& w,
                           std::size_t clients) {
  local_node daemon{node_opts};
  auto node = connect_or_throw(sys, "127.0.0.1", daemon.port());
  remote_result out;
  auto before = daemon.usage();
  out.load = through(sys, node, group, w, clients);
  out.node_used = daemon.usage() - before;
  sasync::disconnect_node(node);
  out.node_peak_rss = daemon.peak_rss_mb();
  if (auto code = daemon.stop(); code != 0)
    throw std::runtime_error("sasyncd exited with " + std::to_string(code));
  return out;
}

/// After the in-process run (which wrote the names first): runs with
/// metrics counting and without, taking turns twice, so their cost shows
/// beside the noise between runs alike.
struct metrics_cost {
  double on = 0;  ///< mean ops/s of the runs with metrics
  double off = 0; ///< and without
  load_result last_on;
};

metrics_cost measure_metrics_cost(caf::actor_system& sys,
                                  const sasync::broker& db, const workload& w,
                                  std::size_t clients) {
  metrics_cost out;
  for (int turn = 0; turn < 2; ++turn) {
    sasync::metrics::enable(true);
    out.last_on = through(sys, db, sasync::bench::sasync_group, w, clients);
    out.on += out.last_on.rate.per_second() / 2;
    sasync::metrics::enable(false);
    auto off = through(sys, db, sasync::bench::sasync_group, w, clients);
    out.off += off.rate.per_second() / 2;
  }
  return out;
}

workload make_workload(const bench_config& cfg, operation op) {
  workload w;
  w.op = op;
  w.ops = cfg.ops;
  w.keys = std::min<std::uint64_t>(cfg.ops, 100'000);
  w.payload.assign(cfg.value_size, 'v');
  w.encoded = sasync::encode(w.payload);
  w.durable_ops = std::min<std::uint64_t>(cfg.ops, 5'000);
  w.wave = cfg.concurrency;
  return w;
}

/// The workload against a node that runs already (a deployment, or the
/// soak script's): no baselines, nothing removed; gets and mixed runs set
/// the names they read first.
int node_run(caf::actor_system& sys, const bench_config& cfg, operation op,
             const std::string& host, std::uint16_t port) {
  auto w = make_workload(cfg, op);
  setting("operation", to_string(op));
  setting("node", host + ":" + std::to_string(port));
  print_workload(cfg, w);
  auto node = connect_or_throw(sys, host, port);
  if (op != operation::set) {
    auto fill = w;
    fill.op = operation::set;
    fill.ops = w.keys;
    through(sys, node, sasync_group, fill, cfg.concurrency);
  }
  auto r = through(sys, node, sasync_group, w, cfg.concurrency);
  sasync::disconnect_node(node);
  print_load("sasync", r);
  figure("peak_rss", peak_rss_mb(), "MB", 1);
  return report_failures(r) ? 4 : 0;
}

int operation_run(caf::actor_system& sys, const sasync::engine_config& engine,
                  const bench_config& cfg, operation op,
                  const std::vector<std::string>& node_opts) {
  auto w = make_workload(cfg, op);
  print_settings(engine, cfg, to_string(op));
  print_workload(cfg, w);
  reset(engine);
  prepare_items(engine, w);
  // Raw first, while no broker holds the database.
  auto baselines = engine.dialect == sasync::dialect_kind::sqlite
                       ? sqlite_baselines(engine, w)
                       : postgresql_baselines(engine, w);
  for (auto& b : baselines) {
    figure(b.name, b.rate.per_second(), "ops/s");
    if (b.rate.ops != w.ops)
      figure(b.name + "_ops", static_cast<double>(b.rate.ops), "ops");
    if (b.lat.size() > 0) {
      figure(b.name + "_p50", b.lat.percentile_us(50), "us", 1);
      figure(b.name + "_p99", b.lat.percentile_us(99), "us", 1);
    }
    per_op_figures(b.name, b.rate.used, b.rate.ops);
  }
  // The machine's cost of one hand-off between threads, for the one-client
  // latency's target: within 3x of the raw p50 plus one wake-up.
  auto wakeups = thread_wakeups(20'000);
  figure("thread_wakeup_p50", wakeups.percentile_us(50), "us", 1);
  sasync::broker_config bc;
  bc.engine = engine;
  bc.queue_capacity = sasync::queue_capacity_from(sys.config());
  bc.dict_cache_capacity = sasync::dict_cache_capacity_from(sys.config());
  auto db = sasync::spawn_broker(sys, bc);
  caf::scoped_actor self{sys};
  auto batches = [&] {
    auto st = sasync::status(self, db, caf::infinite);
    return st ? st->queue.batches : std::uint64_t{0};
  };
  auto before = batches();
  auto local =
      through(sys, db, sasync::bench::sasync_group, w, cfg.concurrency);
  auto transactions = batches() - before;
  std::optional<metrics_cost> cost;
  if (cfg.metrics)
    cost = measure_metrics_cost(sys, db, w, cfg.concurrency);
  sasync::shutdown(self, db, caf::infinite);
  std::optional<remote_result> remote;
  if (cfg.remote)
    remote = through_node(sys, node_opts,
                          op == operation::set ? remote_group : sasync_group, w,
                          cfg.concurrency);
  if (remote)
    print_load("in_process", local);
  auto& ours = remote ? remote->load : local;
  print_load("sasync", ours);
  if (!remote && op != operation::get && transactions > 0)
    figure("sasync_ops_per_transaction",
           static_cast<double>(w.ops) / static_cast<double>(transactions),
           "ops", 1);
  for (auto& b : baselines)
    ratio("sasync_vs_" + b.name, ours.rate.per_second(), b.rate.per_second());
  if (cfg.concurrency == 1)
    for (auto& b : baselines)
      if (b.lat.size() > 0)
        ratio("sasync_p50_vs_" + b.name + "_p50_plus_wakeup",
              ours.lat.percentile_us(50),
              b.lat.percentile_us(50) + wakeups.percentile_us(50));
  if (remote)
    ratio("sasync_vs_in_process", ours.rate.per_second(),
          local.rate.per_second());
  if (cost) {
    print_load("metrics_on", cost->last_on);
    figure("metrics_on_mean", cost->on, "ops/s");
    figure("metrics_off_mean", cost->off, "ops/s");
    ratio("metrics_on_vs_off", cost->on, cost->off);
  }
  figure("peak_rss", peak_rss_mb(), "MB", 1);
  if (remote) {
    per_op_figures("node", remote->node_used, w.ops);
    figure("node_peak_rss", remote->node_peak_rss, "MB", 1);
  }
  if (report_failures(local) || (remote && report_failures(remote->load)))
    return 4;
  return 0;
}

/// The workload through one sasyncd and through a cluster of
/// `cfg.cluster` nodes (bench_cluster.hpp), with the raw baselines of the
/// same run.
int cluster_run(caf::actor_system& sys, const sasync::engine_config& engine,
                const bench_config& cfg, operation op,
                const std::vector<std::string>& node_opts) {
  auto w = make_workload(cfg, op);
  print_settings(engine, cfg, to_string(op));
  figure("cluster_nodes", static_cast<double>(cfg.cluster), "nodes");
  print_workload(cfg, w);
  reset(engine);
  prepare_items(engine, w);
  auto baselines = postgresql_baselines(engine, w);
  for (auto& b : baselines) {
    figure(b.name, b.rate.per_second(), "ops/s");
    if (b.rate.ops != w.ops)
      figure(b.name + "_ops", static_cast<double>(b.rate.ops), "ops");
    per_op_figures(b.name, b.rate.used, b.rate.ops);
  }
  auto r = run_cluster(sys, engine, node_opts, cfg.cluster, w, cfg.concurrency);
  print_load("single_node", r.single.load);
  per_op_figures("single_node_node", r.single.owner_used, w.ops);
  setting("cluster_owner_address", r.owner_address);
  print_load("cluster_owner", r.owner.load);
  per_op_figures("cluster_owner_node", r.owner.owner_used, w.ops);
  if (r.other) {
    print_load("cluster_other", r.other->load);
    per_op_figures("cluster_other_owner", r.other->owner_used, w.ops);
    per_op_figures("cluster_other_relay", r.other->relay_used, w.ops);
  }
  // `sasync:` is what a client of another node than the owner gets (every
  // group but 1 in N), or the owner's figure on one node.
  auto& ours = r.other ? r.other->load : r.owner.load;
  print_load("sasync", ours);
  auto single = r.single.load.rate.per_second();
  ratio("cluster_owner_vs_single_node", r.owner.load.rate.per_second(),
        single);
  if (r.other) {
    ratio("cluster_other_vs_single_node", r.other->load.rate.per_second(),
          single);
    ratio("cluster_other_vs_cluster_owner", r.other->load.rate.per_second(),
          r.owner.load.rate.per_second());
  }
  for (auto& b : baselines)
    ratio("sasync_vs_" + b.name, ours.rate.per_second(), b.rate.per_second());
  figure("peak_rss", peak_rss_mb(), "MB", 1);
  auto failed = report_failures(r.single.load);
  failed = report_failures(r.owner.load) || failed;
  if (r.other)
    failed = report_failures(r.other->load) || failed;
  return failed ? 4 : 0;
}

operation operation_of(const std::string& name) {
  return name == "set"   ? operation::set
         : name == "get" ? operation::get
                         : operation::mixed;
}

/// HOST:PORT, or none when malformed.
std::optional<std::pair<std::string, std::uint16_t>>
host_and_port(const std::string& text) {
  auto colon = text.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      std::sscanf(text.c_str() + colon + 1, "%d", &port) != 1 || port <= 0 ||
      port > 65535)
    return std::nullopt;
  return std::make_pair(text.substr(0, colon),
                        static_cast<std::uint16_t>(port));
}

int scan_run(caf::actor_system& sys, const sasync::engine_config& engine,
             const bench_config& cfg,
             const std::vector<std::string>& node_opts) {
  print_settings(engine, cfg, "scan");
  reset(engine);
  if (!cfg.remote)
    return scan(sys, engine, cfg.rows, cfg.batch, nullptr);
  local_node daemon{node_opts};
  auto node = connect_or_throw(sys, "127.0.0.1", daemon.port());
  auto code = scan(sys, engine, cfg.rows, cfg.batch, &node);
  sasync::disconnect_node(node);
  figure("node_peak_rss", daemon.peak_rss_mb(), "MB", 1);
  daemon.stop();
  return code;
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
  static const std::vector<std::string> ops{"set", "get", "mixed", "scan"};
  if (args.empty() || args.size() > 2 ||
      std::find(ops.begin(), ops.end(), args[0]) == ops.end() || cfg.ops == 0 ||
      cfg.concurrency == 0 || cfg.rows == 0 || cfg.batch == 0 ||
      cfg.batch > sasync::max_fetch_rows || cfg.value_size > 1'000'000 ||
      cfg.cluster > 9)
    return usage();
  auto node = host_and_port(cfg.node);
  if (!cfg.node.empty() && (!node || args.size() != 1 || args[0] == "scan"))
    return usage();
  auto url =
      args.size() == 2 ? args[1] : std::string{"sqlite:///sasync-bench.db"};
  cfg.set("sasync.url", url);
  sasync::engine_config engine;
  try {
    engine = sasync::engine_from(cfg);
  } catch (const std::exception& e) { // a malformed URL or option
    std::cerr << "sasync-bench: " << e.what() << '\n';
    return 1;
  }
  if (cfg.cluster > 0 &&
      (engine.dialect != sasync::dialect_kind::postgresql || node ||
       cfg.remote || args[0] == "scan")) {
    std::cerr << "sasync-bench: --cluster needs set, get or mixed on a "
                 "postgresql:// URL, without --node or --remote\n";
    return 1;
  }
  try {
    caf::actor_system sys{cfg};
    if (node)
      return node_run(sys, cfg, operation_of(args[0]), node->first,
                      node->second);
    auto node_opts = node_options(argc, argv, url);
    if (args[0] == "scan")
      return scan_run(sys, engine, cfg, node_opts);
    if (cfg.cluster > 0)
      return cluster_run(sys, engine, cfg, operation_of(args[0]), node_opts);
    return operation_run(sys, engine, cfg, operation_of(args[0]), node_opts);
  } catch (const std::exception& e) {
    std::cerr << "sasync-bench: " << e.what() << '\n';
    return 4;
  }
}
