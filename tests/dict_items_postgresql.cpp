// A dict and an items actor on one group agree, on the real PostgreSQL
// server (see dict_items_backend.ipp), in a schema of the suite's own.
#define CAF_SUITE actors.dict_items_postgresql

#include "backends.hpp"

namespace {

constexpr const char* schema = "sasync_dict_items_test";

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

#include "dict_items_backend.ipp"
