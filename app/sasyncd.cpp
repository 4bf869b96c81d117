// sasyncd: a node that hosts one broker and publishes its entry actor.
// Started from a config file; SIGTERM or SIGINT drains and exits 0.
// --check-config checks everything a start checks short of listening.
//
// Exit codes: 0 stopped cleanly, 1 usage or bad config, 2 cannot listen,
// 4 database unreachable or the drain failed.
#include "metrics_endpoint.hpp"

#include "sasync/actors/broker.hpp"
#include "sasync/actors/cluster/cluster_membership.hpp"
#include "sasync/actors/cluster/cluster_options.hpp"
#include "sasync/actors/defaults.hpp"
#include "sasync/actors/in_words.hpp"
#include "sasync/actors/net/node.hpp"
#include "sasync/actors/net/tls_files.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/event_log.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <caf/actor_system.hpp>
#include <caf/config_option_adder.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/scoped_actor.hpp>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

namespace {

struct daemon_config : sasync::system_config {
  std::string host = sasync::defaults::node_host;
  std::uint16_t port = sasync::defaults::node_port;
  bool insecure = false;
  bool check_only = false;
  sasync::node_limits limits;
  std::string log_level = "info";
  std::string log_file;
  std::int64_t slow_statement_ms = 0;
  std::int64_t metrics_port = -1;
  std::string metrics_host = "127.0.0.1";

  daemon_config() {
    caf::config_option_adder{custom_options_, "global"}.add(
        check_only, "check-config",
        "check the config and that the database answers, then exit "
        "without listening");
    caf::config_option_adder{custom_options_, "node"}
        .add(host, "host",
             sasync::defaults::help("address to listen on",
                                    sasync::defaults::node_host))
        .add(port, "port",
             sasync::defaults::help("port to listen on; 0 picks a free one",
                                    sasync::defaults::node_port))
        .add(insecure, "insecure",
             "listen on a non-loopback address without TLS")
        .add(limits.statement_bytes, "max-statement-bytes",
             "longest SQL statement a peer may send (1048576)")
        .add(limits.parameters, "max-parameters",
             "most bound parameters in one statement (32766)")
        .add(limits.value_bytes, "max-value-bytes",
             "largest text or blob parameter (16777216)")
        .add(limits.allow_ddl, "allow-ddl",
             "let peers run DDL (CREATE, DROP, ALTER, ...) through sql "
             "(false)")
        .add(wire.message_bytes, "max-message-bytes",
             "largest message a peer may send over plain TCP (83886080)")
        .add(wire.connections, "max-connections",
             "connections open at once over plain TCP (1024)")
        .add(wire.handshake_timeout, "handshake-timeout",
             "seconds a plain TCP peer has to complete its handshake (5)")
        .add(wire.handshake_bytes, "max-handshake-bytes",
             "largest handshake a plain TCP peer may send (65536)")
        .add(wire.handshake_total_bytes, "max-handshake-total-bytes",
             "what all peers may claim together before their handshakes "
             "(8388608)");
    caf::config_option_adder{custom_options_, "log"}
        .add(log_level, "level",
             "error, warn, info or debug: the least an event must be to be "
             "logged (info)")
        .add(log_file, "file", "file the log is appended to (stderr)")
        .add(slow_statement_ms, "slow-statement-ms",
             "log statements that take longer, values masked (0: off)");
    caf::config_option_adder{custom_options_, "metrics"}
        .add(metrics_port, "port",
             "serve Prometheus metrics at http://HOST:PORT/metrics; 0 picks "
             "a free port (-1: off)")
        .add(metrics_host, "host", "address the metrics listen on "
                                   "(127.0.0.1)");
    sasync::add_cluster_options(custom_options_);
    bounds.push_back(sasync::cluster_lease_bounds);
    sasync::load_guarded_middleman(*this);
    load<caf::openssl::manager>();
  }
};

int fail(int code, const std::string& line) {
  std::cerr << "sasyncd: " << line << '\n';
  return code;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

/// How long a node in cluster mode keeps its connections after it left.
constexpr auto handover_grace = std::chrono::milliseconds{300};

/// SIGTERM and SIGINT: blocked in every thread, taken by sigwait().
sigset_t stop_signals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  return stop;
}

/// Blocks until SIGTERM or SIGINT; returns its name.
const char* await_stop_signal() {
  auto stop = stop_signals();
  int sig = 0;
  sigwait(&stop, &sig);
  return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

int run(daemon_config& cfg) {
  sasync::engine_config engine;
  try {
    engine = sasync::engine_from(cfg);
  } catch (const sasync::storage_failure& f) {
    return fail(1, std::string{"bad [sasync] option: "} + f.what());
  }
  auto cluster = sasync::cluster_from(cfg);
  if (auto why = sasync::check_cluster(cluster, engine); !why.empty())
    return fail(1, why);
  auto& lim = cfg.limits;
  if (lim.statement_bytes == 0 || lim.parameters == 0 || lim.value_bytes == 0)
    return fail(1, "node.max-statement-bytes, node.max-parameters and "
                   "node.max-value-bytes must be at least 1");
  if (auto why = sasync::check_limits(cfg.wire); !why.empty())
    return fail(1, why);
  auto level = sasync::parse_log_level(cfg.log_level);
  if (!level)
    return fail(1, "log.level must be error, warn, info or debug, not '" +
                       cfg.log_level + "'");
  if (cfg.slow_statement_ms < 0)
    return fail(1, "log.slow-statement-ms must be 0 (off) or more");
  if (cfg.metrics_port < -1 || cfg.metrics_port > 65535)
    return fail(1, "metrics.port must be -1 (off) or 0 to 65535, not " +
                       std::to_string(cfg.metrics_port));
  auto tls = sasync::tls_configured(cfg);
  if (tls) {
    auto why =
        sasync::check_tls_files(cfg.openssl_certificate, cfg.openssl_key,
                                cfg.openssl_cafile, cfg.openssl_passphrase);
    if (!why.empty())
      return fail(1, why);
  }
  if (!is_loopback(cfg.host) && !tls && !cfg.insecure)
    return fail(1, "listening on " + cfg.host +
                       " needs TLS: set openssl.certificate, openssl.key "
                       "and openssl.cafile (or pass --node.insecure)");
  try {
    // Refuse to listen for work the database cannot take.
    sasync::open_connection(engine, sasync::access_mode::write);
  } catch (const sasync::storage_failure& f) {
    return fail(4, f.what());
  }
  if (cfg.check_only) {
    std::printf("sasyncd: config %s is good: the database answers; "
                "%s:%u%s\n",
                cfg.config_file_path.c_str(), cfg.host.c_str(), cfg.port,
                cluster.enabled ? ", cluster mode" : "");
    return 0;
  }
  try {
    sasync::configure_event_log(
        {*level, cfg.log_file,
         std::chrono::milliseconds{cfg.slow_statement_ms}});
  } catch (const sasync::storage_failure& f) {
    return fail(1, f.what());
  }
  caf::actor_system sys{cfg};
  sasync::broker_config bc;
  bc.engine = engine;
  bc.queue_capacity = sasync::queue_capacity_from(cfg);
  bc.dict_cache_capacity = sasync::dict_cache_capacity_from(cfg);
  auto db = sasync::spawn_broker(sys, bc);
  sasync::cluster_membership membership;
  if (cluster.enabled)
    membership = sasync::spawn_cluster_membership(sys, engine, cluster);
  sasync::group_ownership ownership;
  if (membership)
    ownership =
        sasync::spawn_group_ownership(sys, engine, cluster, membership);
  auto entry = membership ? sasync::spawn_node(sys, db, cfg.limits,
                                               membership, ownership)
                          : sasync::spawn_node(sys, db, cfg.limits);
  // What a start that cannot listen leaves behind.
  auto abandon = [&] {
    caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
    if (membership)
      caf::anon_send_exit(membership, caf::exit_reason::user_shutdown);
    if (ownership)
      caf::anon_send_exit(ownership, caf::exit_reason::user_shutdown);
    caf::anon_send(db, sasync::shutdown_atom::value);
  };
  std::unique_ptr<sasync::metrics_endpoint> metrics;
  if (cfg.metrics_port >= 0) {
    std::string why;
    metrics = sasync::metrics_endpoint::start(
        sys, db, cfg.metrics_host,
        static_cast<std::uint16_t>(cfg.metrics_port), why);
    if (!metrics) {
      abandon();
      return fail(2, why);
    }
  }
  // SO_REUSEADDR: a restart need not wait for the connections of the last
  // run to leave TIME-WAIT. A port another process listens on stays taken.
  constexpr bool reuse_address = true;
  auto published = tls ? caf::openssl::publish(entry, cfg.port,
                                               cfg.host.c_str(), reuse_address)
                       : sys.middleman().publish(
                             entry, cfg.port, cfg.host.c_str(), reuse_address);
  if (!published) {
    abandon();
    return fail(2, "cannot listen on " + cfg.host + ":" +
                       std::to_string(cfg.port) + ": " +
                       sasync::in_words(sys, published.error()));
  }
  if (membership)
    start_cluster_membership(membership,
                         cluster.advertise.empty()
                             ? cfg.host + ":" + std::to_string(*published)
                             : cluster.advertise);
  std::printf("listening on %s:%u\n", cfg.host.c_str(), *published);
  if (metrics)
    std::printf("metrics on %s:%u\n", cfg.metrics_host.c_str(),
                metrics->port());
  std::fflush(stdout);
  // Logged once it listens, so a start that fails says one line only.
  sasync::log_event(sasync::log_level::info,
                    "listening on " + cfg.host + ":" +
                        std::to_string(*published) + (tls ? " (TLS)" : "") +
                        "; database " + engine.display_url() + ", config " +
                        cfg.config_file_path);
  auto why = await_stop_signal();
  sasync::log_event(sasync::log_level::info,
                    std::string{why} + ": draining");
  // New peers are refused; the broker answers later work shutting_down
  // and commits everything it accepted before it answers.
  sys.middleman().unpublish(entry, *published);
  caf::error drained;
  {
    caf::scoped_actor self{sys};
    self->request(db, caf::infinite, sasync::shutdown_atom::value)
        .receive([] {}, [&](caf::error& err) { drained = std::move(err); });
  }
  if (membership) {
    // After the drain, so its groups are handed over once its writes are
    // in: the next node asked takes them at once. A leave the database does
    // not take ends with the lease instead.
    caf::scoped_actor self{sys};
    self->request(membership, 2 * cluster.lease + std::chrono::seconds{5},
                  sasync::leave_atom::value)
        .receive([] {}, [&](caf::error&) {
          caf::anon_send_exit(membership, caf::exit_reason::user_shutdown);
        });
    // Connections stay up a moment, so a request already on its way to a
    // closed group actor is refused as not executed (clients ask again)
    // instead of meeting a closed connection (unreachable: fate unknown).
    std::this_thread::sleep_for(handover_grace);
  }
  caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
  if (ownership)
    caf::anon_send_exit(ownership, caf::exit_reason::user_shutdown);
  if (drained) {
    if (!cfg.log_file.empty()) // else fail() says it on stderr
      sasync::log_event(sasync::log_level::error,
                        "drain failed: " + sys.render(drained));
    fail(4, "drain failed: " + sys.render(drained));
    // A connection stuck in a silent database would hold the actor system's
    // teardown until the database answers; its work was already answered
    // ("may still commit"), so nothing is left to wait for.
    std::fflush(nullptr);
    std::_Exit(4);
  }
  sasync::log_event(sasync::log_level::info, "drained; stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // Blocked before any thread starts, so only sigwait() sees them.
  auto stop = stop_signals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  daemon_config cfg;
  auto has_config_file = false;
  static char long_help[] = "--long-help";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--config-file=", 0) == 0)
      has_config_file = true;
    // CAF's --help shows only its global options; ours are in the groups.
    if (arg == "--help" || arg == "-h")
      argv[i] = long_help;
  }
  // A value its option cannot take is refused, in the file as on the
  // command line (CAF would drop the file's and keep the default).
  if (auto line = cfg.parse_checked(argc, argv); !line.empty())
    return fail(1, line);
  if (cfg.cli_helptext_printed)
    return 0;
  if (!cfg.remainder.empty())
    return fail(1, "unexpected argument '" + cfg.remainder.front() + "'");
  if (!has_config_file)
    return fail(1, "usage: sasyncd --config-file=FILE [--check-config] "
                   "[--GROUP.KEY=VALUE...] (--help lists the keys)");
  if (auto unknown = cfg.unknown_option(); !unknown.empty())
    return fail(1, "unknown key '" + unknown + "' in " + cfg.config_file_path);
  return run(cfg);
}
