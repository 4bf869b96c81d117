// What the README promises a C++ client on another node, shown against
// sasyncd as a real process on loopback: a consumer actor on the client's
// node is pushed a remote cursor's rows in order within its credit, and
// requests to group actors obtained through a node that dies (kill -9)
// fail with unreachable instead of hanging. Every wait is bounded.
#define CAF_SUITE remote.promises

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/query/row_consumer.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/value_codec.hpp"

#include "ask.hpp"
#include "backends.hpp"
#include "daemon_process.hpp"
#include "watched.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = std::chrono::seconds(30);
const caf::duration limit{bound};

struct client_config : system_config {
  client_config() { load<caf::io::middleman>(); }
};

/// What a consumer on this node was pushed.
struct pushed {
  std::vector<std::int64_t> numbers;
  std::size_t batches = 0;
  std::size_t largest_batch = 0;
  /// Rows beyond the credit granted and not yet used when they arrived.
  std::uint64_t over_credit = 0;
  std::uint64_t granted = 0;
  bool done = false;
  caf::error error;
};

using shared_pushed = std::shared_ptr<test::watched<pushed>>;

struct consumer_state {
  shared_pushed log;
  std::uint64_t outstanding = 0;
  std::uint32_t regrant = 0;
};

/// Takes each batch, then grants `regrant` rows more once its credit is
/// used up, so the cursor keeps running into its limit.
row_consumer::behavior_type
consumer_impl(row_consumer::stateful_pointer<consumer_state> self,
              shared_pushed log, std::uint32_t initial, std::uint32_t regrant) {
  self->state.log = std::move(log);
  self->state.outstanding = initial;
  self->state.regrant = regrant;
  return {
      [=](rows_atom, const cursor& source, row_batch& batch) {
        auto& st = self->state;
        auto n = batch.rows.size();
        auto over = n > st.outstanding ? n - st.outstanding : 0;
        st.outstanding -= std::min<std::uint64_t>(n, st.outstanding);
        bool grant = st.outstanding == 0 && !batch.done;
        st.log->update([&](pushed& p) {
          for (auto& r : batch.rows)
            p.numbers.push_back(r.at(0).as_integer());
          ++p.batches;
          p.largest_batch = std::max(p.largest_batch, n);
          p.over_credit += over;
          p.done = batch.done;
          if (grant)
            p.granted += st.regrant;
        });
        if (grant) {
          st.outstanding += st.regrant;
          self->send(source, credit_atom::value, st.regrant);
        }
      },
      [=](rows_atom, const cursor&, caf::error& err) {
        self->state.log->update([&](pushed& p) { p.error = std::move(err); });
      },
  };
}

/// What a request to a group actor came back with, and when.
struct answer {
  caf::error error;
  bool answered = false;
  std::chrono::steady_clock::time_point at;
};

using answers = std::shared_ptr<test::watched<std::map<std::string, answer>>>;

struct fixture {
  test::sqlite_file where{"promises-remote"};
  test::scratch_dir scratch{"promises-remote-node"};
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  std::filesystem::path config() {
    auto path = scratch.path() / "sasyncd.ini";
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << where.url() << "\"\n[node]\nport=0\n";
    return path;
  }

  node connect(std::uint16_t port) {
    return require(connect_node(sys, "127.0.0.1", port));
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

  /// Runs `statement` on the node.
  void sql(const node& db, const std::string& statement) {
    require(detail::ask<result_set>(self, db, limit, sql_atom::value,
                                    statement, std::vector<value>{}));
  }

  /// Waits (bounded) until the node's queue has `waiting` jobs waiting
  /// and one running.
  bool queue_holds(const node& db, std::uint64_t waiting) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      auto st = require(
          detail::ask<broker_status>(self, db, limit, status_atom::value));
      if (st.queue.running == 1 && st.queue.waiting >= waiting)
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  /// Sends one request to `dest` from an actor of its own and records its
  /// answer (of type R) under `what`.
  template <class R, class Handle, class... Ts>
  void send_and_record(const answers& log, const std::string& what,
                       const Handle& dest, Ts... xs) {
    auto record = [log, what](caf::error err) {
      log->update([&](std::map<std::string, answer>& m) {
        m[what] = answer{std::move(err), true, std::chrono::steady_clock::now()};
      });
    };
    auto on_error = [record](caf::error& err) { record(std::move(err)); };
    if constexpr (std::is_void_v<R>)
      test::ask(sys, dest, [record] { record(caf::error{}); }, on_error,
                xs...);
    else
      test::ask(sys, dest, [record](R&) { record(caf::error{}); }, on_error,
                xs...);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(promises_remote_tests, fixture)

CAF_TEST(a_consumer_on_the_client_node_gets_every_row_in_order_within_credit) {
  test::daemon_process daemon{config()};
  auto db = connect(daemon.port());
  constexpr std::int64_t count = 20'000;
  require(detail::ask<void>(
      self, db, limit, table_atom::value,
      table_def{"pushed_rows", {{"n", column_type::integer, false}}, {}}));
  sql(db, "INSERT INTO pushed_rows (n) SELECT i FROM (WITH RECURSIVE r(i) AS "
          "(SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < " +
              std::to_string(count) + ") SELECT i FROM r)");
  auto log = std::make_shared<test::watched<pushed>>();
  // An uneven credit, so that batches end mid-way through the cursor's
  // own read-ahead.
  constexpr std::uint32_t initial = 100;
  constexpr std::uint32_t regrant = 777;
  auto consumer = sys.spawn(consumer_impl, log, initial, regrant);
  auto t0 = std::chrono::steady_clock::now();
  auto info = require(detail::ask<cursor_info>(
      self, db, limit, query_atom::value,
      std::string{"SELECT n FROM pushed_rows ORDER BY n"},
      std::vector<value>{}, consumer, initial));
  CAF_CHECK_EQUAL(info.columns, std::vector<std::string>{"n"});
  CAF_REQUIRE(log->await(
      [](const pushed& p) { return p.done || static_cast<bool>(p.error); },
      bound));
  auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0);
  auto seen = log->read([](pushed& p) { return p; });
  CAF_MESSAGE(seen.numbers.size()
              << " rows pushed across nodes in " << seen.batches
              << " batches (largest " << seen.largest_batch << ") in "
              << seconds.count() << " s; credit granted: "
              << initial + seen.granted);
  if (seen.error)
    CAF_FAIL("the cursor failed: " << sys.render(seen.error));
  CAF_CHECK(seen.done);
  CAF_CHECK_EQUAL(seen.over_credit, 0u);
  CAF_CHECK_LESS_OR_EQUAL(seen.largest_batch, std::size_t{regrant});
  CAF_CHECK_LESS_OR_EQUAL(seen.numbers.size(), initial + seen.granted);
  CAF_REQUIRE_EQUAL(seen.numbers.size(), static_cast<std::size_t>(count));
  bool in_order = true;
  for (std::int64_t i = 0; i < count; ++i)
    in_order = in_order && seen.numbers[i] == i + 1;
  CAF_CHECK(in_order);
  // The cursor gave its connection back: the node serves a write at once.
  auto store = require(items_of(self, db, 1, limit));
  require(set(self, store, "after", std::string{"pushed"}, limit));
  auto st =
      require(detail::ask<broker_status>(self, db, limit, status_atom::value));
  CAF_CHECK_EQUAL(st.queue.leased, 0u);
  self->send_exit(consumer, caf::exit_reason::user_shutdown);
  disconnect_node(db);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(requests_to_group_actors_of_a_node_killed_fail_with_unreachable) {
  test::daemon_process daemon{config()};
  auto db = connect(daemon.port());
  auto store = require(items_of(self, db, 1, limit));
  // A group of its own: items of a dict's group would run through the dict.
  auto words = require(dict_of(self, db, 2, limit));
  auto cells = require(array_of(self, db, 1, limit));
  auto text = [](const std::string& s) { return encode(s); };
  require(set(self, store, "kept", std::string{"1"}, limit));
  require(detail::ask<void>(
      self, db, limit, table_atom::value,
      table_def{"slow", {{"x", column_type::integer, false}}, {}}));
  // A write that runs until the node dies holds the one SQLite writer, so
  // the writes below wait in the node's queue.
  auto log = std::make_shared<test::watched<std::map<std::string, answer>>>();
  send_and_record<result_set>(log, "runaway sql", db, sql_atom::value,
                  std::string{"INSERT INTO slow (x) SELECT count(*) FROM "
                              "(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL "
                              "SELECT i + 1 FROM r) SELECT i FROM r)"},
                  std::vector<value>{});
  CAF_REQUIRE(queue_holds(db, 0));
  send_and_record<void>(log, "items set", store, set_atom::value,
                  std::string{"waits"}, text("v"));
  send_and_record<std::uint64_t>(log, "items delete", store, delete_atom::value,
                  std::vector<std::string>{"kept"});
  send_and_record<void>(log, "array set", cells, set_atom::value, std::int64_t{1},
                  std::int64_t{2}, std::int64_t{3}, text("v"));
  send_and_record<std::uint64_t>(log, "array clear", cells, clear_atom::value);
  // A dict answers a set at once and writes behind; flush waits for it.
  require(set(self, words, "w", std::string{"v"}, limit));
  send_and_record<void>(log, "dict flush", words, flush_atom::value);
  CAF_REQUIRE(queue_holds(db, 3));
  CAF_CHECK(log->read([](auto& m) { return m.empty(); }));
  auto killed = std::chrono::steady_clock::now();
  daemon.process().signal(SIGKILL);
  CAF_CHECK_EQUAL(daemon.process().wait(bound), 128 + SIGKILL);
  constexpr std::size_t pending = 6;
  CAF_REQUIRE(log->await([](auto& m) { return m.size() == pending; }, bound));
  auto seen = log->read([](auto& m) { return m; });
  double slowest = 0;
  for (auto& [what, a] : seen) {
    auto after = std::chrono::duration<double>(a.at - killed).count();
    slowest = std::max(slowest, after);
    CAF_MESSAGE(what << ": " << after << " s after kill -9: "
                     << sys.render(a.error));
    CAF_CHECK(is(a.error, errc::unreachable));
  }
  CAF_MESSAGE("every pending request answered within " << slowest
                                                        << " s of kill -9");
  // Requests sent now fail too, without waiting for their timeout: the
  // stand-ins have quit (remote.hpp), so CAF answers for them.
  auto later = std::make_shared<test::watched<std::map<std::string, answer>>>();
  send_and_record<caf::optional<stored_value>>(later, "items get", store, get_atom::value,
                  std::string{"kept"});
  send_and_record<caf::optional<stored_value>>(later, "dict get", words, get_atom::value, std::string{"w"});
  send_and_record<caf::optional<stored_value>>(later, "array get", cells, get_atom::value, std::int64_t{1},
                  std::int64_t{2}, std::int64_t{3});
  send_and_record<items>(later, "items of the node", db, items_atom::value,
                  std::int64_t{2});
  CAF_REQUIRE(later->await([](auto& m) { return m.size() == 4; }, bound));
  for (auto& [what, a] : later->read([](auto& m) { return m; })) {
    CAF_MESSAGE("later " << what << ": " << sys.render(a.error));
    CAF_CHECK(is(a.error, errc::unreachable) ||
              a.error == caf::sec::request_receiver_down);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
