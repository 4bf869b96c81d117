// sasync::savepoint on a real backend: a unit that fails undoes only its
// own work, and the transaction around it commits the rest. Included by one
// suite per backend, each defining `struct backend` (url(), table()) and
// CAF_SUITE first.

#include "sasync/storage/savepoint.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/transaction.hpp"
#include "sasync/storage/transaction_scope.hpp"

#include <caf/test/unit_test.hpp>

#include <memory>
#include <stdexcept>
#include <string>

using namespace sasync;

namespace {

struct fixture {
  backend where;
  std::unique_ptr<connection> conn;
  std::string table = where.table();

  fixture() {
    conn = open_connection(engine_config::parse(where.url()),
                           access_mode::write);
    conn->execute_script("DROP TABLE IF EXISTS " + table);
    conn->execute_script("CREATE TABLE " + table + " (k BIGINT PRIMARY KEY)");
  }

  ~fixture() {
    try {
      conn->rollback();
      conn->execute_script("DROP TABLE IF EXISTS " + table);
    } catch (...) {
    }
  }

  void insert(std::int64_t k) {
    conn->execute("INSERT INTO " + table + " (k) VALUES (?)", {k});
  }

  /// The keys committed, in order, as one text: "1,3".
  std::string committed() {
    auto rs = conn->execute("SELECT k FROM " + table + " ORDER BY k");
    std::string out;
    for (auto& r : rs.rows)
      out += (out.empty() ? "" : ",") + std::to_string(r.at(0).as_integer());
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(savepoint_tests, fixture)

CAF_TEST(a_unit_that_fails_rolls_back_alone_when_it_goes_out_of_scope) {
  {
    transaction tx{*conn, access_mode::write};
    insert(1);
    try {
      savepoint unit{*conn, "unit"};
      insert(2);
      insert(1); // the key is taken: the database refuses it
      unit.release();
      CAF_FAIL("the duplicate key was not refused");
    } catch (const storage_failure& f) {
      CAF_MESSAGE("refused as expected: " << f.what());
    }
    insert(3); // the transaction goes on (PostgreSQL too: it was not aborted)
    tx.commit();
  }
  CAF_CHECK_EQUAL(committed(), "1,3");
}

CAF_TEST(a_released_unit_commits_with_its_transaction) {
  {
    transaction tx{*conn, access_mode::write};
    savepoint unit{*conn, "unit"};
    insert(1);
    unit.release();
    CAF_CHECK(!unit.active());
    insert(2);
    tx.commit();
  }
  CAF_CHECK_EQUAL(committed(), "1,2");
}

CAF_TEST(units_in_a_row_fail_alone_and_the_others_commit) {
  {
    transaction tx{*conn, access_mode::write};
    insert(5);
    savepoint unit{*conn, "job"};
    for (std::int64_t k : {1, 5, 2, 5, 3}) {
      try {
        insert(k);
      } catch (const storage_failure&) {
        unit.rollback_to(); // throws if the transaction itself is lost
      }
      unit.renew();
    }
    unit.release();
    tx.commit();
  }
  CAF_CHECK_EQUAL(committed(), "1,2,3,5");
}

CAF_TEST(an_explicit_rollback_ends_the_unit_and_nests_inside_another) {
  {
    transaction tx{*conn, access_mode::write};
    savepoint outer{*conn, "outer"};
    insert(1);
    {
      savepoint inner{*conn, "inner"};
      insert(2);
      inner.rollback();
      CAF_CHECK(!inner.active());
    } // nothing left to undo
    insert(3);
    outer.release();
    tx.commit();
  }
  CAF_CHECK_EQUAL(committed(), "1,3");
}

CAF_TEST(a_closure_runs_a_unit_in_its_transaction_scope) {
  {
    transaction tx{*conn, access_mode::write};
    transaction_scope scope{*conn};
    scope.execute("INSERT INTO " + table + " (k) VALUES (1)");
    try {
      savepoint unit{scope, "closure_unit"};
      scope.execute("INSERT INTO " + table + " (k) VALUES (2)");
      throw std::runtime_error("the closure gives this part up");
    } catch (const std::runtime_error&) {
    }
    scope.execute("INSERT INTO " + table + " (k) VALUES (3)");
    tx.commit();
  }
  CAF_CHECK_EQUAL(committed(), "1,3");
}

CAF_TEST(a_lost_transaction_does_not_make_the_destructor_throw) {
  transaction tx{*conn, access_mode::write};
  {
    savepoint unit{*conn, "unit"};
    insert(1);
    conn->rollback(); // the transaction ends under the unit
  } // ROLLBACK TO fails: swallowed
  CAF_CHECK(!conn->in_transaction());
  CAF_CHECK_EQUAL(committed(), "");
}

CAF_TEST_FIXTURE_SCOPE_END()
