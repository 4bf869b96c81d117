// sasyncd as a real process on a free loopback port, started from a config
// file, and a client node in this process talking to it over CAF's
// middleman. Every wait is bounded.
#define CAF_SUITE remote.node

#include "actors/client.hpp"
#include "actors/remote.hpp"

#include "actors/errc.hpp"
#include "actors/system_config.hpp"

#include "backends.hpp"
#include "child_process.hpp"
#include "daemon_process.hpp"
#include "sequential_writer.hpp"
#include "watched.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = std::chrono::seconds(30);
const caf::duration limit{bound};

struct client_config : system_config {
  client_config() { load<caf::io::middleman>(); }
};

/// A client that talks TLS with this certificate, key and CA.
struct tls_client_config : system_config {
  tls_client_config(const std::filesystem::path& dir, const std::string& who,
                    const std::string& ca) {
    load<caf::io::middleman>();
    load<caf::openssl::manager>();
    openssl_certificate = (dir / (who + ".pem")).string();
    openssl_key = (dir / (who + ".key")).string();
    openssl_cafile = (dir / (ca + ".pem")).string();
  }
};

/// What the writers of the load test saw.
struct write_log {
  std::set<std::string> acks;
  int stopped = 0;
  int unreachable = 0;
  int timeouts = 0;
};

using shared_log = std::shared_ptr<test::watched<write_log>>;

/// A TCP connection to the node that speaks no CAF at all.
class raw_peer {
public:
  explicit raw_peer(std::uint16_t port)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
      CAF_FAIL("cannot connect to port " << port);
  }

  ~raw_peer() { ::close(fd_); }

  /// Sends a BASP header (32 bytes, network order) claiming `payload_len`.
  void send_header(std::uint8_t operation, std::uint32_t payload_len) {
    unsigned char hdr[32] = {operation};
    for (int i = 0; i < 4; ++i)
      hdr[4 + i] = static_cast<unsigned char>(payload_len >> (24 - 8 * i));
    CAF_REQUIRE_EQUAL(::send(fd_, hdr, sizeof(hdr), MSG_NOSIGNAL), 32);
  }

  /// Whether the node closes the connection within `timeout` (what it sent
  /// before is read and dropped).
  bool closed_within(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 ||
          ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return false;
      auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0)
        return true;
    }
  }

private:
  int fd_;
};

struct fixture {
  test::sqlite_file where{"remote"};
  test::scratch_dir scratch{"remote-node"};
  std::filesystem::path dir = scratch.path();
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  /// A config file with `extra` lines appended to its [sasync] group.
  std::filesystem::path config(const std::string& extra = {},
                               const std::string& node = "port=0") {
    auto path = dir / "sasyncd.ini";
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << where.url() << "\"\n"
        << extra << "\n[node]\n"
        << node << "\n";
    return path;
  }

  /// Whether the node answers a status request over a new connection
  /// within `bound`. A connection the node closed a moment ago may still
  /// be in CAF's cache of connections (its requests fail, or get no answer
  /// until they time out) or still count against max-connections, so this
  /// tries again until the deadline.
  bool serves_a_new_connection(std::uint16_t port) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    std::string last;
    do {
      if (auto db = connect_node(sys, "127.0.0.1", port)) {
        auto status = detail::ask<broker_status>(self, *db, caf::duration{5s},
                                                 status_atom::value);
        disconnect_node(*db);
        if (status)
          return true;
        last = sys.render(status.error());
      } else {
        last = sys.render(db.error());
      }
    } while (std::chrono::steady_clock::now() < deadline);
    CAF_MESSAGE("no new connection served: " << last);
    return false;
  }

  node connect(std::uint16_t port) {
    auto h = connect_node(sys, "127.0.0.1", port);
    if (!h)
      CAF_FAIL("cannot connect: " << sys.render(h.error()));
    return *h;
  }

  /// Eight writers keep sets to items group 1 of a new node in flight; once
  /// `acks` are acknowledged, `stop` ends the node. Returns, after every
  /// writer has seen a set fail, what they saw. Names start with `prefix`.
  write_log write_then(const std::function<void(test::daemon_process&)>& stop,
                       const std::string& prefix = "", std::size_t acks = 400) {
    constexpr int writers = 8;
    test::daemon_process daemon{config()};
    auto db = connect(daemon.port());
    auto store = require(items_of(self, db, 1, limit));
    auto log = std::make_shared<test::watched<write_log>>();
    // Each writer goes on until a set fails.
    auto answered = [log](const std::string& name, const caf::error& err,
                          auto) {
      log->update([&](write_log& l) {
        if (!err) {
          l.acks.insert(name);
          return;
        }
        ++l.stopped;
        l.unreachable += is(err, errc::unreachable) ? 1 : 0;
        l.timeouts += err == caf::sec::request_timeout ? 1 : 0;
      });
      return !err;
    };
    for (int w = 0; w < writers; ++w)
      sys.spawn(test::sequential_writer, store,
                prefix + "w" + std::to_string(w) + "-",
                test::answer_fn{answered});
    CAF_REQUIRE(
        log->await([=](auto& l) { return l.acks.size() >= acks; }, bound));
    stop(daemon);
    CAF_CHECK(log->await([](auto& l) { return l.stopped == writers; }, bound));
    return log->read([](write_log& l) { return l; });
  }

  /// How many acknowledged writes a node restarted on the same database
  /// does not have.
  std::size_t lost_after_restart(const write_log& log) {
    test::daemon_process again{config()};
    auto present = stored_names(connect(again.port()));
    std::size_t lost = 0;
    for (auto& name : log.acks)
      if (present.count(name) == 0)
        ++lost;
    CAF_CHECK_EQUAL(again.stop(), 0);
    return lost;
  }

  /// Names stored in items group 1.
  std::set<std::string> stored_names(const node& db) {
    auto store = require(items_of(self, db, 1, limit));
    auto names = require(detail::ask<std::vector<std::string>>(
        self, store, limit, names_atom::value));
    return {names.begin(), names.end()};
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

  /// Makes `name`.pem and `name`.key, signed by `ca` (self-signed when
  /// `ca` is empty), with the openssl command line.
  void make_certificate(const std::string& name, const std::string& ca) {
    auto at = [&](const std::string& file) { return (dir / file).string(); };
    auto run = [&](std::vector<std::string> args) {
      args.insert(args.begin(), "/usr/bin/openssl");
      auto res = run_to_end(std::move(args), bound);
      if (res.code != 0)
        CAF_FAIL("openssl failed: " << res.errors);
    };
    std::vector<std::string> key = {
        "-newkey",         "ec",
        "-pkeyopt",        "ec_paramgen_curve:prime256v1",
        "-nodes",          "-keyout",
        at(name + ".key"), "-subj",
        "/CN=" + name};
    if (ca.empty()) {
      key.insert(key.begin(), {"req", "-x509", "-days", "1"});
      key.insert(key.end(), {"-out", at(name + ".pem")});
      run(key);
      return;
    }
    key.insert(key.begin(), "req");
    key.insert(key.end(), {"-out", at(name + ".csr")});
    run(key);
    run({"x509", "-req", "-in", at(name + ".csr"), "-CA", at(ca + ".pem"),
         "-CAkey", at(ca + ".key"), "-CAcreateserial", "-days", "1", "-out",
         at(name + ".pem")});
  }

  /// The exit code and stderr of sasyncd run with `args`.
  run_result daemon_run(std::vector<std::string> args) {
    args.insert(args.begin(), SASYNCD_PATH);
    return run_to_end(std::move(args), bound);
  }
};

/// One line, naming the problem, prefixed with the program's name.
bool one_clear_line(const std::string& errors, const std::string& needle) {
  return errors.rfind("sasyncd: ", 0) == 0 &&
         errors.find('\n') == errors.size() - 1 &&
         errors.find(needle) != std::string::npos;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(remote_node_tests, fixture)

CAF_TEST(a_client_node_uses_items_sql_and_cursors_of_a_daemon) {
  test::daemon_process daemon{config()};
  auto db = connect(daemon.port());
  auto store = require(items_of(self, db, 7, limit));
  require(set(self, store, "greeting", std::string{"hello"}, limit));
  auto got = require(get<std::string>(self, store, "greeting", limit));
  CAF_CHECK_EQUAL(got, std::optional<std::string>{"hello"});
  require(detail::ask<void>(
      self, db, limit, table_atom::value,
      table_def{"notes",
                {{"id", column_type::integer, false, true, true},
                 {"body", column_type::text, false}},
                {}}));
  auto inserter = require(
      insert_into(self, db, insert_spec{"notes", {"body"}, "id", 100}, limit));
  std::size_t i = 0;
  auto next = [&]() -> std::optional<row> {
    if (i == 250)
      return std::nullopt;
    return row{"note " + std::to_string(++i)};
  };
  CAF_CHECK_EQUAL(require(insert_rows(self, inserter, 100, next, {}, limit)),
                  250u);
  // A cursor on the daemon, pulled from here.
  std::uint64_t seen = 0;
  auto rows = for_each_row(
      self, db, "SELECT id, body FROM notes WHERE id > ? ORDER BY id", {0},
      [&](const row& r) {
        CAF_CHECK_EQUAL(r.at(1).as_text(), "note " + std::to_string(++seen));
      },
      64, limit);
  CAF_CHECK_EQUAL(require(std::move(rows)), 250u);
  // A dict and an array of the node, from here.
  auto words = require(dict_of(self, db, 7, limit));
  require(set(self, words, "pi", 3.25, limit));
  CAF_CHECK_EQUAL(require(get<double>(self, words, "pi", limit)),
                  std::optional<double>{3.25});
  auto cells = require(array_of(self, db, 7, limit));
  require(set(self, cells, coordinates{1, -2, 3}, std::string{"cell"}, limit));
  CAF_CHECK_EQUAL(
      require(get<std::string>(self, cells, coordinates{1, -2, 3}, limit)),
      std::optional<std::string>{"cell"});
  auto st =
      require(detail::ask<broker_status>(self, db, limit, status_atom::value));
  CAF_CHECK_EQUAL(st.state, "running");
  CAF_CHECK_EQUAL(daemon.stop(), 0);
  CAF_CHECK_NOT_EQUAL(daemon.process().errors().find("SIGTERM: draining"),
                      std::string::npos);
}

CAF_TEST(oversized_requests_from_a_peer_are_refused) {
  test::daemon_process daemon{config()};
  auto db = connect(daemon.port());
  std::string huge(17 << 20, 'x');
  auto res = detail::ask<result_set>(self, db, limit, sql_atom::value,
                                     "SELECT ?", std::vector<value>{huge});
  CAF_REQUIRE(!res);
  CAF_CHECK(is(res.error(), errc::invalid_argument) ||
            res.error() == caf::sec::request_timeout);
  CAF_MESSAGE(sys.render(res.error()));
  auto long_statement = "SELECT '" + std::string(2 << 20, 'y') + "'";
  auto res2 = detail::ask<result_set>(self, db, limit, sql_atom::value,
                                      long_statement, std::vector<value>{});
  CAF_REQUIRE(!res2);
  CAF_CHECK(is(res2.error(), errc::invalid_argument));
  // The node still serves.
  auto ok =
      detail::ask<result_set>(self, db, limit, sql_atom::value,
                              std::string{"SELECT 1"}, std::vector<value>{});
  CAF_CHECK(ok);
  // Names and stored values over the limits, to the group actors.
  auto store = require(items_of(self, db, 1, limit));
  auto long_name =
      set(self, store, std::string(5000, 'n'), std::int64_t{1}, limit);
  CAF_CHECK(!long_name && is(long_name.error(), errc::invalid_argument));
  auto words = require(dict_of(self, db, 1, limit));
  auto long_key =
      set(self, words, std::string(5000, 'k'), std::int64_t{1}, limit);
  CAF_CHECK(!long_key && is(long_key.error(), errc::invalid_argument));
  auto cells = require(array_of(self, db, 1, limit));
  auto odd_type = detail::ask<void>(
      self, cells, limit, set_atom::value, std::int64_t{0}, std::int64_t{0},
      std::int64_t{0}, stored_value{std::string(2000, 't'), {}});
  CAF_CHECK(!odd_type && is(odd_type.error(), errc::invalid_argument));
  // Disconnected, the handle and those handed out through it are gone.
  self->monitor(store);
  disconnect_node(db);
  auto ended = false;
  self->receive([&](caf::down_msg&) { ended = true; },
                caf::after(std::chrono::seconds(30)) >> [] {});
  CAF_CHECK(ended);
  auto after = get<std::int64_t>(self, store, "x", limit);
  CAF_CHECK(!after && after.error() == caf::sec::request_receiver_down);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(wrong_messages_and_a_flood_from_a_raw_peer_leave_the_node_serving) {
  // Limits come from the node's config; this one allows 1,000-byte values.
  test::daemon_process daemon{config(), {"--node.max-value-bytes=1000"}};
  auto rss_kb = [&] { return daemon.process().memory_kb("VmRSS"); };
  // A plain CAF peer, with no sasync stand-in in between, that sends
  // whatever it likes.
  auto typed = sys.middleman().remote_actor<node>("127.0.0.1", daemon.port());
  CAF_REQUIRE(typed);
  auto raw = caf::actor_cast<caf::actor>(*typed);
  auto refused = [&](auto... xs) {
    caf::error err;
    self->request(raw, bound, xs...)
        .receive([](const caf::message&) {}, [&](caf::error& e) { err = e; });
    return err == caf::sec::unexpected_message;
  };
  CAF_CHECK(refused(std::string{"hello"}));
  CAF_CHECK(refused(sql_atom::value, 42));
  CAF_CHECK(refused(items_atom::value, std::string{"not a group"}));
  CAF_CHECK(refused(set_atom::value, std::string{"name"}, 1.5));
  auto before = rss_kb();
  for (int i = 0; i < 100'000; ++i)
    self->send(raw, std::string{"junk"}, i);
  auto status =
      detail::ask<broker_status>(self, *typed, limit, status_atom::value);
  CAF_CHECK(status); // answered behind the flood
  CAF_MESSAGE("a flood of 100,000 unexpected messages grew the node by "
              << (rss_kb() - before) << " KB");
#ifndef __SANITIZE_ADDRESS__ // AddressSanitizer holds freed memory back
  CAF_CHECK_LESS(rss_kb() - before, 64 * 1024);
#endif
  auto db = connect(daemon.port());
  auto big = detail::ask<result_set>(
      self, db, limit, sql_atom::value, std::string{"SELECT ?"},
      std::vector<value>{std::string(2000, 'x')});
  CAF_REQUIRE(!big);
  CAF_CHECK(is(big.error(), errc::invalid_argument));
  CAF_CHECK_NOT_EQUAL(sys.render(big.error()).find("limit of 1000"),
                      std::string::npos);
  disconnect_node(db);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
  // Nothing of it reached the node's stderr.
  CAF_CHECK_EQUAL(daemon.process().errors().find("unexpected"),
                  std::string::npos);
}

CAF_TEST(a_peer_claiming_a_huge_message_is_disconnected_before_any_allocation) {
  test::daemon_process daemon{config()};
  auto before = daemon.process().memory_kb("VmRSS");
  // Without the guard, CAF reserves (and zero-fills) all 4 GiB the header
  // claims before reading a byte of it.
  for (std::uint32_t claim : {0xFFFFFFFFu, (80u << 20) + 1}) {
    raw_peer peer{daemon.port()};
    peer.send_header(1, claim); // a client handshake
    CAF_CHECK(peer.closed_within(10s));
  }
  auto grown = daemon.process().memory_kb("VmRSS") - before;
  CAF_MESSAGE("two headers claiming 4 GiB and 80 MiB + 1 grew the node by "
              << grown << " KB");
  CAF_CHECK_LESS(grown, 64 * 1024);
  // A plain CAF peer sends what sasync never does: a byte vector, which
  // CAF would size as the message claims, and messages nested 100 deep.
  auto send_and_watch = [&](caf::message msg) {
    // A system of its own: what CAF keeps of a connection the node closed
    // stays in that system's cache, not in the one checking afterwards.
    client_config peer_cfg;
    caf::actor_system peer_sys{peer_cfg};
    caf::scoped_actor peer{peer_sys};
    auto typed =
        peer_sys.middleman().remote_actor<node>("127.0.0.1", daemon.port());
    CAF_REQUIRE(typed);
    auto raw = caf::actor_cast<caf::actor>(*typed);
    peer->monitor(raw);
    peer->send(raw, std::move(msg));
    bool gone = false;
    peer->receive([&](caf::down_msg&) { gone = true; },
                  caf::after(bound) >> [] {});
    return gone;
  };
  CAF_CHECK(send_and_watch(caf::make_message(std::vector<char>(16, 'x'))));
  auto nested = caf::make_message(1);
  for (int i = 0; i < 100; ++i)
    nested = caf::make_message(nested, i); // one message alone is not wrapped
  CAF_CHECK(send_and_watch(nested));
  CAF_CHECK(serves_a_new_connection(daemon.port()));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(connections_beyond_max_connections_are_closed_as_they_come) {
  test::daemon_process daemon{config(), {"--node.max-connections=3"}};
  std::vector<std::unique_ptr<raw_peer>> peers;
  for (int i = 0; i < 3; ++i)
    peers.push_back(std::make_unique<raw_peer>(daemon.port()));
  raw_peer fourth{daemon.port()};
  CAF_CHECK(fourth.closed_within(10s));
  CAF_CHECK(!peers.front()->closed_within(200ms));
  // Once one goes, a new one is served.
  peers.pop_back();
  CAF_CHECK(serves_a_new_connection(daemon.port()));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(sigterm_under_load_loses_no_acknowledged_write) {
  auto log = write_then(
      [](test::daemon_process& daemon) { CAF_CHECK_EQUAL(daemon.stop(), 0); });
  CAF_MESSAGE(log.acks.size() << " writes acknowledged before SIGTERM");
  CAF_CHECK_EQUAL(lost_after_restart(log), 0u);
}

CAF_TEST(kill_9_under_load_loses_no_acknowledged_write_in_20_trials) {
  // The same database through 20 crashes, each at another point of the
  // load; every trial's names are its own.
  std::size_t acked = 0;
  std::size_t lost = 0;
  for (int trial = 0; trial < 20; ++trial) {
    auto log = write_then(
        [](test::daemon_process& daemon) {
          daemon.process().signal(SIGKILL);
          CAF_CHECK_EQUAL(daemon.process().wait(bound), 128 + SIGKILL);
        },
        "t" + std::to_string(trial) + "-", 100 + 37 * trial);
    // Every writer heard of it at once: a set in flight failed
    // unreachable, one sent just after found its stand-in gone; none
    // waited to time out.
    CAF_CHECK_GREATER(log.unreachable, 0);
    CAF_CHECK_EQUAL(log.timeouts, 0);
    acked += log.acks.size();
    lost += lost_after_restart(log);
  }
  CAF_MESSAGE("kill -9 x 20: " << acked << " writes acknowledged, " << lost
                               << " of them lost");
  CAF_CHECK_EQUAL(lost, 0u);
}

CAF_TEST(a_dead_node_fails_pending_requests_at_once_and_can_be_reconnected) {
  auto first = std::make_unique<test::daemon_process>(config());
  auto db = connect(first->port());
  auto store = require(items_of(self, db, 1, limit));
  require(set(self, store, "kept", std::int64_t{1}, limit));
  // A statement that runs for many seconds is pending when the node dies.
  auto slow = self->request(
      db, limit, sql_atom::value,
      std::string{"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                  "FROM n WHERE x < 1000000000) SELECT count(*) FROM n"},
      std::vector<value>{});
  first->process().signal(SIGKILL);
  caf::error err;
  slow.receive([](result_set&) { CAF_FAIL("the statement finished"); },
               [&](caf::error& e) { err = std::move(e); });
  CAF_CHECK(is(err, errc::unreachable));
  CAF_MESSAGE(sys.render(err));
  // Later requests, to the node and to its group actors, fail at once too.
  auto gone = [](const caf::error& e) {
    return e == caf::sec::request_receiver_down;
  };
  auto later = detail::ask<broker_status>(self, db, limit, status_atom::value);
  CAF_CHECK(!later && gone(later.error()));
  auto read = get<std::int64_t>(self, store, "kept", limit);
  CAF_CHECK(!read && gone(read.error()));
  first.reset();
  // The node comes back on the same database: connect again.
  test::daemon_process second{config()};
  auto again = connect(second.port());
  auto back = require(items_of(self, again, 1, limit));
  CAF_CHECK_EQUAL(require(get<std::int64_t>(self, back, "kept", limit)),
                  std::optional<std::int64_t>{1});
  CAF_CHECK_EQUAL(second.stop(), 0);
}

CAF_TEST(tls_serves_a_known_peer_and_refuses_others) {
  make_certificate("ca", "");
  make_certificate("node", "ca");
  make_certificate("client", "ca");
  make_certificate("rogue-ca", "");
  make_certificate("rogue", "rogue-ca");
  auto at = [&](const std::string& file) { return (dir / file).string(); };
  // With TLS the node may listen beyond loopback.
  test::daemon_process daemon{
      config(),
      {"--node.host=0.0.0.0", "--openssl.certificate=" + at("node.pem"),
       "--openssl.key=" + at("node.key"), "--openssl.cafile=" + at("ca.pem")}};
  CAF_CHECK_EQUAL(daemon.host(), "0.0.0.0");
  {
    tls_client_config known_cfg{dir, "client", "ca"};
    caf::actor_system known{known_cfg};
    caf::scoped_actor me{known};
    auto db = connect_node(known, "127.0.0.1", daemon.port());
    CAF_REQUIRE(db);
    auto store = items_of(me, *db, 1, limit);
    CAF_REQUIRE(store);
    CAF_CHECK(set(me, *store, "secret", std::string{"kept"}, limit));
    auto got = get<std::string>(me, *store, "secret", limit);
    if (!got)
      CAF_FAIL(known.render(got.error()));
    CAF_CHECK_EQUAL(*got, std::optional<std::string>{"kept"});
    disconnect_node(*db);
  }
  {
    // A certificate from another CA is refused.
    tls_client_config rogue_cfg{dir, "rogue", "rogue-ca"};
    caf::actor_system rogue{rogue_cfg};
    auto db = connect_node(rogue, "127.0.0.1", daemon.port());
    CAF_REQUIRE(!db);
    CAF_CHECK(is(db.error(), errc::unreachable));
    CAF_MESSAGE(rogue.render(db.error()));
  }
  // A peer without TLS is refused too.
  auto plain = connect_node(sys, "127.0.0.1", daemon.port());
  CAF_REQUIRE(!plain);
  CAF_CHECK(is(plain.error(), errc::unreachable));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(the_config_reaches_the_broker_and_sigint_drains_too) {
  // --node.insecure: the operator's explicit choice to skip TLS.
  test::daemon_process daemon{config("queue-capacity=77\necho=true"),
                              {"--node.host=0.0.0.0", "--node.insecure"}};
  CAF_CHECK_EQUAL(daemon.host(), "0.0.0.0");
  auto db = connect(daemon.port());
  auto st =
      require(detail::ask<broker_status>(self, db, limit, status_atom::value));
  CAF_CHECK_EQUAL(st.queue.capacity, 77u);
  require(detail::ask<result_set>(self, db, limit, sql_atom::value,
                                  std::string{"SELECT 'echoed'"},
                                  std::vector<value>{}));
  daemon.process().signal(SIGINT);
  CAF_CHECK_EQUAL(daemon.process().wait(bound), 0);
  auto log = daemon.process().errors();
  CAF_CHECK_NOT_EQUAL(log.find("SELECT 'echoed'"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(log.find("SIGINT: draining"), std::string::npos);
}

CAF_TEST(bad_configs_exit_with_one_clear_line) {
  auto help = daemon_run({"--help"});
  CAF_CHECK_EQUAL(help.code, 0);
  for (auto key :
       {"--sasync.url", "--sasync.queue-capacity", "--sasync.run-timeout",
        "--node.host", "--node.port", "--node.insecure",
        "--node.max-value-bytes", "--node.max-message-bytes",
        "--node.max-connections", "--openssl.certificate"})
    CAF_CHECK_NOT_EQUAL(help.output.find(key), std::string::npos);
  auto unknown = daemon_run({"--config-file=" + config("bogus=1").string()});
  CAF_CHECK_EQUAL(unknown.code, 1);
  CAF_CHECK(one_clear_line(unknown.errors, "unknown key 'sasync.bogus'"));
  auto bad_url = daemon_run(
      {"--config-file=" + config().string(), "--sasync.url=nope://x"});
  CAF_CHECK_EQUAL(bad_url.code, 1);
  CAF_CHECK(one_clear_line(bad_url.errors, "unsupported URL scheme 'nope'"));
  auto no_file = daemon_run({"--sasync.url=sqlite://"});
  CAF_CHECK_EQUAL(no_file.code, 1);
  CAF_CHECK(one_clear_line(no_file.errors, "--config-file=FILE"));
  auto missing = daemon_run({"--config-file=" + (dir / "none.ini").string()});
  CAF_CHECK_EQUAL(missing.code, 1);
  CAF_CHECK(one_clear_line(missing.errors, "none.ini"));
  auto no_limit = daemon_run(
      {"--config-file=" + config().string(), "--node.max-parameters=0"});
  CAF_CHECK_EQUAL(no_limit.code, 1);
  CAF_CHECK(one_clear_line(no_limit.errors, "must be at least 1"));
  auto small_messages = daemon_run(
      {"--config-file=" + config().string(), "--node.max-message-bytes=100"});
  CAF_CHECK_EQUAL(small_messages.code, 1);
  CAF_CHECK(one_clear_line(small_messages.errors, "at least 4096"));
  auto open_port =
      daemon_run({"--config-file=" + config().string(), "--node.host=0.0.0.0"});
  CAF_CHECK_EQUAL(open_port.code, 1);
  CAF_CHECK(one_clear_line(open_port.errors, "needs TLS"));
  auto unreachable =
      daemon_run({"--config-file=" + config().string(),
                  "--sasync.url=postgresql://nobody@127.0.0.1:1/none"});
  CAF_CHECK_EQUAL(unreachable.code, 4);
  CAF_CHECK(one_clear_line(unreachable.errors, "127.0.0.1"));
  // A port in use: the first daemon holds it.
  test::daemon_process first{config()};
  auto in_use = daemon_run({"--config-file=" + config().string(),
                            "--node.port=" + std::to_string(first.port())});
  CAF_CHECK_EQUAL(in_use.code, 2);
  CAF_CHECK(one_clear_line(in_use.errors, "cannot listen on 127.0.0.1:" +
                                              std::to_string(first.port())));
  CAF_CHECK(one_clear_line(in_use.errors, "in use"));
  CAF_CHECK_EQUAL(first.stop(), 0);
}

CAF_TEST(config_values_of_the_wrong_type_exit_1_naming_the_key) {
  struct bad_value {
    std::string group, key, value;
  };
  for (auto& [group, key, value] : std::vector<bad_value>{
           {"node", "port", "70000"},
           {"node", "port", "-1"},
           {"node", "port", "\"abc\""},
           {"node", "max-connections", "\"many\""},
           {"node", "insecure", "1"},
           {"sasync", "pool-size", "-3"},
           {"sasync", "max-overflow", "2.5"},
           {"sasync", "echo", "\"yes\""},
           {"sasync", "run-timeout", "\"soon\""},
           {"sasync", "queue-capacity", "0"},
           {"sasync", "run-timeout", "0"}, // a whole number, read as one
       }) {
    auto line = key + "=" + value;
    auto file = group == "node"
                    ? config({}, key == "port" ? line : "port=0\n" + line)
                    : config(line);
    auto from_file = daemon_run({"--config-file=" + file.string()});
    auto unquoted = value;
    unquoted.erase(std::remove(unquoted.begin(), unquoted.end(), '"'),
                   unquoted.end());
    auto from_command_line =
        daemon_run({"--config-file=" + config().string(),
                    "--" + group + "." + key + "=" + unquoted});
    CAF_MESSAGE(line << ": " << from_file.errors);
    CAF_CHECK_EQUAL(from_file.code, 1);
    CAF_CHECK(one_clear_line(from_file.errors, group + "." + key));
    CAF_CHECK_EQUAL(from_command_line.code, 1);
    CAF_CHECK_EQUAL(from_command_line.errors, from_file.errors);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
