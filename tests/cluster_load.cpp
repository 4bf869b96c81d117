// Load and failover evidence with real processes: three sasyncd nodes on one
// PostgreSQL database (a schema of this run's own), 64 writer actors on 16
// items groups, each writing an increasing sequence to names of its own,
// through cluster handles connected to different nodes. Without failures
// every acknowledged write is what PostgreSQL holds; with the busiest owner
// killed (SIGKILL) and restarted five times under that load, no acknowledged
// write is lost and every group is written again within a bound derived
// from the lease. Figures (throughput, failures, takeover times) go to
// stdout. Every wait is bounded and waits for the event it names.
#define CAF_SUITE remote.cluster_load

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/value_codec.hpp"

#include "cluster_fixture.hpp"
#include "daemon_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int writer_count = 64;
constexpr int group_count = 16; ///< groups 1 .. 16; writer k writes group
                                ///< 1 + k % 16
constexpr int names_per_writer = 4;
constexpr double lease = 2; ///< seconds, in every node's config
constexpr auto bound = std::chrono::seconds(30);
/// A request's timeout: long enough for a write on three sanitized nodes
/// sharing two cores (under AddressSanitizer one took more than 5 s), short
/// enough that a request that is never answered shows (as errc::timeout)
/// inside the takeover bound.
constexpr auto request_timeout = std::chrono::seconds(20);

/// A writer asks for its group again after this when the cluster could not
/// give it: the pace of a retry loop, not a wait for an outcome.
constexpr auto retry_pause = std::chrono::milliseconds(20);

using again_atom = caf::atom_constant<caf::atom("again")>;

double seconds_between(clock_type::time_point t0, clock_type::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

std::string name_of(int writer, int j) {
  return "w" + std::to_string(writer) + "." + std::to_string(j);
}

std::int64_t group_of(int writer) {
  return 1 + writer % group_count;
}

/// How an error is counted.
std::string kind_of(const caf::error& err) {
  for (auto code :
       {errc::unreachable, errc::timeout, errc::fenced, errc::shutting_down,
        errc::database_error, errc::overloaded})
    if (is(err, code))
      return to_string(code);
  return "other";
}

/// What one name saw: its writes are sent one after another with values
/// 1, 2, 3, ... so the stored value tells which write came last.
struct name_record {
  std::int64_t acked = 0;            ///< the last acknowledged value
  std::vector<std::int64_t> unknown; ///< values whose write failed
};

/// When a group was written: the test marks a kill, writers record the
/// first acknowledged write on the group after it.
struct group_record {
  std::optional<clock_type::time_point> mark;
  std::optional<clock_type::time_point> first_ack;
  std::uint64_t acks = 0;
};

/// What the writers report, shared with the test's thread.
struct ledger {
  std::mutex mtx;
  std::condition_variable changed;
  std::vector<name_record> names =
      std::vector<name_record>(writer_count * names_per_writer);
  std::vector<group_record> groups = std::vector<group_record>(group_count);
  std::uint64_t acks = 0;
  std::map<std::string, std::uint64_t> write_failures;  ///< by kind
  std::map<std::string, std::uint64_t> lookup_failures; ///< by kind
  std::map<std::string, std::string> first_error;       ///< by kind
  /// Why writes failed since the last kill, and how often.
  std::map<std::string, std::uint64_t> reasons;
  int running = 0;
  std::atomic<bool> stop{false};
  /// Writes per writer, or 0 to write until `stop`.
  std::int64_t limit = 0;

  /// A write sent at `sent` was acknowledged.
  void acked(int writer, int j, std::int64_t value,
             clock_type::time_point sent) {
    std::lock_guard<std::mutex> guard{mtx};
    names[writer * names_per_writer + j].acked = value;
    auto& g = groups[group_of(writer) - 1];
    ++g.acks;
    // Only a write sent after the kill shows a takeover: an answer on its
    // way from the dead node does not.
    if (g.mark && !g.first_ack && sent > *g.mark)
      g.first_ack = clock_type::now();
    ++acks;
    changed.notify_all();
  }

  void write_failed(int writer, int j, std::int64_t value,
                    const std::string& kind, const std::string& text) {
    std::lock_guard<std::mutex> guard{mtx};
    // A fenced write committed nothing; any other failure may have.
    if (kind != to_string(errc::fenced))
      names[writer * names_per_writer + j].unknown.push_back(value);
    ++write_failures[kind];
    first_error.emplace(kind, text);
    ++reasons[text];
  }

  void lookup_failed(const std::string& kind, const std::string& text) {
    std::lock_guard<std::mutex> guard{mtx};
    ++lookup_failures[kind];
    first_error.emplace(kind, text);
  }

  void finished() {
    std::lock_guard<std::mutex> guard{mtx};
    --running;
    changed.notify_all();
  }

  /// Waits until `pred()` holds (under the lock) or `timeout` has passed.
  template <class Pred>
  bool wait_until(Pred pred, clock_type::duration timeout) {
    std::unique_lock<std::mutex> guard{mtx};
    return changed.wait_for(guard, timeout, pred);
  }

  std::uint64_t acked_count() {
    std::lock_guard<std::mutex> guard{mtx};
    return acks;
  }

  std::uint64_t failures(const std::string& kind) {
    std::lock_guard<std::mutex> guard{mtx};
    auto i = write_failures.find(kind);
    return i == write_failures.end() ? 0 : i->second;
  }
};

struct writer_state {
  node cluster;
  int id = 0;
  std::int64_t group = 0;
  std::optional<items> store;
  std::int64_t next = 1; ///< the value of the next write
  std::shared_ptr<ledger> book;
  static inline const char* name = "sasync.test.cluster_writer";
};

using writer_ptr = caf::stateful_actor<writer_state>*;

void resolve(writer_ptr self);

bool done(writer_ptr self) {
  auto& st = self->state;
  if (!st.book->stop && (st.book->limit == 0 || st.next <= st.book->limit))
    return false;
  st.book->finished();
  self->quit();
  return true;
}

/// Writes the next value to the next name; a failed write asks the cluster
/// for the group again (a handle that finds the group by itself only makes
/// that lookup cheap).
void write_next(writer_ptr self) {
  if (done(self))
    return;
  auto& st = self->state;
  auto value = st.next++;
  auto j = static_cast<int>(value % names_per_writer);
  auto sent = clock_type::now();
  set(
      self, *st.store, name_of(st.id, j), value,
      [self, j, value, sent] {
        self->state.book->acked(self->state.id, j, value, sent);
        write_next(self);
      },
      [self, j, value](caf::error& err) {
        auto& st = self->state;
        st.book->write_failed(st.id, j, value, kind_of(err),
                              self->system().render(err));
        st.store.reset();
        resolve(self);
      },
      request_timeout);
}

/// Asks the cluster for the group's actor, then writes.
void resolve(writer_ptr self) {
  if (done(self))
    return;
  auto& st = self->state;
  items_of(
      self, st.cluster, st.group,
      [self](items& store) {
        self->state.store = store;
        write_next(self);
      },
      [self](caf::error& err) {
        self->state.book->lookup_failed(kind_of(err),
                                        self->system().render(err));
        self->delayed_send(self, retry_pause, again_atom::value);
      },
      request_timeout);
}

caf::behavior writer(writer_ptr self, node cluster, int id,
                     std::shared_ptr<ledger> book) {
  auto& st = self->state;
  st.cluster = std::move(cluster);
  st.id = id;
  st.group = group_of(id);
  st.book = std::move(book);
  resolve(self);
  return {[self](again_atom) { resolve(self); }};
}

struct fixture : test::cluster_fixture {
  fixture() : cluster_fixture("load") {}

  /// The three nodes; a killed one is started again in its slot.
  std::vector<std::unique_ptr<test::daemon_process>> nodes;
  std::vector<node> clients;
  std::shared_ptr<ledger> book = std::make_shared<ledger>();

  void start_nodes() {
    for (auto name : {"a", "b", "c"})
      nodes.emplace_back(
          std::make_unique<test::daemon_process>(config(name, lease)));
    CAF_REQUIRE(all_alive());
  }

  /// Waits (bounded) until every node lists all three as alive members,
  /// and every client's view does: a client learns the members from it, so
  /// it can fail over to a node restarted at a new port.
  bool all_alive() {
    auto deadline = clock_type::now() + bound;
    while (clock_type::now() < deadline) {
      auto ok = true;
      for (auto& c : clients) {
        auto view = cluster_members_of(self, c, 10s);
        for (auto& d : nodes)
          if (!view || std::none_of(view->members.begin(), view->members.end(),
                                    [&](auto& m) {
                                      return m.alive &&
                                             m.address == address(*d);
                                    }))
            ok = false;
      }
      for (auto& d : nodes) {
        auto db = connect_node(sys, d->host(), d->port(), 10s);
        if (!db) {
          ok = false;
          break;
        }
        auto view = cluster_members_of(self, *db, 10s);
        disconnect_node(*db);
        auto alive = 0u;
        if (view)
          for (auto& m : view->members)
            alive += m.alive ? 1 : 0;
        if (!view || view->self == 0 || alive != nodes.size())
          ok = false;
      }
      if (ok)
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  /// Three cluster handles, each with another node first in its list.
  void connect_clients() {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      std::vector<endpoint> endpoints;
      for (std::size_t k = 0; k < nodes.size(); ++k) {
        auto& d = nodes[(i + k) % nodes.size()];
        endpoints.push_back({d->host(), d->port()});
      }
      auto cluster = connect_cluster(sys, endpoints, 10s);
      if (!cluster)
        CAF_FAIL("connect_cluster: " << sys.render(cluster.error()));
      clients.push_back(*cluster);
    }
  }

  void start_writers() {
    book->running = writer_count;
    for (int k = 0; k < writer_count; ++k)
      sys.spawn(writer, clients[k % clients.size()], k, book);
  }

  bool writers_finished() {
    return book->wait_until([this] { return book->running == 0; }, bound);
  }

  void disconnect_clients() {
    for (auto& c : clients)
      disconnect_node(c);
    clients.clear();
  }

  static std::int64_t items_kind() {
    return static_cast<std::int64_t>(group_kind::items);
  }

  /// Groups owned per member id (of groups 1 .. 16).
  std::map<std::int64_t, std::vector<std::int64_t>> owners() {
    auto rs =
        admin->execute("SELECT member, grp FROM sasync_owners WHERE "
                       "kind = ? AND grp BETWEEN 1 AND ? AND member IS "
                       "NOT NULL ORDER BY grp",
                       {value{items_kind()}, value{std::int64_t{group_count}}});
    std::map<std::int64_t, std::vector<std::int64_t>> out;
    for (auto& row : rs.rows)
      out[row.at(0).as_integer()].push_back(row.at(1).as_integer());
    return out;
  }

  std::string address_of(std::int64_t member) {
    auto rs = admin->execute("SELECT address FROM sasync_members WHERE id = ?",
                             {value{member}});
    return rs.rows.empty() ? std::string{} : rs.rows[0].at(0).as_text();
  }

  /// The slot of the node that listens at `address`, or -1.
  int slot_of(const std::string& address) {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (test::cluster_fixture::address(*nodes[i]) == address)
        return static_cast<int>(i);
    return -1;
  }

  /// Checks every name against PostgreSQL: its stored value is its last
  /// acknowledged one, or a later value whose write failed (it may have
  /// committed before its node died). `exact`: no write failed, so the
  /// stored value is the last acknowledged one. Returns the violations.
  int check_stored(bool exact) {
    std::map<std::string, std::int64_t> stored;
    auto rs = admin->execute("SELECT name, type, value FROM sasync_items "
                             "WHERE group_id BETWEEN 1 AND ?",
                             {value{std::int64_t{group_count}}});
    for (auto& row : rs.rows)
      stored[row.at(0).as_text()] = decode<std::int64_t>(
          stored_value{row.at(1).as_text(), row.at(2).as_blob()});
    std::lock_guard<std::mutex> guard{book->mtx};
    int violations = 0;
    std::uint64_t unknown_stored = 0;
    for (int k = 0; k < writer_count; ++k)
      for (int j = 0; j < names_per_writer; ++j) {
        auto& rec = book->names[k * names_per_writer + j];
        auto name = name_of(k, j);
        auto i = stored.find(name);
        std::optional<std::int64_t> got;
        if (i != stored.end())
          got = i->second;
        auto later_unknown = got && *got > rec.acked &&
                             std::find(rec.unknown.begin(), rec.unknown.end(),
                                       *got) != rec.unknown.end();
        auto ok = exact ? (rec.acked == 0 ? !got : got == rec.acked)
                        : (got == rec.acked && rec.acked != 0) ||
                              later_unknown || (!got && rec.acked == 0);
        unknown_stored += later_unknown ? 1 : 0;
        if (!ok && violations++ < 10)
          CAF_MESSAGE("name " << name << ": acknowledged " << rec.acked
                              << ", stored "
                              << (got ? std::to_string(*got) : "nothing")
                              << ", failed writes " << rec.unknown.size());
      }
    std::cout << "cluster_load: names checked "
              << writer_count * names_per_writer
              << ", holding a later write that failed: " << unknown_stored
              << ", violations: " << violations << std::endl;
    return violations;
  }

  void print_failures() {
    std::lock_guard<std::mutex> guard{book->mtx};
    for (auto& [kind, n] : book->write_failures)
      std::cout << "cluster_load: failed writes (" << kind << "): " << n
                << std::endl;
    for (auto& [kind, n] : book->lookup_failures)
      std::cout << "cluster_load: failed lookups (" << kind << "): " << n
                << std::endl;
    for (auto& [kind, text] : book->first_error)
      std::cout << "cluster_load: first " << kind << ": " << text << std::endl;
  }
};

/// One dict write of the test with two dict writers: when it was sent and
/// when its acknowledgement came, on one logical clock of the test process
/// (a counter, not a time), and what a read through the other node gave
/// right after the acknowledgement.
struct dict_write {
  int writer = 0;
  int step = 0;
  std::string name;
  std::int64_t value = 0;
  std::uint64_t sent = 0;
  std::uint64_t acked = 0; ///< 0: not acknowledged
  std::optional<std::int64_t> read_back;
};

constexpr int dict_writers = 2;
constexpr int dict_steps = 200; ///< per writer, every second one shared
constexpr std::int64_t dict_group = 100; ///< apart from the items groups
const std::string shared_name = "shared";

std::string dict_name_of(int writer, int step) {
  return "d" + std::to_string(writer) + "." + std::to_string(step / 2 % 4);
}

/// A shared write's value tells its writer and step apart.
std::int64_t shared_value(int writer, int step) {
  return std::int64_t{writer} * 1000000 + step;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_load_tests, fixture)

CAF_TEST(writers_on_three_nodes_keep_every_acknowledged_write_in_order) {
  start_nodes();
  connect_clients();
  book->limit = 40;
  auto t0 = clock_type::now();
  start_writers();
  CAF_REQUIRE(writers_finished());
  auto took = seconds_between(t0, clock_type::now());
  std::cout << "cluster_load: " << book->acked_count() << " writes by "
            << writer_count << " writers on " << group_count
            << " groups over 3 nodes in " << std::fixed << std::setprecision(2)
            << took << " s (" << std::setprecision(0)
            << static_cast<double>(book->acked_count()) / took << " writes/s)"
            << std::endl;
  print_failures();
  CAF_CHECK_EQUAL(book->acked_count(), std::uint64_t{writer_count * 40});
  CAF_CHECK(book->write_failures.empty());
  CAF_CHECK_EQUAL(check_stored(true), 0);
  // Groups spread over the three nodes: each owns at least one.
  auto owned = owners();
  for (auto& [member, groups] : owned)
    std::cout << "cluster_load: member " << member << " (" << address_of(member)
              << ") owns " << groups.size() << " groups" << std::endl;
  CAF_CHECK_EQUAL(owned.size(), 3u);
  disconnect_clients();
}

CAF_TEST(five_kills_of_the_busiest_owner_lose_no_acknowledged_write) {
  constexpr int kills = 5;
  const auto takeover_bound = lease + 30; // seconds
  start_nodes();
  connect_clients();
  start_writers();
  std::vector<double> takeovers;
  for (int round = 1; round <= kills; ++round) {
    // Under load: the writers have written since the last round.
    auto before = book->acked_count();
    for (auto& d : nodes)
      d->process().errors(); // read, so that no daemon's stderr pipe fills
    CAF_REQUIRE(
        book->wait_until([&] { return book->acks >= before + 500; }, bound));
    // The member that owns the most groups, and its groups.
    auto owned = owners();
    auto busiest = std::max_element(owned.begin(), owned.end(),
                                    [](const auto& x, const auto& y) {
                                      return x.second.size() < y.second.size();
                                    });
    CAF_REQUIRE(busiest != owned.end());
    auto where = address_of(busiest->first);
    auto slot = slot_of(where);
    CAF_REQUIRE_NOT_EQUAL(slot, -1);
    auto groups = busiest->second;
    auto unreachable_before = book->failures("unreachable");
    {
      std::lock_guard<std::mutex> guard{book->mtx};
      auto now = clock_type::now();
      for (auto g : groups)
        book->groups[g - 1] = group_record{now, std::nullopt, 0};
      book->reasons.clear();
    }
    auto killed_at = clock_type::now();
    nodes[slot]->process().signal(SIGKILL);
    CAF_REQUIRE(nodes[slot]->process().wait(bound));
    // Back in its slot (a new member at a new port) while the writers go
    // on through the other two.
    nodes[slot].reset();
    nodes[slot] = std::make_unique<test::daemon_process>(
        config(std::string(1, static_cast<char>('a' + slot)), lease));
    auto restarted = seconds_between(killed_at, clock_type::now());
    auto all_taken = book->wait_until(
        [&] {
          return std::all_of(groups.begin(), groups.end(), [&](auto g) {
            return book->groups[g - 1].first_ack.has_value();
          });
        },
        bound);
    std::ostringstream line;
    line << std::fixed << std::setprecision(3);
    double worst = 0;
    {
      std::lock_guard<std::mutex> guard{book->mtx};
      for (auto g : groups) {
        auto& rec = book->groups[g - 1];
        if (!rec.first_ack) {
          line << " " << g << ":never";
          continue;
        }
        auto t = seconds_between(killed_at, *rec.first_ack);
        worst = std::max(worst, t);
        takeovers.push_back(t);
        line << " " << g << ":" << t;
        rec.mark.reset();
      }
    }
    std::cout << "cluster_load: kill " << round << " of " << where << " (owned "
              << groups.size() << " groups): failed with "
              << "unreachable "
              << book->failures("unreachable") - unreachable_before
              << ", restarted after " << std::setprecision(3) << restarted
              << " s, takeover (group:seconds)" << line.str() << std::endl;
    {
      std::lock_guard<std::mutex> guard{book->mtx};
      for (auto& [why, n] : book->reasons) {
        std::cout << "cluster_load:   " << n << " writes failed: " << why
                  << std::endl;
        // No error blames a node that lives.
        for (std::size_t k = 0; k < nodes.size(); ++k)
          if (static_cast<int>(k) != slot)
            CAF_CHECK_EQUAL(why.find("node " + address(*nodes[k]) +
                                     " went away"),
                            std::string::npos);
      }
    }
    CAF_CHECK(all_taken);
    CAF_CHECK_LESS(worst, takeover_bound);

    CAF_REQUIRE(all_alive());
  }
  book->stop = true;
  CAF_REQUIRE(writers_finished());
  std::sort(takeovers.begin(), takeovers.end());
  if (!takeovers.empty())
    std::cout << "cluster_load: " << takeovers.size() << " takeovers, median "
              << std::setprecision(3) << takeovers[takeovers.size() / 2]
              << " s, max " << takeovers.back() << " s (bound "
              << takeover_bound << " s); writes acknowledged "
              << book->acked_count() << std::endl;
  print_failures();
  {
    // A request in flight at a kill fails at once, with unreachable; none
    // is left to wait for its bound.
    std::lock_guard<std::mutex> guard{book->mtx};
    CAF_CHECK_EQUAL(book->write_failures.count(to_string(errc::timeout)), 0u);
    CAF_CHECK_EQUAL(book->lookup_failures.count(to_string(errc::timeout)), 0u);
  }
  CAF_CHECK_EQUAL(check_stored(false), 0);
  disconnect_clients();
}

// A killed owner leaves the groups of the other nodes alone: a client
// connected through a node that lives writes on to a group that a third
// node owns. (The stand-in of a group actor whose node died used to end
// the client's whole connection to the node it came through.)
CAF_TEST(a_killed_owner_fails_only_the_requests_that_needed_it) {
  start_nodes();
  auto& a = *nodes[0];
  auto via_a =
      connect_cluster(sys, {{a.host(), a.port()}}, std::chrono::seconds(10));
  CAF_REQUIRE(via_a);
  // Two groups with owners other than a, on different nodes.
  std::map<std::int64_t, std::int64_t> owner_of_group; // member -> group
  std::map<std::int64_t, items> handles;
  for (std::int64_t g = 100; g < 200 && owner_of_group.size() < 3; ++g) {
    auto store = items_of(self, *via_a, g, request_timeout);
    CAF_REQUIRE(store);
    CAF_REQUIRE(set(self, *store, "n", std::int64_t{1}, request_timeout));
    auto rs = admin->execute(
        "SELECT member FROM sasync_owners WHERE kind = ? AND grp = ?",
        {value{items_kind()}, value{g}});
    auto member = rs.rows.at(0).at(0).as_integer();
    if (owner_of_group.emplace(member, g).second)
      handles.emplace(g, *store);
  }
  CAF_REQUIRE_EQUAL(owner_of_group.size(), 3u);
  // Kill the owner of one group that a does not own; the group on the
  // third node should not notice.
  auto a_member = std::int64_t{0};
  for (auto& [member, g] : owner_of_group)
    if (address_of(member) == address(a))
      a_member = member;
  CAF_REQUIRE_NOT_EQUAL(a_member, 0);
  std::vector<std::int64_t> others;
  for (auto& [member, g] : owner_of_group)
    if (member != a_member)
      others.push_back(member);
  auto victim = slot_of(address_of(others[0]));
  auto spared_group = owner_of_group[others[1]];
  CAF_REQUIRE_NOT_EQUAL(victim, -1);
  nodes[victim]->process().signal(SIGKILL);
  CAF_REQUIRE(nodes[victim]->process().wait(bound));
  // The spared group's owner and the node the client uses both live.
  auto w = set(self, handles.at(spared_group), "n", std::int64_t{2},
               request_timeout);
  CAF_CHECK(w);
  if (!w)
    CAF_MESSAGE("the spared group's write: " << sys.render(w.error()));
  disconnect_node(*via_a);
}

// Two dict writers, each through a cluster handle on another node, write
// one dict group while the 64 items writers run: an increasing sequence to
// names of their own and, every second write, the one shared name; each
// write is sent after the previous one was acknowledged (a dict's set is
// acknowledged by the dict, written behind). The dict is one actor on the
// group's owner, which takes writes in the order they reach it, so:
// - a name only one writer writes holds its last write, read through
//   either node, a fresh handle, and in PostgreSQL after the flush;
// - on the shared name, a write sent after another write's acknowledgement
//   came back is applied after it. Two writes in flight at once may land
//   in either order, so the value that stays is a write no other write was
//   sent after the acknowledgement of; every reader agrees on it, and a read
//   right after a write gives that write or one of the other writer's that
//   was still unacknowledged when it was sent.
CAF_TEST(a_dict_written_through_two_nodes_under_load_reads_back_every_write) {
  start_nodes();
  connect_clients();
  start_writers();       // the items writers, until told to stop
  std::vector<node> via; // writer w's cluster handle starts at node w
  std::vector<dict> dicts;
  for (int w = 0; w < dict_writers; ++w) {
    auto& d = *nodes[w];
    auto cluster = connect_cluster(sys, {{d.host(), d.port()}}, 10s);
    if (!cluster)
      CAF_FAIL("connect_cluster: " << sys.render(cluster.error()));
    via.push_back(*cluster);
    auto store = dict_of(self, *cluster, dict_group, request_timeout);
    if (!store)
      CAF_FAIL("dict_of: " << sys.render(store.error()));
    dicts.push_back(*store);
  }
  std::atomic<std::uint64_t> clock{0};
  std::vector<std::vector<dict_write>> logs(dict_writers);
  std::vector<std::string> failures(dict_writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < dict_writers; ++w)
    threads.emplace_back([&, w] {
      caf::scoped_actor me{sys};
      auto& mine = dicts[w];
      auto& other = dicts[(w + 1) % dict_writers];
      for (int step = 1; step <= dict_steps; ++step) {
        dict_write x;
        x.writer = w;
        x.step = step;
        x.name = step % 2 == 0 ? shared_name : dict_name_of(w, step);
        x.value = step % 2 == 0 ? shared_value(w, step) : step;
        x.sent = ++clock;
        auto done = set(me, mine, x.name, x.value, request_timeout);
        if (!done) {
          failures[w] =
              "write " + std::to_string(step) + ": " + sys.render(done.error());
          return;
        }
        x.acked = ++clock;
        auto seen = get<std::int64_t>(me, other, x.name, request_timeout);
        if (!seen || !*seen) {
          failures[w] = "read " + std::to_string(step) + ": " +
                        (seen ? "missing" : sys.render(seen.error()));
          return;
        }
        x.read_back = **seen;
        logs[w].push_back(std::move(x));
      }
      auto flushed = flush(me, mine, request_timeout);
      if (!flushed)
        failures[w] = "flush: " + sys.render(flushed.error());
    });
  for (auto& t : threads)
    t.join();
  book->stop = true;
  CAF_REQUIRE(writers_finished());
  print_failures();
  for (int w = 0; w < dict_writers; ++w) {
    CAF_CHECK_EQUAL(failures[w], "");
    CAF_CHECK_EQUAL(logs[w].size(), std::size_t{dict_steps});
  }
  CAF_CHECK(book->write_failures.empty());
  CAF_CHECK_EQUAL(check_stored(true), 0);
  // What each name must hold: a writer's own names their last write.
  std::map<std::string, std::int64_t> expected;
  std::map<std::int64_t, const dict_write*> shared_writes; // by value
  for (auto& log : logs)
    for (auto& x : log) {
      if (x.name != shared_name) {
        expected[x.name] = x.value;
        CAF_CHECK_EQUAL(x.read_back, std::optional<std::int64_t>{x.value});
      } else {
        shared_writes[x.value] = &x;
      }
    }
  // A shared write is applied after every write whose acknowledgement came
  // before it was sent: a read right after it gives it, or a write of the
  // other writer acknowledged after it was sent.
  auto applied_after = [&](const dict_write& later, const dict_write& x) {
    return later.acked > x.sent || later.acked == 0;
  };
  int stale_reads = 0;
  int others_seen = 0; // reads that gave the other writer's later write
  for (auto& [v, x] : shared_writes) {
    if (x->read_back && *x->read_back != v)
      ++others_seen;
    auto got =
        x->read_back ? shared_writes.find(*x->read_back) : shared_writes.end();
    auto ok = got != shared_writes.end() &&
              (got->second == x || (got->second->writer != x->writer &&
                                    applied_after(*got->second, *x)));
    if (!ok && stale_reads++ < 10)
      CAF_MESSAGE("shared write "
                  << v << " read back as "
                  << (x->read_back ? std::to_string(*x->read_back)
                                   : std::string{"nothing"}));
  }
  CAF_CHECK_EQUAL(stale_reads, 0);
  std::cout << "cluster_load: " << dict_writers << " dict writers, "
            << dict_steps << " writes each, beside " << book->acked_count()
            << " items writes; " << others_seen << " of "
            << shared_writes.size()
            << " shared reads gave the other writer's later write" << std::endl;
  // The value that may stay: a shared write that no other write was sent
  // after the acknowledgement of (each writer's last, unless one of them
  // came after the other's acknowledgement).
  std::set<std::int64_t> may_stay;
  for (auto& [v, x] : shared_writes)
    if (std::none_of(shared_writes.begin(), shared_writes.end(),
                     [&, x = x](auto& other) {
                       return other.second != x &&
                              other.second->sent > x->acked;
                     }))
      may_stay.insert(v);
  CAF_MESSAGE("shared name: " << may_stay.size()
                              << " writes may be the last applied");
  CAF_REQUIRE(!may_stay.empty());
  // Every reader agrees: the two nodes, a fresh cluster handle, PostgreSQL.
  auto check_all = [&](const std::map<std::string, std::int64_t>& got,
                       const std::string& who) {
    CAF_MESSAGE("reading through " << who << ": " << got.size() << " names");
    for (auto& [name, v] : expected) {
      auto i = got.find(name);
      CAF_CHECK(i != got.end() && i->second == v);
    }
    auto s = got.find(shared_name);
    CAF_REQUIRE(s != got.end());
    CAF_CHECK(may_stay.count(s->second) == 1);
    CAF_CHECK_EQUAL(got.size(), expected.size() + 1);
    return s->second;
  };
  std::set<std::int64_t> shared_seen;
  for (int w = 0; w < dict_writers; ++w) {
    auto db = connect_node(sys, nodes[w]->host(), nodes[w]->port(), 10s);
    CAF_REQUIRE(db);
    auto store = dict_of(self, *db, dict_group, request_timeout);
    CAF_REQUIRE(store);
    auto all = load_all<std::int64_t>(self, *store, request_timeout);
    if (!all)
      CAF_FAIL("load_all: " << sys.render(all.error()));
    shared_seen.insert(check_all(*all, "node " + address(*nodes[w])));
    disconnect_node(*db);
  }
  {
    auto& c = *nodes[2];
    auto fresh = connect_cluster(sys, {{c.host(), c.port()}}, 10s);
    CAF_REQUIRE(fresh);
    auto store = dict_of(self, *fresh, dict_group, request_timeout);
    CAF_REQUIRE(store);
    auto all = load_all<std::int64_t>(self, *store, request_timeout);
    if (!all)
      CAF_FAIL("load_all: " << sys.render(all.error()));
    shared_seen.insert(check_all(*all, "a fresh cluster handle"));
    disconnect_node(*fresh);
  }
  std::map<std::string, std::int64_t> stored;
  auto rs = admin->execute(
      "SELECT name, type, value FROM sasync_items WHERE group_id = ?",
      {value{dict_group}});
  for (auto& row : rs.rows)
    stored[row.at(0).as_text()] = decode<std::int64_t>(
        stored_value{row.at(1).as_text(), row.at(2).as_blob()});
  shared_seen.insert(check_all(stored, "PostgreSQL"));
  CAF_CHECK_EQUAL(shared_seen.size(), 1u);
  for (auto& v : via)
    disconnect_node(v);
  disconnect_clients();
}

CAF_TEST_FIXTURE_SCOPE_END()
