// The [sasync] options of config files and command lines.
#define CAF_SUITE actors.system_config

#include "sasync/actors/system_config.hpp"

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/spinning_sharing.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <caf/actor_system.hpp>
#include <caf/policy/profiled.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <caf/scheduler/profiled_coordinator.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <sstream>
#include <thread>

using namespace sasync;

namespace {

/// Parses `ini` and `args` into a fresh configuration.
std::unique_ptr<system_config>
parsed(const std::string& ini,
       caf::actor_system_config::string_list args = {}) {
  auto cfg = std::make_unique<system_config>();
  std::istringstream in{ini};
  auto line = cfg->parse_checked(std::move(args), in);
  CAF_REQUIRE_EQUAL(line, "");
  return cfg;
}

/// The line parse_checked() refuses `ini` and `args` with.
std::string refusal(const std::string& ini,
                    caf::actor_system_config::string_list args = {}) {
  system_config cfg;
  std::istringstream in{ini};
  return cfg.parse_checked(std::move(args), in);
}

} // namespace

CAF_TEST(config_file_options_describe_the_engine) {
  auto cfg = parsed("[sasync]\n"
                    "url=\"sqlite:///from-file.db?synchronous=NORMAL\"\n"
                    "pool-size=3\n"
                    "pool-timeout=2.5\n"
                    "echo=true\n"
                    "queue-capacity=77\n"
                    "dict-cache-capacity=12\n");
  auto engine = engine_from(*cfg);
  CAF_CHECK_EQUAL(engine.path, "from-file.db");
  CAF_CHECK_EQUAL(engine.synchronous, "NORMAL");
  CAF_CHECK_EQUAL(engine.pool_size, 3u);
  CAF_CHECK_EQUAL(engine.pool_timeout.count(), 2500);
  CAF_CHECK(engine.echo);
  CAF_CHECK_EQUAL(queue_capacity_from(*cfg), 77u);
  CAF_CHECK_EQUAL(dict_cache_capacity_from(*cfg), 12u);
}

CAF_TEST(command_line_overrides_the_config_file) {
  auto cfg = parsed("[sasync]\nurl=\"sqlite:///a.db\"\npool-size=3\n",
                    {"--sasync.pool-size=9", "--sasync.url=sqlite://"});
  auto engine = engine_from(*cfg);
  CAF_CHECK(engine.in_memory());
  CAF_CHECK_EQUAL(engine.pool_size, 9u);
}

CAF_TEST(without_options_the_default_engine_serves) {
  auto cfg = parsed("");
  CAF_CHECK_EQUAL(engine_from(*cfg).path, default_engine().path);
  CAF_CHECK_EQUAL(queue_capacity_from(*cfg), 10'000u);
  CAF_CHECK_EQUAL(dict_cache_capacity_from(*cfg), 100'000u);
}

CAF_TEST(bad_option_values_are_rejected_by_name) {
  auto cfg = parsed("[sasync]\nsynchronous=\"SOMETIMES\"\n");
  try {
    engine_from(*cfg);
    CAF_FAIL("bad synchronous value accepted");
  } catch (const storage_failure& f) {
    CAF_CHECK_NOT_EQUAL(std::string{f.what()}.find("synchronous"),
                        std::string::npos);
  }
}

CAF_TEST(a_whole_number_of_seconds_counts_as_that_many_seconds) {
  // As in the shipped config file: run-timeout=300, not 300.0.
  auto cfg = parsed("[sasync]\nrun-timeout=2\npool-timeout=3\n");
  auto engine = engine_from(*cfg);
  CAF_CHECK_EQUAL(engine.run_timeout.count(), 2000);
  CAF_CHECK_EQUAL(engine.pool_timeout.count(), 3000);
  // The command line still wins over the file.
  cfg = parsed("[sasync]\nrun-timeout=2\n", {"--sasync.run-timeout=4"});
  CAF_CHECK_EQUAL(engine_from(*cfg).run_timeout.count(), 4000);
}

CAF_TEST(a_value_its_option_cannot_take_is_refused_alike_from_file_and_args) {
  struct bad_value {
    std::string group, key, in_file, on_command_line, line;
  };
  for (auto& x : std::vector<bad_value>{
           {"sasync", "pool-size", "-3", "-3",
            "bad value for sasync.pool-size: -3 (a whole number, 0 or more)"},
           {"sasync", "pool-size", "0", "0",
            "bad value for sasync.pool-size: 0 (from 1 to 1000)"},
           {"sasync", "echo", "\"yes\"", "yes",
            "bad value for sasync.echo: \"yes\" (true or false)"},
           {"sasync", "run-timeout", "1e400", "1e400",
            "bad value for sasync.run-timeout: inf (from 0.001 to 86400)"},
           {"sasync", "queue-capacity", "0", "0",
            "bad value for sasync.queue-capacity: 0 (from 1 to "
            "1000000000000)"},
           {"sasync", "dict-cache-capacity", "0", "0",
            "bad value for sasync.dict-cache-capacity: 0 (from 1 to "
            "1000000000000)"},
           {"sasync", "worker-spin", "10001", "10001",
            "bad value for sasync.worker-spin: 10001 (from 0 to 10000)"},
           {"sasync", "url", "5", "", // text on the command line
            "bad value for sasync.url: 5 (text in double quotes)"},
           {"work-stealing", "moderate-poll-attempts", "\"x\"", "x",
            "bad value for work-stealing.moderate-poll-attempts: \"x\" (a "
            "whole number, 0 or more)"},
       }) {
    CAF_MESSAGE(x.group << "." << x.key << "=" << x.in_file);
    CAF_CHECK_EQUAL(
        refusal("[" + x.group + "]\n" + x.key + "=" + x.in_file + "\n"),
        x.line);
    if (!x.on_command_line.empty())
      CAF_CHECK_EQUAL(refusal("", {"--" + x.group + "." + x.key + "=" +
                                   x.on_command_line}),
                      x.line);
  }
  // A good value on the command line does not excuse a bad one in the file.
  CAF_CHECK_NOT_EQUAL(
      refusal("[sasync]\npool-size=-3\n", {"--sasync.pool-size=3"}), "");
  CAF_CHECK_EQUAL(refusal("[sasync]\npool-size=3\nrun-timeout=2\n"), "");
}

CAF_TEST(the_scheduler_gets_half_the_cores_unless_the_config_names_a_number) {
  auto expected = std::max(1u, std::thread::hardware_concurrency() / 2);
  {
    auto cfg = parsed("");
    caf::actor_system sys{*cfg};
    CAF_CHECK_EQUAL(sys.scheduler().num_workers(), expected);
  }
  {
    auto cfg = parsed("[scheduler]\nmax-threads=3\n");
    caf::actor_system sys{*cfg};
    CAF_CHECK_EQUAL(sys.scheduler().num_workers(), 3u);
  }
}

CAF_TEST(the_scheduler_runs_actors_in_arrival_order_unless_the_config_names_a_policy) {
  using sharing = caf::scheduler::coordinator<detail::spinning_sharing>;
  using stealing = caf::scheduler::coordinator<caf::policy::work_stealing>;
  {
    auto cfg = parsed("");
    caf::actor_system sys{*cfg};
    auto* workers = dynamic_cast<sharing*>(&sys.scheduler());
    CAF_REQUIRE(workers != nullptr);
    // Idle workers look for work before they sleep, as long as configured.
    CAF_CHECK_EQUAL(workers->data().spin,
                    std::chrono::microseconds{defaults::worker_spin_us});
  }
  {
    auto cfg = parsed("[sasync]\nworker-spin=0\n");
    caf::actor_system sys{*cfg};
    auto* workers = dynamic_cast<sharing*>(&sys.scheduler());
    CAF_REQUIRE(workers != nullptr);
    CAF_CHECK_EQUAL(workers->data().spin.count(), 0);
  }
  {
    auto cfg = parsed("", {"--sasync.worker-spin=150"});
    caf::actor_system sys{*cfg};
    auto* workers = dynamic_cast<sharing*>(&sys.scheduler());
    CAF_REQUIRE(workers != nullptr);
    CAF_CHECK_EQUAL(workers->data().spin, std::chrono::microseconds{150});
  }
  {
    // CAF's profiling, of either policy, stays available.
    auto cfg = parsed("[scheduler]\nenable-profiling=true\n");
    caf::actor_system sys{*cfg};
    using profiled = caf::scheduler::profiled_coordinator<
        caf::policy::profiled<detail::spinning_sharing>>;
    CAF_CHECK(dynamic_cast<profiled*>(&sys.scheduler()) != nullptr);
  }
  {
    auto cfg = parsed("[scheduler]\npolicy='stealing'\n");
    caf::actor_system sys{*cfg};
    CAF_CHECK(dynamic_cast<stealing*>(&sys.scheduler()) != nullptr);
  }
  {
    // On the command line an atom, like text, needs no quotes (as for CAF).
    auto cfg = parsed("", {"--scheduler.policy=stealing"});
    caf::actor_system sys{*cfg};
    CAF_CHECK(dynamic_cast<stealing*>(&sys.scheduler()) != nullptr);
  }
  CAF_CHECK_NOT_EQUAL(refusal("", {"--scheduler.policy=much-too-long"}), "");
  // CAF would run work stealing for a policy it does not know.
  CAF_CHECK_EQUAL(refusal("", {"--scheduler.policy=shared"}),
                  "bad value for scheduler.policy: 'shared' ('sharing' or "
                  "'stealing')");
  CAF_CHECK_NOT_EQUAL(refusal("[scheduler]\npolicy='shared'\n"), "");
}
