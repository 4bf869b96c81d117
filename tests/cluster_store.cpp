// The cluster's shared state on the real PostgreSQL server: members alive
// by their session and their reports, one owner per group with rising
// epochs, and the fence that keeps a replaced owner's writes out. Each
// fixture works in a schema of its own.
#define CAF_SUITE storage.cluster_store

#include "sasync/storage/cluster_store.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/transaction.hpp"

#include "backends.hpp"

#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include <unistd.h>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = 30s;
constexpr auto lease = 60'000ms; // long: these tests age members by SQL

bool fails_with(failure_kind kind, const std::function<void()>& f) {
  try {
    f();
  } catch (const storage_failure& e) {
    CAF_MESSAGE("failed as expected: " << e.what());
    return e.kind() == kind;
  }
  return false;
}

struct fixture {
  std::string schema = "sasync_cluster_" + std::to_string(::getpid());
  std::unique_ptr<connection> admin = open();

  fixture() {
    admin->execute_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    admin->execute_script("CREATE SCHEMA " + schema);
    use_schema(*admin);
    create_cluster_tables(*admin);
    admin->execute_script("CREATE TABLE writes (k bigint PRIMARY KEY)");
  }

  ~fixture() {
    try {
      admin->rollback();
      admin->execute_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (...) {
    }
  }

  static std::unique_ptr<connection> open() {
    return open_connection(engine_config::parse(test::postgresql_url()),
                           access_mode::write);
  }

  void use_schema(connection& conn) {
    conn.execute_script("SET search_path TO " + schema);
  }

  /// A member's session, in the fixture's schema.
  std::unique_ptr<connection> session() {
    auto conn = open();
    use_schema(*conn);
    return conn;
  }

  std::map<std::int64_t, bool> alive() {
    std::map<std::int64_t, bool> out;
    for (auto& m : cluster_members(*admin, lease))
      out[m.id] = m.alive;
    return out;
  }

  /// Waits (bounded) until `member` counts dead: a backend that lost its
  /// client ends a moment later.
  bool becomes_dead(std::int64_t member) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!alive()[member])
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  /// Ages a member's last report beyond the lease, as a frozen process's.
  void stop_reports(std::int64_t member) {
    admin->execute("UPDATE sasync_members SET seen_at = now() - "
                   "interval '1 hour' WHERE id = ?",
                   {value{member}});
  }

  /// One write for `group` under `owner`'s fence, committed.
  void fenced_write(connection& conn, std::int64_t group,
                    const group_owner& owner, std::int64_t k) {
    transaction tx{conn, access_mode::write};
    fence_group(conn, group_kind::dict, group, owner);
    conn.execute("INSERT INTO writes VALUES (?)", {value{k}});
    tx.commit();
  }

  bool written(std::int64_t k) {
    return !admin->execute("SELECT 1 FROM writes WHERE k = ?", {value{k}})
                .rows.empty();
  }

  /// Waits (bounded) until some session of this database waits for a lock.
  bool someone_waits_for_a_lock() {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      auto rs = admin->execute("SELECT count(*) FROM pg_stat_activity WHERE "
                               "datname = current_database() AND "
                               "wait_event_type = 'Lock'");
      if (rs.rows.at(0).at(0).as_integer() > 0)
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

} // namespace

CAF_TEST(preferred_owners_spread_groups_and_few_move_when_a_member_goes) {
  std::vector<cluster_member> three{{11, "a", true}, {12, "b", true},
                                    {13, "c", true}};
  std::map<std::int64_t, int> per_member;
  std::map<std::int64_t, std::int64_t> before;
  for (std::int64_t g = 0; g < 3000; ++g) {
    auto owner = preferred_owner(three, group_kind::items, g);
    CAF_REQUIRE(owner);
    ++per_member[*owner];
    before[g] = *owner;
  }
  for (auto& [member, n] : per_member) {
    CAF_MESSAGE("member " << member << ": " << n << " of 3000 groups");
    CAF_CHECK_GREATER(n, 800);
    CAF_CHECK_LESS(n, 1200);
  }
  three[1].alive = false; // member 12 dies: only its groups move
  for (std::int64_t g = 0; g < 3000; ++g) {
    auto owner = preferred_owner(three, group_kind::items, g);
    CAF_REQUIRE(owner);
    CAF_CHECK_NOT_EQUAL(*owner, 12);
    if (before[g] != 12)
      CAF_CHECK_EQUAL(*owner, before[g]);
  }
  // Items and arrays are placed apart (the same number is another group);
  // items and dict of one group share their rows, and so one owner.
  auto differ = 0;
  for (std::int64_t g = 0; g < 300; ++g) {
    differ += preferred_owner(three, group_kind::items, g) !=
              preferred_owner(three, group_kind::array, g);
    CAF_CHECK(preferred_owner(three, group_kind::items, g) ==
              preferred_owner(three, group_kind::dict, g));
  }
  CAF_CHECK_GREATER(differ, 0);
  for (auto& m : three)
    m.alive = false;
  CAF_CHECK(!preferred_owner(three, group_kind::items, 1));
}

CAF_TEST(a_cluster_needs_postgresql) {
  test::sqlite_file file{"cluster"};
  auto conn = open_connection(engine_config::parse(file.url()),
                              access_mode::write);
  CAF_CHECK(fails_with(failure_kind::invalid_argument,
                       [&] { create_cluster_tables(*conn); }));
  CAF_CHECK(fails_with(failure_kind::invalid_argument,
                       [&] { join_cluster(*conn, "127.0.0.1:4242"); }));
}

CAF_TEST_FIXTURE_SCOPE(cluster_store_tests, fixture)

CAF_TEST(members_are_alive_while_their_session_lives_and_dead_once_it_ends) {
  auto a_session = session();
  auto b_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  auto b = join_cluster(*b_session, "127.0.0.1:5002");
  CAF_CHECK_NOT_EQUAL(a, b);
  auto members = cluster_members(*admin, lease);
  CAF_REQUIRE_EQUAL(members.size(), 2u);
  CAF_CHECK_EQUAL(members[0].address, "127.0.0.1:5001");
  CAF_CHECK(members[0].alive);
  CAF_CHECK(members[1].alive);
  report_alive(*a_session, a, lease);
  a_session.reset(); // a process killed: its socket closes
  CAF_CHECK(becomes_dead(a));
  CAF_CHECK(alive()[b]);
}

CAF_TEST(two_clusters_in_one_database_keep_their_members_apart) {
  // Another cluster in a schema of its own, whose member ids start at 1 as
  // this one's do: a member's lock must belong to its own cluster's table.
  auto other = schema + "_other";
  admin->execute_script("DROP SCHEMA IF EXISTS " + other + " CASCADE");
  admin->execute_script("CREATE SCHEMA " + other);
  auto in_other = open();
  in_other->execute_script("SET search_path TO " + other);
  create_cluster_tables(*in_other);
  auto mine_session = session();
  auto mine = join_cluster(*mine_session, "127.0.0.1:5001");
  auto theirs = join_cluster(*in_other, "127.0.0.1:6001");
  CAF_CHECK_EQUAL(mine, theirs); // both the first of their cluster
  CAF_CHECK(alive()[mine]);
  auto others = cluster_members(*in_other, lease);
  CAF_REQUIRE_EQUAL(others.size(), 1u);
  CAF_CHECK(others[0].alive);
  // One ending leaves the other alive.
  mine_session.reset();
  CAF_CHECK(becomes_dead(mine));
  others = cluster_members(*in_other, lease);
  CAF_CHECK(others.at(0).alive);
  in_other.reset();
  admin->execute_script("DROP SCHEMA IF EXISTS " + other + " CASCADE");
}

CAF_TEST(a_terminated_session_counts_its_member_dead_and_it_cannot_report) {
  auto a_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  auto pid = a_session->execute("SELECT pg_backend_pid()")
                 .rows.at(0)
                 .at(0)
                 .as_integer();
  admin->execute("SELECT pg_terminate_backend(?)", {value{pid}});
  CAF_CHECK(becomes_dead(a));
  CAF_CHECK(fails_with(failure_kind::connection,
                       [&] { report_alive(*a_session, a, lease); }));
}

CAF_TEST(a_member_that_stops_reporting_is_dead_and_fenced_when_it_reports) {
  auto a_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  stop_reports(a);
  CAF_CHECK(!alive()[a]); // its session still holds the lock
  CAF_CHECK(fails_with(failure_kind::fenced,
                       [&] { report_alive(*a_session, a, lease); }));
}

CAF_TEST(the_first_settle_takes_the_candidate_and_a_live_owner_stays) {
  auto a_session = session();
  auto b_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  auto b = join_cluster(*b_session, "127.0.0.1:5002");
  CAF_CHECK(!recorded_owner(*admin, group_kind::items, 7));
  auto first = settle_owner(*admin, group_kind::items, 7, a, lease);
  CAF_CHECK_EQUAL(first.member, a);
  CAF_CHECK_EQUAL(first.epoch, 1);
  auto second = settle_owner(*admin, group_kind::items, 7, b, lease);
  CAF_CHECK_EQUAL(second.member, a);
  CAF_CHECK_EQUAL(second.epoch, 1);
  auto recorded = recorded_owner(*admin, group_kind::items, 7);
  CAF_REQUIRE(recorded);
  CAF_CHECK_EQUAL(recorded->member, a);
  // Another kind with the same number is another group.
  CAF_CHECK_EQUAL(settle_owner(*admin, group_kind::array, 7, b, lease).member,
                  b);
  // A dead candidate takes nothing.
  stop_reports(b);
  CAF_CHECK(fails_with(failure_kind::busy, [&] {
    settle_owner(*admin, group_kind::items, 8, b, lease);
  }));
}

CAF_TEST(owned_group_counts_count_each_members_groups_not_handed_back_ones) {
  auto a_session = session();
  auto b_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  auto b = join_cluster(*b_session, "127.0.0.1:5002");
  CAF_CHECK(owned_group_counts(*admin).empty());
  for (std::int64_t g = 1; g <= 3; ++g)
    settle_owner(*admin, group_kind::items, g, a, lease);
  auto given_back = settle_owner(*admin, group_kind::items, 4, b, lease);
  settle_owner(*admin, group_kind::array, 1, b, lease);
  release_group(*admin, group_kind::items, 4, given_back);
  // The dict of group 1 is the items group's: owned by a already.
  CAF_CHECK_EQUAL(settle_owner(*admin, group_kind::dict, 1, b, lease).member,
                  a);
  auto counts = owned_group_counts(*admin);
  CAF_CHECK_EQUAL(counts.size(), 2u);
  CAF_CHECK_EQUAL(counts[a], 3);
  CAF_CHECK_EQUAL(counts[b], 1);
}

CAF_TEST(a_dead_owners_group_moves_with_a_higher_epoch_and_its_writes_fail) {
  auto a_session = session();
  auto b_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  auto b = join_cluster(*b_session, "127.0.0.1:5002");
  auto a_writer = session();
  auto owned = settle_owner(*admin, group_kind::dict, 3, a, lease);
  fenced_write(*a_writer, 3, owned, 1);
  CAF_CHECK(written(1));
  stop_reports(a); // frozen: its session and its writer stay open
  auto taken = settle_owner(*admin, group_kind::dict, 3, b, lease);
  CAF_CHECK_EQUAL(taken.member, b);
  CAF_CHECK_EQUAL(taken.epoch, owned.epoch + 1);
  // Thawed, the old owner still believes it owns the group.
  CAF_CHECK(fails_with(failure_kind::fenced,
                       [&] { fenced_write(*a_writer, 3, owned, 2); }));
  CAF_CHECK(!written(2));
  fenced_write(*b_session, 3, taken, 3);
  CAF_CHECK(written(3));
}

CAF_TEST(a_takeover_waits_for_the_old_owners_open_write_which_commits_first) {
  auto a_session = session();
  auto b_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  auto b = join_cluster(*b_session, "127.0.0.1:5002");
  auto owned = settle_owner(*admin, group_kind::dict, 5, a, lease);
  auto a_writer = session();
  a_writer->begin(access_mode::write);
  fence_group(*a_writer, group_kind::dict, 5, owned);
  a_writer->execute("INSERT INTO writes VALUES (10)");
  stop_reports(a);
  auto takeover = std::async(std::launch::async, [&] {
    auto conn = session();
    return settle_owner(*conn, group_kind::dict, 5, b, lease);
  });
  CAF_REQUIRE(someone_waits_for_a_lock());
  CAF_CHECK(takeover.wait_for(0s) == std::future_status::timeout);
  a_writer->commit(); // passed its fence before the takeover: it stays
  CAF_REQUIRE(takeover.wait_for(bound) == std::future_status::ready);
  auto taken = takeover.get();
  CAF_CHECK_EQUAL(taken.member, b);
  CAF_CHECK_EQUAL(taken.epoch, owned.epoch + 1);
  CAF_CHECK(written(10));
}

CAF_TEST(a_takeover_behind_a_frozen_write_gives_up_after_the_lease) {
  auto a_session = session();
  auto b_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  auto b = join_cluster(*b_session, "127.0.0.1:5002");
  auto owned = settle_owner(*admin, group_kind::dict, 6, a, lease);
  auto a_writer = session();
  a_writer->begin(access_mode::write);
  fence_group(*a_writer, group_kind::dict, 6, owned); // and never ends
  stop_reports(a);
  auto t0 = std::chrono::steady_clock::now();
  CAF_CHECK(fails_with(failure_kind::busy, [&] {
    settle_owner(*b_session, group_kind::dict, 6, b, 1'000ms);
  }));
  CAF_MESSAGE("gave up after "
              << std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - t0)
                     .count()
              << " s");
  a_writer->rollback();
  CAF_CHECK_EQUAL(settle_owner(*b_session, group_kind::dict, 6, b, lease)
                      .member,
                  b);
}

CAF_TEST(leaving_hands_every_group_back_and_the_next_settle_raises_epochs) {
  auto a_session = session();
  auto b_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  auto b = join_cluster(*b_session, "127.0.0.1:5002");
  for (std::int64_t g = 1; g <= 3; ++g)
    settle_owner(*admin, group_kind::items, g, a, lease);
  leave_cluster(*a_session, a);
  CAF_CHECK_EQUAL(alive().count(a), 0u);
  for (std::int64_t g = 1; g <= 3; ++g) {
    CAF_CHECK(!recorded_owner(*admin, group_kind::items, g));
    auto next = settle_owner(*admin, group_kind::items, g, b, lease);
    CAF_CHECK_EQUAL(next.member, b);
    CAF_CHECK_EQUAL(next.epoch, 3); // taken, handed back, taken
  }
  // Handing one group back: only while still its owner.
  auto owner = *recorded_owner(*admin, group_kind::items, 1);
  release_group(*admin, group_kind::items, 1, {owner.member, owner.epoch - 1});
  CAF_CHECK(recorded_owner(*admin, group_kind::items, 1));
  release_group(*admin, group_kind::items, 1, owner);
  CAF_CHECK(!recorded_owner(*admin, group_kind::items, 1));
}

CAF_TEST(members_that_died_owning_nothing_are_forgotten_as_others_join) {
  auto a_session = session();
  auto a = join_cluster(*a_session, "127.0.0.1:5001");
  a_session.reset();
  CAF_REQUIRE(becomes_dead(a));
  auto b_session = session();
  auto b = join_cluster(*b_session, "127.0.0.1:5002");
  auto now = alive();
  CAF_CHECK_EQUAL(now.count(a), 0u);
  CAF_CHECK_EQUAL(now.count(b), 1u);
}

CAF_TEST(two_members_starting_on_a_cold_database_both_create_the_tables) {
  admin->execute_script("DROP TABLE sasync_members, sasync_owners");
  std::promise<void> go;
  auto start = go.get_future().share();
  auto create = [&] {
    auto conn = session();
    start.wait();
    create_cluster_tables(*conn);
    return join_cluster(*conn, "127.0.0.1:5001") > 0;
  };
  auto x = std::async(std::launch::async, create);
  auto y = std::async(std::launch::async, create);
  go.set_value();
  CAF_CHECK(x.get());
  CAF_CHECK(y.get());
}

CAF_TEST(members_joining_at_once_all_stay_members) {
  // A joining member forgets rows whose lock nobody holds: a row that was
  // inserted but not yet locked by another joiner must never look so.
  constexpr int joiners = 8;
  constexpr int rounds = 10;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::unique_ptr<connection>> sessions;
    for (int i = 0; i < joiners; ++i)
      sessions.push_back(session());
    std::promise<void> go;
    auto start = go.get_future().share();
    std::vector<std::future<std::int64_t>> ids;
    for (auto& s : sessions)
      ids.push_back(std::async(std::launch::async, [&start, conn = s.get()] {
        start.wait();
        return join_cluster(*conn, "127.0.0.1:5001");
      }));
    go.set_value();
    auto now_alive = [&] {
      std::vector<std::int64_t> out;
      for (auto& [id, alive] : alive())
        if (alive)
          out.push_back(id);
      return out;
    };
    std::vector<std::int64_t> joined;
    for (auto& f : ids)
      joined.push_back(f.get());
    auto listed = now_alive();
    for (auto id : joined)
      if (std::find(listed.begin(), listed.end(), id) == listed.end())
        CAF_FAIL("round " << round << ": member " << id
                          << " joined but its row is gone");
    sessions.clear();
    for (auto id : joined)
      CAF_REQUIRE(becomes_dead(id));
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
