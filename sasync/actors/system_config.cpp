// Registers sasync's error category and message types with CAF.
#include "sasync/actors/system_config.hpp"

#include "sasync/actors/broker.hpp"
#include "sasync/actors/broker_status.hpp"
#include "sasync/actors/cluster/cluster_view.hpp"
#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/spinning_sharing.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/detail/relay.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/storage/stored_value.hpp"
#include "sasync/storage/table_def.hpp"
#include "sasync/storage/value.hpp"
#include "sasync/storage/versioned_value.hpp"
#include "sasync/storage/wire_types.hpp"

#include <caf/atom.hpp>
#include <caf/config_option_adder.hpp>
#include <caf/message.hpp>
#include <caf/policy/profiled.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <caf/scheduler/profiled_coordinator.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace sasync {

namespace {

/// CAF's scheduler policies sasync takes: its own default first.
constexpr auto arrival_order = caf::atom("sharing");
constexpr auto work_stealing = caf::atom("stealing");

/// CAF's scheduler threads: half the cores, at least one. An operation's
/// actors each do little; what costs is moving work between threads, and
/// CAF's own default (the cores, at least four) leaves more workers than
/// cores sleeping and waking. The other half runs the connection threads
/// and the network thread. On two cores, one worker served 0.74x of raw
/// SQLite point selects where four served 0.43x.
std::size_t scheduler_threads() {
  return std::max(1u, std::thread::hardware_concurrency() / 2);
}

/// The scheduler CAF would make for the config's policy, except that in
/// arrival order idle workers look for work a while before they sleep
/// (spinning_sharing.hpp). CAF makes its own only when none is given.
caf::actor_system::module* make_scheduler(caf::actor_system& sys) {
  using namespace caf::scheduler;
  using caf::policy::profiled;
  using caf::policy::work_stealing;
  auto& cfg = sys.config();
  auto policy = caf::get_or(cfg, "scheduler.policy", arrival_order);
  auto profile = caf::get_or(cfg, "scheduler.enable-profiling", false);
  if (policy == caf::atom("testing"))
    return new test_coordinator(sys);
  if (policy == arrival_order)
    return profile ? static_cast<caf::actor_system::module*>(
                         new profiled_coordinator<
                             profiled<detail::spinning_sharing>>(sys))
                   : new coordinator<detail::spinning_sharing>(sys);
  return profile ? static_cast<caf::actor_system::module*>(
                       new profiled_coordinator<profiled<work_stealing>>(sys))
                 : new coordinator<work_stealing>(sys);
}

} // namespace

namespace detail {

std::chrono::nanoseconds
worker_spin_of(caf::scheduler::abstract_coordinator* coordinator) {
  auto us = caf::get_or(coordinator->system().config(), "sasync.worker-spin",
                        defaults::worker_spin_us);
  return std::chrono::microseconds{us};
}

} // namespace detail

void configure(caf::actor_system_config& cfg) {
  // Actors run in the order they became ready. CAF's default (work
  // stealing) runs an actor a message woke right after its sender, so a
  // group actor woken by each of 64 clients in turn sent each operation to
  // the queue alone; in arrival order it finds them all in its mailbox
  // and sends them in one message (README: Threads).
  cfg.set("scheduler.policy", arrival_order);
  cfg.module_factories.push_back(make_scheduler);
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  cfg.set("scheduler.max-threads", scheduler_threads());
  // CAF 0.17's BASP workers deserialise a node's incoming messages on the
  // scheduler's threads, in parallel with its network thread. With them, a
  // node under many short-lived client connections left requests
  // unanswered (32 CLI clients: 17 of 1,600 sets never answered, none
  // committed); deserialised on the network thread, none was lost in
  // 3,200. CAF itself once reverted this parallel decoding for losing
  // messages (actor-framework PR #828). The config file may turn it on.
  cfg.set("middleman.workers", size_t{0});
  cfg.add_error_category(errc_category,
                         [](std::uint8_t code, caf::atom_value,
                            const caf::message& ctx) -> std::string {
                           return render(static_cast<errc>(code), ctx);
                         });
  // Every type that may cross to another node is registered by name.
  cfg.add_message_type<value>("sasync::value");
  cfg.add_message_type<std::vector<value>>("std::vector<sasync::value>");
  cfg.add_message_type<result_set>("sasync::result_set");
  cfg.add_message_type<column_def>("sasync::column_def");
  cfg.add_message_type<index_def>("sasync::index_def");
  cfg.add_message_type<table_def>("sasync::table_def");
  cfg.add_message_type<priority>("sasync::priority");
  cfg.add_message_type<queue_status>("sasync::queue_status");
  cfg.add_message_type<broker_status>("sasync::broker_status");
  cfg.add_message_type<std::vector<caf::error>>("std::vector<caf::error>");
  cfg.add_message_type<stored_value>("sasync::stored_value");
  cfg.add_message_type<caf::optional<stored_value>>(
      "caf::optional<sasync::stored_value>");
  cfg.add_message_type<std::map<std::string, stored_value>>(
      "std::map<std::string,sasync::stored_value>");
  cfg.add_message_type<std::vector<std::string>>("std::vector<std::string>");
  cfg.add_message_type<items>("sasync::items");
  cfg.add_message_type<dict>("sasync::dict");
  cfg.add_message_type<array>("sasync::array");
  cfg.add_message_type<std::vector<row>>("std::vector<sasync::row>");
  cfg.add_message_type<row_batch>("sasync::row_batch");
  cfg.add_message_type<cursor>("sasync::cursor");
  cfg.add_message_type<cursor_info>("sasync::cursor_info");
  cfg.add_message_type<row_consumer>("sasync::row_consumer");
  cfg.add_message_type<coordinates>("sasync::coordinates");
  cfg.add_message_type<insert_spec>("sasync::insert_spec");
  cfg.add_message_type<insert_progress>("sasync::insert_progress");
  cfg.add_message_type<bulk_insert>("sasync::bulk_insert");
  cfg.add_message_type<dict_status>("sasync::dict_status");
  cfg.add_message_type<named_values>("std::map<std::string,sasync::value>");
  cfg.add_message_type<versioned_value>("sasync::versioned_value");
  cfg.add_message_type<caf::optional<versioned_value>>(
      "caf::optional<sasync::versioned_value>");
  cfg.add_message_type<member_view>("sasync::member_view");
  cfg.add_message_type<std::vector<member_view>>(
      "std::vector<sasync::member_view>");
  cfg.add_message_type<cluster_view>("sasync::cluster_view");
  // A relay's requests and its answers (net/detail/relay.hpp).
  cfg.add_message_type<std::vector<detail::relayed_request>>(
      "std::vector<sasync::relayed_request>");
  cfg.add_message_type<std::vector<detail::relayed_answer>>(
      "std::vector<sasync::relayed_answer>");
  cfg.add_message_type<batch_op>("sasync::batch_op");
  cfg.add_message_type<std::vector<batch_op>>("std::vector<sasync::batch_op>");
  cfg.add_message_type<batch_result>("sasync::batch_result");
  cfg.add_message_type<std::vector<batch_result>>(
      "std::vector<sasync::batch_result>");
}

void add_sasync_options(caf::config_option_set& opts) {
  using std::chrono::seconds;
  const engine_config engine; // its defaults
  caf::config_option_adder{opts, "sasync"}
      .add<std::string>("url", "database URL (default sqlite:///sasync.db)")
      .add<std::size_t>("pool-size", defaults::help("connections kept open",
                                                    engine.pool_size))
      .add<std::size_t>(
          "max-overflow",
          defaults::help("extra connections under load", engine.max_overflow))
      .add<double>(
          "pool-timeout",
          defaults::help(
              "seconds work may wait for a connection",
              std::chrono::duration_cast<seconds>(engine.pool_timeout).count()))
      .add<double>(
          "run-timeout",
          defaults::help(
              "seconds a transaction may run before its "
              "requesters get timeout",
              std::chrono::duration_cast<seconds>(engine.run_timeout).count()))
      .add<bool>("echo", "log every statement with its parameters")
      .add<std::string>("synchronous",
                        "SQLite: OFF, NORMAL, FULL, EXTRA (FULL)")
      .add<std::string>("journal-mode", "SQLite: WAL, DELETE, ... (WAL)")
      .add<std::size_t>("queue-capacity",
                        defaults::help("jobs waiting before 'overloaded'",
                                       defaults::queue_capacity))
      .add<std::size_t>("dict-cache-capacity",
                        defaults::help("written entries each dict keeps in "
                                       "memory",
                                       defaults::dict_cache_capacity))
      .add<std::size_t>("worker-spin",
                        defaults::help("microseconds an idle scheduler worker "
                                       "looks for work before it sleeps",
                                       defaults::worker_spin_us));
}

engine_config engine_from(const caf::actor_system_config& cfg) {
  auto url = caf::get_if<std::string>(&cfg, "sasync.url");
  auto out = url ? engine_config::parse(*url) : default_engine();
  // Options go through set_option so that they are checked in one place.
  for (auto name : {"pool-size", "max-overflow"})
    if (auto x = caf::get_if<std::size_t>(&cfg, std::string{"sasync."} + name))
      out.set_option(name, std::to_string(*x));
  for (auto name : {"pool-timeout", "run-timeout"})
    if (auto x = caf::get_if<double>(&cfg, std::string{"sasync."} + name))
      out.set_option(name, std::to_string(*x));
  if (auto x = caf::get_if<bool>(&cfg, "sasync.echo"))
    out.set_option("echo", *x ? "true" : "false");
  for (auto name : {"synchronous", "journal-mode"})
    if (auto x = caf::get_if<std::string>(&cfg, std::string{"sasync."} + name))
      out.set_option(name, *x);
  return out;
}

std::size_t queue_capacity_from(const caf::actor_system_config& cfg) {
  return caf::get_or(cfg, "sasync.queue-capacity", defaults::queue_capacity);
}

std::size_t dict_cache_capacity_from(const caf::actor_system_config& cfg) {
  return caf::get_or(cfg, "sasync.dict-cache-capacity", defaults::dict_cache_capacity);
}

bool tls_configured(const caf::actor_system_config& cfg) {
  return !cfg.openssl_certificate.empty() && !cfg.openssl_key.empty() &&
         !cfg.openssl_cafile.empty();
}

namespace {

/// CAF runs work stealing, with a warning on stderr, for a policy it does
/// not know; a config that names one is refused instead.
std::string bad_policy(const caf::settings& content) {
  auto policy = caf::get_or(content, "scheduler.policy", arrival_order);
  if (policy == arrival_order || policy == work_stealing)
    return {};
  return "bad value for scheduler.policy: '" + caf::to_string(policy) +
         "' ('sharing' or 'stealing')";
}

} // namespace

std::string system_config::parse_checked(string_list args, std::istream& ini) {
  if (!ini.good()) { // No file: CAF decides whether that is an error.
    if (auto line = bad_option_value(custom_options_, {}, args, bounds);
        !line.empty())
      return line;
    if (auto err = parse(std::move(args), ini))
      return caf::to_string(err);
    return bad_policy(content);
  }
  std::string text{std::istreambuf_iterator<char>{ini}, {}};
  std::istringstream raw_in{text};
  auto raw = parse_config(raw_in);
  // A file CAF cannot read at all is reported by parse() below.
  auto line = bad_option_value(custom_options_, raw ? *raw : caf::settings{},
                               args, bounds);
  if (!line.empty())
    return line;
  std::istringstream in{text};
  if (auto err = parse(std::move(args), in))
    return caf::to_string(err);
  if (raw)
    widen_whole_numbers(custom_options_, *raw, content);
  return bad_policy(content);
}

std::string system_config::parse_checked(int argc, char** argv) {
  string_list args(argv + std::min(argc, 1), argv + argc);
  auto path = config_file_path;
  auto named = false;
  for (auto& arg : args)
    if (arg.rfind("--config-file=", 0) == 0) {
      path = arg.substr(14);
      named = true;
    }
  std::ifstream ini{path};
  if (!ini && named) { // CAF's own error names the file.
    auto err = parse(argc, argv);
    return err ? caf::to_string(err) : std::string{};
  }
  return parse_checked(std::move(args), ini);
}

std::string system_config::unknown_option() const {
  for (auto& [group, entries] : content) {
    auto keys = caf::get_if<caf::settings>(&entries);
    if (keys == nullptr) {
      if (custom_options_.qualified_name_lookup("global", group) == nullptr)
        return group;
      continue;
    }
    for (auto& [key, x] : *keys)
      if (custom_options_.qualified_name_lookup(group, key) == nullptr)
        return group + "." + key;
  }
  return {};
}

} // namespace sasync
