// sasync's error category: rendering, classification, and errors that
// survive serialization (they cross nodes).
#define CAF_SUITE actors.errc

#include "sasync/actors/errc.hpp"

#include "sasync/actors/system_config.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/dsl.hpp>

using namespace sasync;

namespace {

struct fixture : test_coordinator_fixture<system_config> {};

} // namespace

CAF_TEST_FIXTURE_SCOPE(errc_tests, fixture)

CAF_TEST(errors_render_with_name_and_reason) {
  CAF_CHECK_EQUAL(sys.render(make_error(errc::missing, "zz")),
                  "sasync::missing: zz");
  CAF_CHECK_EQUAL(sys.render(make_error(errc::overloaded)),
                  "sasync::overloaded");
  CAF_CHECK_EQUAL(sys.render(make_retryable_error(errc::database_error,
                                                  "database is locked")),
                  "sasync::database_error: database is locked (retryable)");
}

CAF_TEST(storage_failures_map_to_errc_with_code_and_retryability) {
  auto invalid =
      to_error(storage_failure(failure_kind::invalid_argument, "bad port"));
  CAF_CHECK(is(invalid, errc::invalid_argument));
  CAF_CHECK(!is_retryable(invalid));
  auto busy =
      to_error(storage_failure(failure_kind::busy, "locked", "SQLITE_5"));
  CAF_CHECK(is(busy, errc::database_error));
  CAF_CHECK(is_retryable(busy));
  CAF_CHECK_EQUAL(sys.render(busy),
                  "sasync::database_error: locked (SQLITE_5) (retryable)");
  auto refused = to_error(storage_failure(
      failure_kind::database, "UNIQUE constraint failed", "SQLITE_2067"));
  CAF_CHECK(!is_retryable(refused));
}

CAF_TEST(a_write_that_found_its_name_taken_or_absent_is_exists_or_missing) {
  auto taken = to_error(storage_failure(
      failure_kind::exists, "the name already exists: 'k' in group 1"));
  CAF_CHECK(is(taken, errc::exists));
  CAF_CHECK(!is_retryable(taken));
  CAF_CHECK_EQUAL(sys.render(taken),
                  "sasync::exists: the name already exists: 'k' in group 1");
  auto absent = to_error(storage_failure(failure_kind::missing, "no item"));
  CAF_CHECK(is(absent, errc::missing));
}

CAF_TEST(errors_of_other_categories_are_not_sasync_errors) {
  caf::error other = caf::make_error(caf::sec::request_timeout);
  CAF_CHECK(!is(other, errc::timeout));
  CAF_CHECK(!is_retryable(other));
}

CAF_TEST(no_error_is_no_sasync_error) {
  CAF_CHECK(!is(caf::error{}, errc::timeout));
  CAF_CHECK(!is_retryable(caf::error{}));
}

CAF_TEST(errors_survive_serialization) {
  auto err = make_retryable_error(errc::database_error, "server closed");
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  CAF_REQUIRE(!sink(err));
  caf::error copy;
  caf::binary_deserializer source{sys, buf};
  CAF_REQUIRE(!source(copy));
  CAF_CHECK(is(copy, errc::database_error));
  CAF_CHECK(is_retryable(copy));
  CAF_CHECK_EQUAL(sys.render(copy), sys.render(err));
}

CAF_TEST_FIXTURE_SCOPE_END()
