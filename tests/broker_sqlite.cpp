// The broker on real SQLite files (see broker_backend.ipp).
#define CAF_SUITE actors.broker_sqlite

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/items.hpp"

#include "backends.hpp"
#include "set_flood.hpp"

#include <future>
#include <memory>
#include <string>
#include <vector>

namespace {

/// A fresh database file per fixture, removed afterwards.
struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("broker") {}

  static constexpr const char* index_query =
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
      "'orders' AND sql IS NOT NULL ORDER BY name";
  static constexpr const char* unreachable_url =
      "sqlite:////nonexistent-sasync-dir/x.db";
  static constexpr const char* unreachable_part = "nonexistent-sasync-dir";
  /// A file that cannot open fails at once.
  static constexpr sasync::errc unreachable_errc = sasync::errc::database_error;
  /// Reads that never end by themselves: as a statement, and as a cursor's
  /// query (SQLite runs it at the first fetch).
  static constexpr const char* runaway_read =
      "SELECT (WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
      "SELECT count(*) FROM r)";
  static constexpr const char* runaway_query =
      "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
      "SELECT count(*) FROM r";
  /// Four readers beside the writer.
  static constexpr const char* runaway_options = "pool_size=5";
};

} // namespace

#include "broker_backend.ipp"

// SQLite only: a disk that fills up, made with max_page_count on the
// writer connection (a setting of that connection: a local closure sets it,
// since sql refuses PRAGMA).
namespace {

bool set_max_page_count(caf::scoped_actor& self, const sasync::broker& db,
                        std::int64_t pages) {
  return static_cast<bool>(
      sasync::transact(self, db, [pages](sasync::transaction_scope& c) {
        c.execute("PRAGMA max_page_count = " + std::to_string(pages));
      }));
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(sqlite_only_tests, fixture)

CAF_TEST(a_full_disk_fails_writes_clearly_keeps_the_file_and_recovers) {
  auto db = start();
  auto insert = [&](int i) {
    return sql(db, "INSERT INTO orders (customer, amount) VALUES (?, ?)",
               {std::string(400, 'c') + std::to_string(i), double(i)});
  };
  for (int i = 0; i < 50; ++i)
    CAF_REQUIRE(insert(i));
  auto store = items_of(self, db, 1, limit); // its tables need pages too
  CAF_REQUIRE(store);
  auto pages = sql(db, "SELECT * FROM pragma_page_count()");
  CAF_REQUIRE(pages);
  auto full = pages->rows.at(0).at(0).as_integer();
  CAF_REQUIRE(set_max_page_count(self, db, full));
  // Plain statements and group-committed item sets both meet the full disk.
  int stored = 50;
  caf::error first;
  for (int i = 50; i < 250; ++i) {
    if (auto r = insert(i))
      ++stored;
    else if (!first)
      first = r.error();
  }
  CAF_REQUIRE(first);
  CAF_CHECK(is(first, errc::database_error));
  CAF_MESSAGE("full disk: " << sys.render(first));
  CAF_CHECK_NOT_EQUAL(sys.render(first).find("full"), std::string::npos);
  // 64 sets at once, so that group commit runs them together.
  std::vector<std::string> big;
  for (int i = 0; i < 64; ++i)
    big.push_back("big-" + std::to_string(i));
  auto done = std::make_shared<std::promise<test::flood_result>>();
  auto flooded = done->get_future();
  caf::anon_send(
      sys.spawn(test::set_flood, *store, std::string(4000, 'x'), done), big);
  CAF_REQUIRE(flooded.wait_for(bound) == std::future_status::ready);
  auto acked = flooded.get().acked;
  CAF_CHECK_LESS(acked.size(), 64u);
  CAF_MESSAGE(acked.size() << " of 64 sets fit before the disk was full");
  auto names = sasync::load_all<std::string>(self, *store, limit);
  CAF_REQUIRE(names);
  std::vector<std::string> present;
  for (auto& entry : *names)
    present.push_back(entry.first);
  CAF_CHECK_EQUAL(present, acked); // exactly the acknowledged ones
  // Nothing acknowledged is lost and the file is intact.
  CAF_CHECK_EQUAL(count(db, "orders"), stored);
  auto check = sql(db, "SELECT * FROM pragma_integrity_check()");
  CAF_REQUIRE(check);
  CAF_CHECK_EQUAL(check->rows.at(0).at(0).as_text(), "ok");
  // Space comes back: writes succeed again on the same broker.
  CAF_REQUIRE(set_max_page_count(self, db, 1073741823));
  CAF_CHECK(insert(1000));
  CAF_CHECK_EQUAL(count(db, "orders"), stored + 1);
  CAF_CHECK(set(self, *store, "after", std::string(4000, 'y'), limit));
  CAF_CHECK(shutdown(db));
}

CAF_TEST_FIXTURE_SCOPE_END()
