// Atomic batches on the real PostgreSQL server (see batch_backend.ipp), in
// a schema of the suite's own, with its tables dropped before and after
// each test, so that other suites' rows never meet its checks.
#define CAF_SUITE actors.batch_postgresql

#include "backends.hpp"

namespace {

constexpr const char* schema = "sasync_batch_test";

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
                            ".sasync_items, " + schema + ".sasync_array, " +
                            schema + ".batch_rows");
  }
};

} // namespace

#include "batch_backend.ipp"
