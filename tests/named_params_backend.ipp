// Named parameters (`:name`) on a real backend, through a broker: sql,
// execute and query (pulled and pushed) answer as their positional twins,
// and every malformed request is invalid_argument with nothing written.
// Included by one suite per backend, each defining `struct backend` (url(),
// literal_query: a statement whose literals hold `:name`-like text and
// whose only placeholder is `:n`, answering n + 1 and the text ':no')
// and CAF_SUITE first.

#include "sasync/actors/broker.hpp"

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace sasync;

namespace {

/// Every wait in this suite gives up after this long instead of hanging.
constexpr auto bound = std::chrono::seconds(30);
const caf::duration limit{bound};

/// The rows a consumer was pushed, shared with the test thread.
struct pushed_rows {
  std::mutex mtx;
  std::condition_variable changed;
  std::vector<row> rows;
  bool ended = false;
};

/// Takes every batch and grants as much credit again.
row_consumer::behavior_type collect_rows(row_consumer::pointer self,
                                         std::shared_ptr<pushed_rows> log) {
  return {
      [=](rows_atom, const cursor& source, row_batch& batch) {
        auto n = batch.rows.size();
        {
          std::lock_guard<std::mutex> guard{log->mtx};
          log->rows.insert(log->rows.end(), batch.rows.begin(),
                           batch.rows.end());
          log->ended = batch.done;
        }
        log->changed.notify_all();
        if (n > 0 && !batch.done)
          self->send(source, credit_atom::value, static_cast<std::uint32_t>(n));
      },
      [=](rows_atom, const cursor&, caf::error&) {
        {
          std::lock_guard<std::mutex> guard{log->mtx};
          log->ended = true;
        }
        log->changed.notify_all();
      },
  };
}

struct fixture {
  backend where;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  broker db = start();

  broker start() {
    broker_config bc;
    bc.engine = engine_config::parse(where.url());
    bc.tables.push_back(
        table_def{"named_orders",
                  {{"id", column_type::integer, false, true, true},
                   {"customer", column_type::text, false},
                   {"amount", column_type::real, false},
                   {"note", column_type::text, true}}});
    return spawn_broker(sys, bc);
  }

  ~fixture() {
    caf::error err;
    self->request(db, bound, shutdown_atom::value)
        .receive([] {}, [&](caf::error& e) { err = std::move(e); });
    if (err)
      CAF_MESSAGE("shutdown: " << sys.render(err));
  }

  template <class T> T require(caf::expected<T> x) {
    if (!x)
      CAF_FAIL(sys.render(x.error()));
    return std::move(*x);
  }

  void require(caf::expected<void> x) {
    if (!x)
      CAF_FAIL(sys.render(x.error()));
  }

  std::int64_t count() {
    auto rs =
        require(sql(self, db, "SELECT count(*) FROM named_orders", {}, limit));
    return rs.rows.at(0).at(0).as_integer();
  }

  /// The rendered error of `x`, which must be invalid_argument.
  template <class T> std::string invalid(const caf::expected<T>& x) {
    CAF_REQUIRE(!x);
    CAF_CHECK(is(x.error(), errc::invalid_argument));
    return sys.render(x.error());
  }

  void insert(const std::string& customer, double amount) {
    require(sql_named(
        self, db,
        "INSERT INTO named_orders (customer, amount, note) "
        "VALUES (:customer, :amount, :customer)",
        {{"customer", value{customer}}, {"amount", value{amount}}}, limit));
  }
};

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(named_params_backend_tests, fixture)

CAF_TEST(a_named_insert_and_select_round_trip) {
  insert("ann", 1.5);
  insert("bob", 2.5);
  insert("ann", 4.0);
  // A repeated name binds its value at each place.
  auto rs = require(sql_named(
      self, db,
      "SELECT customer, amount, note FROM named_orders WHERE customer = :who "
      "AND note = :who AND amount >= :least ORDER BY amount",
      {{"who", value{"ann"}}, {"least", value{1.0}}}, limit));
  CAF_CHECK_EQUAL(rs.columns,
                  (std::vector<std::string>{"customer", "amount", "note"}));
  CAF_REQUIRE_EQUAL(rs.rows.size(), 2u);
  CAF_CHECK(rs.rows[0] == (row{"ann", 1.5, "ann"}));
  CAF_CHECK(rs.rows[1] == (row{"ann", 4.0, "ann"}));
  // An update answers the rows it changed, as positional sql does.
  auto updated =
      require(sql_named(self, db,
                        "UPDATE named_orders SET amount = amount + :d WHERE "
                        "customer = :who",
                        {{"d", value{1}}, {"who", value{"bob"}}}, limit));
  CAF_CHECK_EQUAL(updated.rows_affected, 1);
  // Text in literals and comments that looks like a name is no parameter.
  auto lit = require(
      sql_named(self, db, where.literal_query, {{"n", value{41}}}, limit));
  CAF_REQUIRE_EQUAL(lit.rows.size(), 1u);
  CAF_CHECK(lit.rows[0].at(0) == value{42});
  CAF_CHECK(lit.rows[0].at(1) == value{":no"});
}

CAF_TEST(a_named_prepared_statement_runs_with_a_map) {
  insert("ann", 1.5);
  insert("bob", 2.5);
  require(prepare(self, db, "named_by_customer",
                  "SELECT amount FROM named_orders WHERE customer = :who",
                  limit));
  auto rs = require(execute_named(self, db, "named_by_customer",
                                  {{"who", value{"bob"}}}, limit));
  CAF_REQUIRE_EQUAL(rs.rows.size(), 1u);
  CAF_CHECK(rs.rows[0].at(0) == value{2.5});
  // Again: the prepared statement is reused.
  rs = require(execute_named(self, db, "named_by_customer",
                             {{"who", value{"ann"}}}, limit));
  CAF_REQUIRE_EQUAL(rs.rows.size(), 1u);
  CAF_CHECK(rs.rows[0].at(0) == value{1.5});
  // A name nobody prepared is missing, as with execute.
  auto none = execute_named(self, db, "named_nothing", {}, limit);
  CAF_REQUIRE(!none);
  CAF_CHECK(is(none.error(), errc::missing));
}

CAF_TEST(a_named_query_gives_a_cursor_pulled_or_pushed) {
  for (int i = 1; i <= 25; ++i)
    insert(i % 2 ? "odd" : "even", i);
  auto info = require(query_named(
      self, db,
      "SELECT amount FROM named_orders WHERE customer = :c ORDER BY amount",
      {{"c", value{"odd"}}}, limit));
  CAF_CHECK_EQUAL(info.columns, (std::vector<std::string>{"amount"}));
  std::vector<row> pulled;
  auto n = require(for_each_row(
      self, info.rows, [&](const row& r) { pulled.push_back(r); }, 5, limit));
  CAF_CHECK_EQUAL(n, 13u);
  CAF_REQUIRE_EQUAL(pulled.size(), 13u);
  CAF_CHECK(pulled.front().at(0) == value{1.0});
  CAF_CHECK(pulled.back().at(0) == value{25.0});
  // Pushed to a consumer, a few rows of credit at a time.
  auto log = std::make_shared<pushed_rows>();
  auto to = sys.spawn(collect_rows, log);
  require(query_named(
      self, db,
      "SELECT amount FROM named_orders WHERE customer = :c ORDER BY amount",
      {{"c", value{"even"}}}, to, 4, limit));
  {
    std::unique_lock<std::mutex> guard{log->mtx};
    CAF_REQUIRE(
        log->changed.wait_for(guard, bound, [&] { return log->ended; }));
    CAF_REQUIRE_EQUAL(log->rows.size(), 12u);
    CAF_CHECK(log->rows.front().at(0) == value{2.0});
    CAF_CHECK(log->rows.back().at(0) == value{24.0});
  }
  caf::anon_send_exit(to, caf::exit_reason::user_shutdown);
}

CAF_TEST(each_malformed_request_is_invalid_argument_and_writes_nothing) {
  const std::string insert_sql = "INSERT INTO named_orders (customer, amount) "
                                 "VALUES (:customer, :amount)";
  const named_values both{{"customer", value{"x"}}, {"amount", value{1.0}}};
  // Mixing ? and :name.
  auto why = invalid(sql_named(self, db,
                               "INSERT INTO named_orders (customer, amount) "
                               "VALUES (?, :amount)",
                               {{"amount", value{1.0}}}, limit));
  CAF_CHECK(mentions(why, "mixes ? and :name"));
  // A name without a value.
  why = invalid(
      sql_named(self, db, insert_sql, {{"customer", value{"x"}}}, limit));
  CAF_CHECK(mentions(why, ":amount"));
  // A value no name uses.
  auto extra = both;
  extra.emplace("colour", value{"red"});
  why = invalid(sql_named(self, db, insert_sql, extra, limit));
  CAF_CHECK(mentions(why, ":colour"));
  // The same through a prepared statement and a cursor.
  require(prepare(self, db, "named_insert", insert_sql, limit));
  why = invalid(
      execute_named(self, db, "named_insert", {{"amount", value{1.0}}}, limit));
  CAF_CHECK(mentions(why, ":customer"));
  why = invalid(execute_named(self, db, "named_insert", extra, limit));
  CAF_CHECK(mentions(why, ":colour"));
  why = invalid(query_named(self, db,
                            "SELECT * FROM named_orders WHERE customer = :c",
                            {{"c", value{"x"}}, {"d", value{1}}}, limit));
  CAF_CHECK(mentions(why, ":d"));
  why = invalid(query_named(self, db,
                            "SELECT * FROM named_orders WHERE customer = :c",
                            named_values{}, limit));
  CAF_CHECK(mentions(why, ":c"));
  why = invalid(query_named(
      self, db, "SELECT * FROM named_orders WHERE id = ? OR customer = :c",
      {{"c", value{"x"}}}, limit));
  CAF_CHECK(mentions(why, "mixes"));
  CAF_CHECK_EQUAL(count(), 0);
  // The statement itself was fine: with the right map it writes one row.
  require(execute_named(self, db, "named_insert", both, limit));
  CAF_CHECK_EQUAL(count(), 1);
}

CAF_TEST(event_based_helpers_take_named_parameters_too) {
  require(prepare(self, db, "named_amount",
                  "SELECT amount FROM named_orders WHERE customer = :who",
                  limit));
  auto log = std::make_shared<pushed_rows>();
  auto to = sys.spawn(collect_rows, log);
  caf::actor report_to{self};
  // One actor chains the helpers and reports what it saw, or the error.
  sys.spawn(
      [=](caf::event_based_actor* client, const broker& on) {
        auto fail = [=](caf::error& err) { client->send(report_to, err); };
        sql_named(
            client, on,
            "INSERT INTO named_orders (customer, amount) VALUES (:c, :a)",
            {{"c", value{"eve"}}, {"a", value{3.5}}},
            [=](result_set& added) {
              execute_named(
                  client, on, "named_amount", {{"who", value{"eve"}}},
                  [=](result_set& found) {
                    query_named(
                        client, on,
                        "SELECT customer FROM named_orders WHERE amount = :a",
                        {{"a", value{3.5}}},
                        [=](cursor_info& info) {
                          fetch(
                              client, info.rows, 10,
                              [=](row_batch& batch) {
                                query_named(
                                    client, on,
                                    "SELECT CAST(:x AS INTEGER) AS x",
                                    {{"x", value{7}}}, to, 10,
                                    [=](cursor_info&) {
                                      client->send(
                                          report_to,
                                          std::to_string(added.rows_affected) +
                                              " " +
                                              std::to_string(found.rows.at(0)
                                                                 .at(0)
                                                                 .as_real()) +
                                              " " +
                                              batch.rows.at(0).at(0).as_text());
                                    },
                                    fail, limit);
                              },
                              fail, limit);
                        },
                        fail, limit);
                  },
                  fail, limit);
            },
            fail, limit);
      },
      db);
  std::string seen;
  self->receive([&](std::string& x) { seen = std::move(x); },
                [&](caf::error& err) { seen = sys.render(err); },
                caf::after(bound) >> [&] { seen = "no report"; });
  CAF_CHECK_EQUAL(seen, "1 3.500000 eve");
  {
    std::unique_lock<std::mutex> guard{log->mtx};
    CAF_REQUIRE(
        log->changed.wait_for(guard, bound, [&] { return log->ended; }));
    CAF_REQUIRE_EQUAL(log->rows.size(), 1u);
    CAF_CHECK(log->rows[0].at(0) == value{7});
  }
  caf::anon_send_exit(to, caf::exit_reason::user_shutdown);
}

CAF_TEST(a_node_holds_named_requests_to_its_limits) {
  node_limits limits;
  limits.parameters = 2;
  limits.value_bytes = 8;
  auto entry = spawn_node(sys, db, limits);
  const std::string insert = "INSERT INTO named_orders (customer, amount) "
                             "VALUES (:c, :a)";
  auto why = invalid(sql_named(
      self, entry, insert,
      {{"c", value{"x"}}, {"a", value{1.0}}, {"b", value{2}}}, limit));
  CAF_CHECK(mentions(why, "limit of 2"));
  why = invalid(
      sql_named(self, entry, insert,
                {{"c", value{std::string(9, 'x')}}, {"a", value{1.0}}}, limit));
  CAF_CHECK(mentions(why, "limit of 8"));
  // No DDL from peers, named or not.
  why = invalid(sql_named(self, entry, "DROP TABLE named_orders", {}, limit));
  CAF_CHECK(mentions(why, "DDL"));
  why = invalid(query_named(self, entry, "SELECT :a",
                            {{"a", value{"123456789"}}}, limit));
  CAF_CHECK(mentions(why, "limit of 8"));
  CAF_CHECK_EQUAL(count(), 0);
  // Within the limits the node passes them on.
  require(sql_named(self, entry, insert, {{"c", value{"x"}}, {"a", value{1.0}}},
                    limit));
  CAF_CHECK_EQUAL(count(), 1);
  caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
