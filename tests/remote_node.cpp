// sasyncd as a real process on a free loopback port, started from a config
// file, and a client node in this process talking to it over CAF's
// middleman. Every wait is bounded.
#define CAF_SUITE remote.node

#include "sasync/actors/client.hpp"
#include "sasync/actors/net/remote.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/detail/relay.hpp"
#include "sasync/actors/system_config.hpp"

#include "backends.hpp"
#include "certificates.hpp"
#include "child_process.hpp"
#include "daemon_process.hpp"
#include "has_ended.hpp"
#include "metrics_http.hpp"
#include "ordered_burst.hpp"
#include "program_paths.hpp"
#include "sanitized.hpp"
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
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

using test::tls_client_config;

/// What the writers of the load test saw.
struct write_log {
  std::set<std::string> acks;
  int stopped = 0;
  int unreachable = 0;
  int timeouts = 0;
};

using shared_log = std::shared_ptr<test::watched<write_log>>;

/// A BASP header as CAF 0.17 writes it: 32 bytes in network order.
std::string basp_header(std::uint8_t operation, std::uint8_t flags,
                        std::uint32_t payload_len, std::uint64_t operation_data,
                        std::uint64_t source_actor, std::uint64_t dest_actor) {
  std::string out{static_cast<char>(operation), 0, 0, static_cast<char>(flags)};
  auto put = [&](std::uint64_t x, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      out += static_cast<char>((x >> (8 * i)) & 0xFF);
  };
  put(payload_len, 4);
  put(operation_data, 8);
  put(source_actor, 8);
  put(dest_actor, 8);
  return out;
}

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
  void send_header(std::uint8_t operation, std::uint32_t payload_len,
                   std::uint64_t operation_data = 0) {
    send_bytes(basp_header(operation, 0, payload_len, operation_data, 0, 0));
  }

  /// Sends `bytes`; false if the node already closed the connection.
  bool send_bytes(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  /// No more bytes from here: the node reads the end of the stream.
  void end_writing() { ::shutdown(fd_, SHUT_WR); }

  /// Whether the node sends anything within `timeout` (its handshake).
  bool hears_within(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    char byte;
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0 &&
           ::recv(fd_, &byte, 1, MSG_PEEK) > 0;
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
        l.timeouts += is_unanswered(err) ? 1 : 0;
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
  /// `ca` is empty).
  void make_certificate(const std::string& name, const std::string& ca) {
    auto err = test::make_certificate(dir, name, ca);
    if (!err.empty())
      CAF_FAIL(err);
  }

  /// A CA, a node certificate signed by it, and the node's flags for
  /// them, after `before`.
  std::vector<std::string> tls_node(std::vector<std::string> before = {}) {
    make_certificate("ca", "");
    make_certificate("node", "ca");
    auto at = [&](const std::string& file) { return (dir / file).string(); };
    before.push_back("--openssl.certificate=" + at("node.pem"));
    before.push_back("--openssl.key=" + at("node.key"));
    before.push_back("--openssl.cafile=" + at("ca.pem"));
    return before;
  }

  /// The exit code and stderr of sasyncd run with `args`.
  run_result daemon_run(std::vector<std::string> args) {
    args.insert(args.begin(), test::sasyncd_path());
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
  // The helpers answer a gone stand-in with unreachable.
  CAF_CHECK(!after && is(after.error(), errc::unreachable));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(disconnect_node_returns_once_every_stand_in_has_ended) {
  // An actor system ended right after disconnect_node finds no stand-in of
  // it left: CAF, stopping its scheduler, ends an actor still waiting in
  // its queue without destroying its state, whose memory is then lost.
  test::daemon_process daemon{config()};
  for (int round = 0; round < 20; ++round) {
    auto db = connect(daemon.port());
    auto store = require(items_of(self, db, 2, limit));
    auto words = require(dict_of(self, db, 2, limit));
    auto cells = require(array_of(self, db, 2, limit));
    require(set(self, store, "x", std::int64_t{round}, limit));
    disconnect_node(db);
    CAF_CHECK(test::has_ended(db));
    CAF_CHECK(test::has_ended(store));
    CAF_CHECK(test::has_ended(words));
    CAF_CHECK(test::has_ended(cells));
  }
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

CAF_TEST(handshake_headers_without_a_payload_are_refused_and_the_node_serves) {
  test::daemon_process daemon{config()};
  // CAF 0.17 reads a handshake's payload without checking that one came:
  // either header claiming 0 bytes made it dereference a null pointer.
  for (std::uint8_t operation : {0, 1}) {
    raw_peer peer{daemon.port()};
    peer.send_header(operation, 0, operation == 0 ? 1 : 0);
    CAF_CHECK(peer.closed_within(10s));
  }
  CAF_REQUIRE(serves_a_new_connection(daemon.port()));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(messages_with_a_stream_message_id_never_crash_the_node) {
  test::daemon_process daemon{config()};
  // CAF 0.17 files a message whose id has a stream's category (upstream or
  // downstream) with the actor's stream messages and reads its content as
  // one: any other content crashed the node. The fuzzer found it. A client
  // handshake (fuzz/corpus/basp_connection/handshake_then_message), then a
  // message of no content with a downstream id to each actor id from 1.
  const std::string handshake_hex =
      "0100000000000020000000000000000000000000000000000000000000000000"
      "00003e9aab9bac7900003675bffadf3ac9f1142f6446ca706c9bb0f69b114400"
      "0100000200000020000000000000000000000000000000000000000000000000"
      "00003e9aab9bac7900003675bffadf3ac9f1142f6446ca706c9bb0f69b114400";
  std::string bytes;
  for (std::size_t i = 0; i < handshake_hex.size(); i += 2)
    bytes += static_cast<char>(std::stoi(handshake_hex.substr(i, 2), nullptr, 16));
  constexpr std::uint64_t downstream_id = 3ull << 60 | 1;
  for (std::uint64_t dest = 1; dest < 40; ++dest)
    bytes += basp_header(2, 0, 8, downstream_id, 0, dest) + std::string(8, '\0');
  {
    raw_peer peer{daemon.port()};
    peer.send_bytes(bytes);
    peer.end_writing();
    CAF_CHECK(peer.closed_within(10s));
  }
  CAF_REQUIRE(serves_a_new_connection(daemon.port()));
  CAF_CHECK_GREATER(daemon.process().memory_kb("VmRSS"), 0);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(random_headers_never_crash_the_node) {
  test::daemon_process daemon{config()};
  std::mt19937_64 random{20261203};
  auto pick = [&](std::initializer_list<std::uint64_t> xs) {
    return *(xs.begin() + random() % xs.size());
  };
  constexpr int headers = 300;
  int died_at = -1;
  std::string fatal;
  for (int i = 0; i < headers && died_at < 0; ++i) {
    // Fields near the values CAF checks (zero or not, small or huge),
    // operations 0 to 7 (7 is none).
    auto operation = static_cast<std::uint8_t>(random() % 8);
    auto payload_len = static_cast<std::uint32_t>(
        pick({0, 0, 1 + random() % 64, random() % 100'000, random()}));
    auto hdr = basp_header(operation, static_cast<std::uint8_t>(random() % 4),
                           payload_len, pick({0, 1, random()}),
                           pick({0, 0, 1 + random() % 8, random()}),
                           pick({0, 0, 1 + random() % 8, random()}));
    raw_peer peer{daemon.port()};
    auto sent = hdr;
    if (payload_len <= 64)
      for (std::uint32_t b = 0; b < payload_len; ++b)
        sent += static_cast<char>(random());
    peer.send_bytes(sent);
    peer.end_writing();
    CAF_CHECK(peer.closed_within(10s));
    if (daemon.process().memory_kb("VmRSS") == 0) {
      died_at = i;
      for (unsigned char c : hdr)
        fatal += "0123456789abcdef"[c >> 4],
            fatal += "0123456789abcdef"[c & 15];
    }
  }
  if (died_at >= 0)
    CAF_MESSAGE("the node died on header " << died_at << ": " << fatal);
  else
    CAF_MESSAGE(headers << " random headers, the node survived them all");
  CAF_CHECK_EQUAL(died_at, -1);
  CAF_REQUIRE(serves_a_new_connection(daemon.port()));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(claims_before_a_handshake_are_bounded_per_connection_and_in_total) {
  {
    test::daemon_process daemon{config()};
    auto before = daemon.process().memory_kb("VmRSS");
    // The largest message a peer may send after its handshake, claimed by
    // eight peers that never sent one and never send the bytes.
    constexpr int peers = 8;
    std::vector<std::unique_ptr<raw_peer>> claims;
    int closed = 0;
    for (int i = 0; i < peers; ++i) {
      claims.push_back(std::make_unique<raw_peer>(daemon.port()));
      claims.back()->send_header(1, 80u << 20);
    }
    for (auto& peer : claims)
      closed += peer->closed_within(5s) ? 1 : 0;
    auto grown = daemon.process().memory_kb("VmRSS") - before;
    CAF_MESSAGE(peers << " connections claiming 80 MiB before a handshake: "
                      << closed << " closed, the node grew by " << grown
                      << " KB");
    CAF_CHECK_EQUAL(closed, peers);
    CAF_CHECK_LESS(grown, 64 * 1024);
    CAF_CHECK_EQUAL(daemon.stop(), 0);
  }
  // Claims each within the bound of one connection, together over the
  // bound of all: one of five is closed at once, the others wait.
  test::daemon_process daemon{config(),
                              {"--node.max-handshake-bytes=65536",
                               "--node.max-handshake-total-bytes=262144",
                               "--node.handshake-timeout=60"}};
  std::vector<std::unique_ptr<raw_peer>> claims;
  for (int i = 0; i < 5; ++i) {
    claims.push_back(std::make_unique<raw_peer>(daemon.port()));
    claims.back()->send_header(1, 65536);
  }
  // Each peer is asked until it is found closed, then no more.
  std::vector<bool> closed(claims.size(), false);
  auto count = [&](std::chrono::milliseconds wait) {
    for (std::size_t i = 0; i < claims.size(); ++i)
      if (!closed[i])
        closed[i] = claims[i]->closed_within(wait);
    return std::count(closed.begin(), closed.end(), true);
  };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (count(20ms) == 0 && std::chrono::steady_clock::now() < deadline)
    continue;
  CAF_CHECK_EQUAL(count(100ms), 1);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(silent_connections_are_closed_after_the_handshake_timeout) {
  test::daemon_process daemon{
      config(), {"--node.max-connections=8", "--node.handshake-timeout=1"}};
  // Every slot taken by a peer that never completes a handshake: one that
  // says nothing, one that sends half a header, one that sends a handshake
  // header but never its payload.
  auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<raw_peer>> silent;
  for (int i = 0; i < 8; ++i)
    silent.push_back(std::make_unique<raw_peer>(daemon.port()));
  silent[1]->send_bytes(basp_header(1, 0, 100, 0, 0, 0).substr(0, 16));
  silent[2]->send_header(1, 100);
  for (auto& peer : silent)
    CAF_CHECK(peer->closed_within(10s));
  auto took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  CAF_MESSAGE("8 silent connections closed " << took.count()
                                             << " s after they opened");
  // A client that completed its handshake stays, long past the timeout.
  // The peers see their sockets shut down before the node's multiplexer
  // frees their slots: until then a new connection is one too many.
  auto db = connect_node(sys, "127.0.0.1", daemon.port());
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       !db && std::chrono::steady_clock::now() < deadline;)
    db = connect_node(sys, "127.0.0.1", daemon.port());
  if (!db)
    CAF_FAIL("cannot connect: " << sys.render(db.error()));
  raw_peer late{daemon.port()};
  CAF_CHECK(late.closed_within(10s));
  CAF_CHECK(detail::ask<broker_status>(self, *db, limit, status_atom::value));
  disconnect_node(*db);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(a_node_killed_with_a_connection_open_restarts_on_its_port_at_once) {
  auto first = std::make_unique<test::daemon_process>(config());
  auto port = first->port();
  double slowest = 0;
  for (int trial = 0; trial < 6; ++trial) {
    {
      // The node's end of an open connection outlives the node
      // (TIME-WAIT) and holds the port.
      raw_peer peer{port};
      CAF_REQUIRE(peer.hears_within(10s));
      first->process().signal(SIGKILL);
      CAF_CHECK_EQUAL(first->process().wait(bound), 128 + SIGKILL);
      CAF_CHECK(peer.closed_within(10s));
    }
    auto killed = std::chrono::steady_clock::now();
    // Fails the test, with sasyncd's line, if it cannot listen.
    first = std::make_unique<test::daemon_process>(
        config(),
        std::vector<std::string>{"--node.port=" + std::to_string(port)});
    slowest = std::max(slowest, std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - killed)
                                    .count());
  }
  CAF_MESSAGE("6 restarts after kill -9 on port "
              << port << ": the slowest listened " << slowest
              << " s after the kill");
  auto stopped = first->stop();
  CAF_CHECK_EQUAL(stopped, 0);
  if (stopped != 0)
    CAF_MESSAGE("sasyncd's stderr: " << first->process().errors());
}

CAF_TEST(bad_tls_files_are_refused_at_startup_with_one_line) {
  make_certificate("ca", "");
  make_certificate("node", "ca");
  make_certificate("other", "ca");
  auto at = [&](const std::string& file) { return (dir / file).string(); };
  {
    std::ofstream junk{dir / "junk.pem"};
    junk << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
            "-----END CERTIFICATE-----\n";
  }
  struct bad_case {
    std::string cert, key, ca, named;
  };
  std::vector<bad_case> cases = {
      {at("node.pem"), at("other.key"), at("ca.pem"), at("other.key")},
      {at("none.pem"), at("node.key"), at("ca.pem"), at("none.pem")},
      {at("junk.pem"), at("node.key"), at("ca.pem"), at("junk.pem")},
      {at("node.pem"), at("junk.pem"), at("ca.pem"), at("junk.pem")},
      {at("node.pem"), at("node.key"), at("junk.pem"), at("junk.pem")},
      {at("node.pem"), at("node.key"), at("none.pem"), at("none.pem")},
  };
  for (auto& c : cases) {
    auto res =
        run_to_end({test::sasyncd_path(), "--config-file=" + config().string(),
                    "--openssl.certificate=" + c.cert, "--openssl.key=" + c.key,
                    "--openssl.cafile=" + c.ca},
                   10s);
    CAF_CHECK_EQUAL(res.code, 1);
    CAF_CHECK(one_clear_line(res.errors, c.named));
    CAF_MESSAGE("sasyncd: " << res.errors);
    auto cli =
        run_to_end({test::sasync_cli_path(), "--port", "1", "--tls-cert",
                    c.cert, "--tls-key", c.key, "--tls-ca", c.ca, "status"},
                   10s);
    if (c.named.find("none.pem") != std::string::npos)
      continue; // the CLI's parser names a missing file itself
    CAF_CHECK_EQUAL(cli.code, 1);
    CAF_CHECK(cli.errors.rfind("sasync: ", 0) == 0 &&
              cli.errors.find('\n') == cli.errors.size() - 1 &&
              cli.errors.find(c.named) != std::string::npos);
    CAF_MESSAGE("sasync: " << cli.errors);
  }
}

CAF_TEST(the_cli_names_tls_and_max_connections_when_a_node_refuses_it) {
  auto node_args = tls_node();
  auto status = [](std::uint16_t port) {
    return run_to_end({test::sasync_cli_path(), "--port", std::to_string(port),
                       "--timeout", "10", "status"},
                      bound);
  };
  {
    test::daemon_process tls{config(), node_args};
    auto res = status(tls.port());
    CAF_MESSAGE("plain CLI against a TLS node: " << res.errors);
    CAF_CHECK_EQUAL(res.code, 2);
    CAF_CHECK_NOT_EQUAL(res.errors.find("TLS"), std::string::npos);
    CAF_CHECK_EQUAL(res.errors.find("disconnect_during_handshake"),
                    std::string::npos);
    CAF_CHECK_EQUAL(tls.stop(), 0);
  }
  test::daemon_process full{
      config(), {"--node.max-connections=1", "--node.handshake-timeout=60"}};
  raw_peer holder{full.port()};
  CAF_REQUIRE(holder.hears_within(10s));
  auto res = status(full.port());
  CAF_MESSAGE("CLI against a node at max-connections: " << res.errors);
  CAF_CHECK_EQUAL(res.code, 2);
  CAF_CHECK_NOT_EQUAL(res.errors.find("max-connections"), std::string::npos);
  CAF_CHECK_EQUAL(res.errors.find("disconnect_during_handshake"),
                  std::string::npos);
  CAF_CHECK_EQUAL(full.stop(), 0);
}

CAF_TEST(sigterm_under_load_loses_no_acknowledged_write) {
  auto log = write_then(
      [](test::daemon_process& daemon) { CAF_CHECK_EQUAL(daemon.stop(), 0); });
  CAF_MESSAGE(log.acks.size() << " writes acknowledged before SIGTERM");
  CAF_CHECK_EQUAL(lost_after_restart(log), 0u);
}

CAF_TEST(kill_9_under_load_loses_no_acknowledged_write_in_20_trials) {
  // The same database through 20 crashes, each at another point of the
  // load; every trial's names are its own. Under a sanitizer, where each
  // trial takes seconds, five of them take its checks through the path.
  constexpr int trials = test::sanitized ? 5 : 20;
  std::size_t acked = 0;
  std::size_t lost = 0;
  for (int trial = 0; trial < trials; ++trial) {
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
  CAF_MESSAGE("kill -9 x " << trials << ": " << acked
                           << " writes acknowledged, " << lost
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
  // Later requests, to the node and to its group actors, fail at once too
  // (raw requests with request_receiver_down, the helpers with unreachable).
  auto gone = [](const caf::error& e) {
    return e == caf::sec::request_receiver_down || is(e, errc::unreachable);
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

CAF_TEST(requests_to_one_group_travel_in_relays_in_the_order_they_were_sent) {
  test::daemon_process daemon{config({}, "port=0\n[metrics]\nport=0")};
  auto metrics_port = test::metrics_port_of(daemon.process(), bound);
  CAF_REQUIRE_NOT_EQUAL(metrics_port, 0);
  auto db = connect(daemon.port());
  auto store = require(items_of(self, db, 41, limit));
  constexpr int sets = 2000;
  auto burst = test::send_ordered_burst(self, store, sets, limit);
  CAF_CHECK_EQUAL(burst.first_error, "");
  CAF_CHECK_EQUAL(burst.acknowledged, 2 * sets);
  CAF_CHECK_EQUAL(burst.in_order, burst.gets);
  CAF_CHECK_EQUAL(burst.first_misread, "");
  CAF_CHECK_EQUAL(require(get<std::int64_t>(self, store, "last", limit)),
                  std::optional<std::int64_t>{sets - 1});
  auto text = test::scrape_metrics(metrics_port);
  auto relays = test::sample(text, "sasync_relays_total");
  auto relayed = test::sample(text, "sasync_relayed_requests_total");
  CAF_MESSAGE(2 * sets << " sets: " << relayed << " of them in " << relays
                       << " relays");
  CAF_CHECK_GREATER(relays, 0);
  CAF_CHECK_GREATER(relayed, 2 * relays);
  // The group actor counts each relayed request as its own kind.
  auto counted = [&](const char* kind) {
    return test::sample(text, std::string{"sasync_requests_total{kind=\""} +
                                  kind + "\",result=\"ok\"}");
  };
  CAF_CHECK_GREATER_OR_EQUAL(counted("set"), 2 * sets);
  CAF_CHECK_EQUAL(counted("relay"), -1);
  disconnect_node(db);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(a_peer_relays_only_per_name_requests_to_actors_of_the_node) {
  test::daemon_process daemon{config()};
  // A plain CAF peer, with no sasync stand-in in between.
  auto typed = sys.middleman().remote_actor<node>("127.0.0.1", daemon.port());
  CAF_REQUIRE(typed);
  auto entry = caf::actor_cast<caf::actor>(*typed);
  auto store = require(
      detail::ask<items>(self, *typed, limit, items_atom::value,
                         std::int64_t{3}));
  auto target = caf::actor_cast<caf::actor>(store);
  using detail::relayed_answer;
  using detail::relayed_op;
  using detail::relayed_request;
  using requests = std::vector<relayed_request>;
  using answers = std::vector<relayed_answer>;
  auto relay = [&](const caf::actor& to, requests xs) {
    caf::expected<answers> out{caf::sec::none};
    self->request(entry, limit, relay_atom::value, to, std::move(xs))
        .receive([&](answers& ys) { out = std::move(ys); },
                 [&](caf::error& e) { out = std::move(e); });
    return out;
  };
  auto request = [](relayed_op op, std::string name = "a") {
    relayed_request x;
    x.op = static_cast<std::uint8_t>(op);
    x.name = std::move(name);
    return x;
  };
  auto set = request(relayed_op::set);
  set.value = encode(std::int64_t{7});
  auto unknown = request(relayed_op::get);
  unknown.op = 99;
  auto too_nice = request(relayed_op::get);
  too_nice.has_priority = true;
  too_nice.prio = niceness(21);
  auto nice_get = request(relayed_op::get);
  nice_get.has_priority = true;
  nice_get.prio = niceness(3);
  auto erase = request(relayed_op::erase, "");
  erase.names = {"a", "b"};
  // The group actor answers each as it would the message itself; an op
  // the node does not know is a message outside the interface.
  auto got = relay(target, {set, unknown, request(relayed_op::get), too_nice,
                            request(relayed_op::get, std::string(5000, 'x')),
                            nice_get, erase, request(relayed_op::get)});
  CAF_REQUIRE(got);
  CAF_REQUIRE_EQUAL(got->size(), 8u);
  auto& xs = *got;
  CAF_CHECK_EQUAL(xs[0].shape, relayed_answer::nothing); // set
  CAF_REQUIRE_EQUAL(xs[1].shape, relayed_answer::failure);
  CAF_CHECK(xs[1].error == caf::sec::unexpected_message);
  for (auto i : {2u, 5u}) {
    CAF_REQUIRE_EQUAL(xs[i].shape, relayed_answer::value);
    CAF_REQUIRE(xs[i].got);
    CAF_CHECK_EQUAL(decode<std::int64_t>(*xs[i].got), 7);
  }
  for (auto i : {3u, 4u}) { // a bad priority, a name over the limit
    CAF_REQUIRE_EQUAL(xs[i].shape, relayed_answer::failure);
    CAF_CHECK(is(xs[i].error, errc::invalid_argument));
  }
  CAF_REQUIRE_EQUAL(xs[6].shape, relayed_answer::count); // items' delete
  CAF_CHECK_EQUAL(xs[6].deleted, 1u);
  CAF_REQUIRE_EQUAL(xs[7].shape, relayed_answer::value);
  CAF_CHECK(!xs[7].got);
  // An empty relay is answered with nothing.
  auto none = relay(target, {});
  CAF_CHECK(none && none->empty());
  // Not to the entry actor itself, nor more than 32 requests.
  auto refused = [&](caf::expected<answers> x) {
    return !x && is(x.error(), errc::invalid_argument);
  };
  CAF_CHECK(refused(relay(entry, {request(relayed_op::get)})));
  CAF_CHECK(refused(relay(target, requests(33, request(relayed_op::get)))));
  CAF_CHECK(refused(relay(caf::actor{}, {})));
  // The node still answers after all of them.
  CAF_CHECK(relay(target, {request(relayed_op::get)}));
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(relayed_requests_on_their_way_are_all_answered_when_the_node_dies) {
  auto daemon = std::make_unique<test::daemon_process>(config());
  auto db = connect(daemon->port());
  auto store = require(items_of(self, db, 1, limit));
  using set_handle = decltype(self->request(store, limit, set_atom::value,
                                            std::string{}, stored_value{}));
  std::vector<set_handle> handles;
  for (int i = 0; i < 1000; ++i)
    handles.push_back(self->request(store, limit, set_atom::value,
                                    "k" + std::to_string(i),
                                    encode(std::int64_t{i})));
  daemon->process().signal(SIGKILL);
  int acknowledged = 0;
  int unreachable = 0;
  for (auto& h : handles)
    h.receive([&] { ++acknowledged; },
              [&](caf::error& e) {
                if (is(e, errc::unreachable))
                  ++unreachable;
                else
                  CAF_FAIL(sys.render(e)); // a timeout: left waiting
              });
  CAF_MESSAGE(acknowledged << " acknowledged, " << unreachable
                           << " unreachable");
  CAF_CHECK_EQUAL(acknowledged + unreachable, 1000);
  CAF_CHECK_GREATER(unreachable, 0);
}

CAF_TEST(asking_for_the_same_group_actor_again_reuses_its_stand_in) {
  test::daemon_process daemon{config()};
  auto db = connect(daemon.port());
  auto first = require(items_of(self, db, 7, limit));
  require(set(self, first, "kept", std::int64_t{7}, limit));
  // 100,000 asks, up to 1,000 in flight; each answer is dropped at once.
  // Every one is the first stand-in (stand-ins are hidden from CAF's count
  // of running actors, which so cannot tell).
  constexpr int asks = 100'000;
  constexpr int in_flight = 1'000;
  int answered = 0;
  int same = 0;
  for (int sent = 0; sent < asks; sent += in_flight) {
    std::vector<decltype(self->request(db, limit, items_atom::value,
                                       std::int64_t{7}))>
        handles;
    for (int k = 0; k < in_flight; ++k)
      handles.push_back(
          self->request(db, limit, items_atom::value, std::int64_t{7}));
    for (auto& h : handles)
      h.receive(
          [&](items& x) {
            ++answered;
            same += x.address() == first.address() ? 1 : 0;
          },
          [&](caf::error& e) { CAF_FAIL(sys.render(e)); });
  }
  CAF_MESSAGE(asks << " asks for items(7): " << same
                   << " answered with the first stand-in");
  CAF_CHECK_EQUAL(answered, asks);
  CAF_CHECK_EQUAL(same, asks);
  // The stand-in handed out again still reaches the group.
  auto again = require(items_of(self, db, 7, limit));
  CAF_CHECK_EQUAL(require(get<std::int64_t>(self, again, "kept", limit)),
                  std::optional<std::int64_t>{7});
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(tls_serves_a_known_peer_and_refuses_others) {
  // With TLS the node may listen beyond loopback.
  test::daemon_process daemon{config(), tls_node({"--node.host=0.0.0.0"})};
  make_certificate("client", "ca");
  make_certificate("rogue-ca", "");
  make_certificate("rogue", "rogue-ca");
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

/// The samples of `family` in `text` whose labels include `label`.
std::vector<double> samples_of(const std::string& text,
                               const std::string& family,
                               const std::string& label) {
  std::vector<double> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.rfind(family + "{", 0) == 0 &&
        line.find(label) != std::string::npos)
      out.push_back(std::stod(line.substr(line.rfind(' ') + 1)));
  return out;
}

CAF_TEST(tls_connections_are_counted_per_peer_in_the_metrics) {
  test::daemon_process daemon{config({}, "port=0\n[metrics]\nport=0"),
                              tls_node()};
  make_certificate("client", "ca");
  auto metrics_port = test::metrics_port_of(daemon.process(), bound);
  CAF_REQUIRE_NOT_EQUAL(metrics_port, 0);
  constexpr int sets = 20;
  {
    tls_client_config client_cfg{dir, "client", "ca"};
    caf::actor_system client{client_cfg};
    caf::scoped_actor me{client};
    auto db = connect_node(client, "127.0.0.1", daemon.port());
    CAF_REQUIRE(db);
    auto store = items_of(me, *db, 1, limit);
    CAF_REQUIRE(store);
    for (int i = 0; i < sets; ++i)
      CAF_REQUIRE(
          set(me, *store, "k" + std::to_string(i), std::string{"v"}, limit));
    // The client's connection as the node sees it: one request and one
    // answer per set, and the handshake and the group's stand-in besides.
    auto text = test::scrape_metrics(metrics_port);
    auto in = samples_of(text, "sasync_peer_messages_total",
                         "direction=\"in\"");
    auto out = samples_of(text, "sasync_peer_messages_total",
                          "direction=\"out\"");
    auto bytes_in = samples_of(text, "sasync_peer_bytes_total",
                               "direction=\"in\"");
    CAF_REQUIRE_EQUAL(in.size(), 1u);
    CAF_REQUIRE_EQUAL(out.size(), 1u);
    CAF_REQUIRE_EQUAL(bytes_in.size(), 1u);
    CAF_MESSAGE("messages in " << in[0] << ", out " << out[0] << ", bytes in "
                               << bytes_in[0]);
    CAF_CHECK_GREATER_OR_EQUAL(in[0], sets);
    CAF_CHECK_GREATER_OR_EQUAL(out[0], sets);
    CAF_CHECK_GREATER(bytes_in[0], in[0] * 32); // a BASP header each
    disconnect_node(*db);
  }
  // The client's actor system has ended: its connection and its series go.
  std::string text;
  for (auto deadline = std::chrono::steady_clock::now() + bound;
       std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    text = test::scrape_metrics(metrics_port);
    if (text.find("sasync_peer_messages_total{") == std::string::npos)
      break;
  }
  CAF_CHECK_EQUAL(text.find("sasync_peer_messages_total{"), std::string::npos);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

/// Scrapes the node's metrics at `port` until `sample` reads `want`, within
/// `bound`; the last value read.
double scrape_until(std::uint16_t port, const std::string& sample,
                    double want) {
  double got = -1;
  for (auto deadline = std::chrono::steady_clock::now() + bound;
       std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
    got = test::sample(test::scrape_metrics(port), sample);
    if (got == want)
      break;
  }
  return got;
}

CAF_TEST(cursors_and_bulk_inserts_open_on_the_node_show_in_its_gauges) {
  test::daemon_process daemon{config({}, "port=0\n[metrics]\nport=0")};
  auto metrics_port = test::metrics_port_of(daemon.process(), bound);
  CAF_REQUIRE_NOT_EQUAL(metrics_port, 0);
  auto db = connect(daemon.port());
  require(detail::ask<void>(
      self, db, limit, table_atom::value,
      table_def{"gauged", {{"x", column_type::integer, false}}, {}}));
  // Nothing open yet: both gauges read 0 (their families exist from the
  // start, so a scraper sees 0 rather than no series).
  auto text = test::scrape_metrics(metrics_port);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_cursors"), 0);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_bulk_inserts"), 0);
  auto first = require(query(self, db, "SELECT 1", {}, limit));
  auto second = require(query(self, db, "SELECT 2", {}, limit));
  auto inserter =
      require(insert_into(self, db, insert_spec{"gauged", {"x"}, {}, 10}, limit));
  text = test::scrape_metrics(metrics_port);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_cursors"), 2);
  CAF_CHECK_EQUAL(test::sample(text, "sasync_bulk_inserts"), 1);
  // A cursor read to its end ends; one cancelled ends too.
  auto rows = require(fetch(self, first.rows, 10, limit));
  CAF_CHECK(rows.done);
  require(cancel(self, second.rows, limit));
  CAF_CHECK_EQUAL(scrape_until(metrics_port, "sasync_cursors", 0), 0);
  CAF_CHECK_EQUAL(test::sample(test::scrape_metrics(metrics_port),
                               "sasync_bulk_inserts"),
                  1);
  // A bulk insert ends with the last reference to it: here the client's
  // connection.
  require(write(self, inserter, {row{std::int64_t{1}}}, limit));
  inserter = bulk_insert{};
  disconnect_node(db);
  CAF_CHECK_EQUAL(scrape_until(metrics_port, "sasync_bulk_inserts", 0), 0);
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
  for (auto key : {"--sasync.url", "--sasync.queue-capacity",
                   "--sasync.run-timeout", "--node.host", "--node.port",
                   "--node.insecure", "--node.max-value-bytes",
                   "--node.max-message-bytes", "--node.max-connections",
                   "--node.handshake-timeout", "--node.max-handshake-bytes",
                   "--node.max-handshake-total-bytes", "--openssl.certificate"})
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
  for (auto bad_handshake :
       {"--node.handshake-timeout=0", "--node.handshake-timeout=-1",
        "--node.max-handshake-bytes=100",
        "--node.max-handshake-total-bytes=1000"}) {
    auto refused =
        daemon_run({"--config-file=" + config().string(), bad_handshake});
    CAF_CHECK_EQUAL(refused.code, 1);
    CAF_CHECK(one_clear_line(refused.errors, "node.handshake-timeout") ||
              one_clear_line(refused.errors, "node.max-handshake"));
  }
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

CAF_TEST(check_config_answers_as_a_start_would_without_listening) {
  // A port a running node holds: a check does not try to listen.
  test::daemon_process first{config()};
  auto held = "--node.port=" + std::to_string(first.port());
  auto good = daemon_run(
      {"--config-file=" + config().string(), "--check-config", held});
  CAF_MESSAGE("good: " << good.output << good.errors);
  CAF_CHECK_EQUAL(good.code, 0);
  CAF_CHECK(one_clear_line(good.output, "is good"));
  CAF_CHECK_EQUAL(good.output.find("listening"), std::string::npos);
  CAF_CHECK_EQUAL(first.stop(), 0);
  // Every refusal: the same code and line as a real start. (config()
  // writes one file, so each case writes it anew.)
  struct refusal {
    std::string extra;
    std::vector<std::string> args;
  };
  for (auto& [extra, args] : std::vector<refusal>{
           {"bogus=1", {}},
           {"", {"--sasync.url=nope://x"}},
           {"", {"--node.host=0.0.0.0"}},
           {"", {"--node.max-parameters=0"}},
           {"", {"--sasync.pool-size=-3"}},
           {"", {"--sasync.url=postgresql://nobody@127.0.0.1:1/none"}},
           {"[cluster]\nenabled=true", {}},
       }) {
    args.insert(args.begin(), "--config-file=" + config(extra).string());
    auto start = daemon_run(args);
    args.push_back("--check-config");
    auto check = daemon_run(args);
    CAF_MESSAGE(extra << " " << args[1] << ": " << check.code << " "
                      << check.errors);
    CAF_CHECK_NOT_EQUAL(check.code, 0);
    CAF_CHECK_EQUAL(check.code, start.code);
    CAF_CHECK_EQUAL(check.errors, start.errors);
    CAF_CHECK(check.output.empty());
  }
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
