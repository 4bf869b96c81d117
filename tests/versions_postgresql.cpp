// Versions and compare-and-set on the real PostgreSQL server (see
// versions_backend.ipp), in a schema of the suite's own: it creates
// sasync_items and sasync_array without their version column, which the
// suites on the shared tables must not meet.
#define CAF_SUITE actors.versions_postgresql

#include "backends.hpp"

namespace {

constexpr const char* schema = "sasync_versions_test";

/// The suite's schema, first on the search path of every connection, with
/// its tables dropped before and after each test.
struct backend {
  backend() {
    admin()->execute_script(std::string{"CREATE SCHEMA IF NOT EXISTS "} +
                            schema);
    drop();
  }
  ~backend() { drop(); }

  static std::string url() {
    return sasync::test::postgresql_url() + "?options=-csearch_path%3D" +
           schema;
  }

private:
  static std::unique_ptr<sasync::connection> admin() {
    return sasync::open_connection(
        sasync::engine_config::parse(sasync::test::postgresql_url()),
        sasync::access_mode::write);
  }

  static void drop() {
    admin()->execute_script(std::string{"DROP TABLE IF EXISTS "} + schema +
                            ".sasync_items, " + schema + ".sasync_array");
  }
};

} // namespace

#include "versions_backend.ipp"
