// Items, dict and array on the real PostgreSQL server (see
// objects_backend.ipp); SASYNC_PG_URL names the database.
#define CAF_SUITE actors.objects_postgresql

#include "storage/connection.hpp"

#include <cstdlib>
#include <string>

namespace {

/// Drops the object tables before and after each test.
struct backend {
  backend() { drop(); }
  ~backend() { drop(); }

  static std::string url() {
    auto env = std::getenv("SASYNC_PG_URL");
    return env ? env : "postgresql://sasync:sasync@127.0.0.1:5432/sasync_test";
  }

  static void drop() {
    auto conn = sasync::open_connection(sasync::engine_config::parse(url()),
                                        sasync::access_mode::write);
    conn->execute_script("DROP TABLE IF EXISTS sasync_items, sasync_array, "
                         "batch_rows");
  }
};

} // namespace

#include "objects_backend.ipp"
