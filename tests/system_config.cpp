// The [sasync] options of config files and command lines.
#define CAF_SUITE actors.system_config

#include "actors/system_config.hpp"

#include "storage/storage_failure.hpp"

#include <caf/test/unit_test.hpp>

#include <sstream>

using namespace sasync;

namespace {

/// Parses `ini` and `args` into a fresh configuration.
std::unique_ptr<system_config>
parsed(const std::string& ini,
       caf::actor_system_config::string_list args = {}) {
  auto cfg = std::make_unique<system_config>();
  std::istringstream in{ini};
  auto err = cfg->parse(std::move(args), in);
  CAF_REQUIRE(!err);
  return cfg;
}

} // namespace

CAF_TEST(config_file_options_describe_the_engine) {
  auto cfg = parsed("[sasync]\n"
                    "url=\"sqlite:///from-file.db?synchronous=NORMAL\"\n"
                    "pool-size=3\n"
                    "pool-timeout=2.5\n"
                    "echo=true\n"
                    "queue-capacity=77\n");
  auto engine = engine_from(*cfg);
  CAF_CHECK_EQUAL(engine.path, "from-file.db");
  CAF_CHECK_EQUAL(engine.synchronous, "NORMAL");
  CAF_CHECK_EQUAL(engine.pool_size, 3u);
  CAF_CHECK_EQUAL(engine.pool_timeout.count(), 2500);
  CAF_CHECK(engine.echo);
  CAF_CHECK_EQUAL(queue_capacity_from(*cfg), 77u);
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
