// What a peer of a sasyncd node may send to the handles it obtains: only the
// public interfaces. The broker's own messages (close, open), the actors'
// timers (expire, retry, sweep) and the queue's (drain, overrun) are refused
// with an error answer, and the group keeps serving every other client. A
// group actor that dies anyway (an exit message kills any CAF actor) is
// replaced on the next request. The node runs as a real process on a
// loopback port; the peer is a plain CAF node that sends whatever it likes.
#define CAF_SUITE remote.interfaces

#include "sasync/actors/client.hpp"
#include "sasync/actors/net/remote.hpp"

#include "sasync/actors/system_config.hpp"
#include "sasync/storage/value_codec.hpp"

#include "backends.hpp"
#include "daemon_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace sasync;
using namespace std::chrono_literals;

namespace {

constexpr auto bound = std::chrono::seconds(30);
const caf::duration limit{bound};

struct client_config : system_config {
  client_config() { load<caf::io::middleman>(); }
};

/// Messages of the shape of every private message of sasync's actors.
std::vector<caf::message> private_messages() {
  return {caf::make_message(close_atom::value),
          caf::make_message(open_atom::value),
          caf::make_message(expire_atom::value),
          caf::make_message(retry_atom::value),
          caf::make_message(sweep_atom::value),
          caf::make_message(drain_atom::value),
          caf::make_message(overrun_atom::value),
          caf::make_message(dispatch_atom::value),
          caf::make_message(shutdown_atom::value)};
}

struct fixture {
  test::sqlite_file where{"remote-interfaces"};
  test::scratch_dir scratch{"remote-interfaces"};
  client_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  std::filesystem::path config() {
    auto path = scratch.path() / "sasyncd.ini";
    std::ofstream out{path};
    out << "[sasync]\nurl=\"" << where.url() << "\"\n[node]\nport=0\n";
    return path;
  }

  /// A well-behaved client, through sasync's stand-ins.
  node connect(std::uint16_t port) {
    auto h = connect_node(sys, "127.0.0.1", port);
    if (!h)
      CAF_FAIL("cannot connect: " << sys.render(h.error()));
    return *h;
  }

  /// A plain CAF peer: the node's own handle, no stand-in in between.
  node raw_peer(std::uint16_t port) {
    auto h = sys.middleman().remote_actor<node>("127.0.0.1", port);
    if (!h)
      CAF_FAIL("cannot connect: " << sys.render(h.error()));
    return *h;
  }

  /// The error that `msg`, sent as a request to `dest`, is answered with
  /// (none when it is done; an answer with a value shows as
  /// unexpected_response).
  template <class Handle>
  caf::error answer_to(const Handle& dest, const caf::message& msg) {
    caf::error err;
    bool answered = false;
    self->request(caf::actor_cast<caf::actor>(dest), limit, msg)
        .receive([&] { answered = true; },
                 [&](caf::error& e) {
                   answered = true;
                   err = std::move(e);
                 });
    CAF_CHECK(answered);
    return err;
  }

  /// Whether every private message sent to `dest` is refused.
  template <class Handle>
  bool refuses_private_messages(const Handle& dest, const std::string& what) {
    bool all = true;
    for (auto& msg : private_messages()) {
      auto err = answer_to(dest, msg);
      CAF_MESSAGE(what << " answers " << to_string(msg) << " with "
                       << sys.render(err));
      if (err != caf::sec::unexpected_message) {
        CAF_ERROR(what << " did not refuse " << to_string(msg));
        all = false;
      }
    }
    return all;
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

  /// Waits until `dest` has terminated.
  template <class Handle> bool await_down(const Handle& dest) {
    bool down = false;
    self->monitor(dest);
    self->receive([&](caf::down_msg&) { down = true; },
                  caf::after(bound) >> [] {});
    return down;
  }

  void set_in(const items& store, const std::string& name,
              const std::string& text) {
    require(detail::ask<void>(self, store, limit, set_atom::value, name,
                              encode(text)));
  }

  std::string get_from(const items& store, const std::string& name) {
    auto x = require(detail::ask<caf::optional<stored_value>>(
        self, store, limit, get_atom::value, name));
    return x ? decode<std::string>(*x) : "(none)";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(remote_interfaces_tests, fixture)

CAF_TEST(close_from_a_peer_to_items_7_is_refused_and_the_group_serves_on) {
  test::daemon_process daemon{config()};
  auto client = connect(daemon.port());
  auto store = require(detail::ask<items>(self, client, limit,
                                          items_atom::value, std::int64_t{7}));
  set_in(store, "before", "kept");
  // Another peer asks for the same group and tells it to close.
  auto peer = raw_peer(daemon.port());
  auto same = require(detail::ask<items>(self, peer, limit, items_atom::value,
                                         std::int64_t{7}));
  auto err = answer_to(same, caf::make_message(close_atom::value));
  CAF_MESSAGE("close from a peer answered with " << sys.render(err));
  CAF_CHECK_EQUAL(err, caf::sec::unexpected_message);
  // The first client's handle serves on.
  set_in(store, "after", "written");
  CAF_CHECK_EQUAL(get_from(store, "before"), "kept");
  CAF_CHECK_EQUAL(get_from(store, "after"), "written");
  disconnect_node(client);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST(private_messages_from_a_peer_to_every_handle_are_refused) {
  test::daemon_process daemon{config()};
  auto peer = raw_peer(daemon.port());
  auto store = require(detail::ask<items>(self, peer, limit, items_atom::value,
                                          std::int64_t{7}));
  auto words = require(detail::ask<dict>(self, peer, limit, dict_atom::value,
                                         std::int64_t{7}));
  auto cells = require(detail::ask<array>(self, peer, limit, array_atom::value,
                                          std::int64_t{7}));
  require(detail::ask<void>(
      self, peer, limit, table_atom::value,
      table_def{"notes",
                {{"id", column_type::integer, false, true, true},
                 {"body", column_type::text, false}},
                {}}));
  auto inserter = require(detail::ask<bulk_insert>(
      self, peer, limit, insert_atom::value,
      insert_spec{"notes", {"body"}, "id", 100}));
  auto keys = require(detail::ask<std::vector<value>>(
      self, inserter, limit, write_atom::value,
      std::vector<row>{row{std::string{"one"}}, row{std::string{"two"}},
                       row{std::string{"three"}}}));
  CAF_CHECK_EQUAL(keys.size(), 3u);
  auto rows = require(detail::ask<cursor_info>(
      self, peer, limit, query_atom::value,
      std::string{"SELECT body FROM notes ORDER BY id"}, std::vector<value>{}));
  CAF_CHECK(refuses_private_messages(peer, "the node"));
  CAF_CHECK(refuses_private_messages(store, "items(7)"));
  CAF_CHECK(refuses_private_messages(words, "dict(7)"));
  CAF_CHECK(refuses_private_messages(cells, "array(7)"));
  CAF_CHECK(refuses_private_messages(inserter, "a bulk insert"));
  CAF_CHECK(refuses_private_messages(rows.rows, "a cursor"));
  // Each of them serves on, for this peer and for a new client.
  auto client = connect(daemon.port());
  set_in(store, "name", "value");
  auto again = require(detail::ask<items>(self, client, limit,
                                          items_atom::value, std::int64_t{7}));
  CAF_CHECK_EQUAL(get_from(again, "name"), "value");
  require(detail::ask<void>(self, words, limit, set_atom::value,
                            std::string{"w"}, encode(std::string{"x"})));
  require(detail::ask<void>(self, words, limit, flush_atom::value));
  require(detail::ask<void>(self, cells, limit, set_atom::value,
                            std::int64_t{1}, std::int64_t{2}, std::int64_t{3},
                            encode(std::string{"c"})));
  auto batch = require(detail::ask<row_batch>(self, rows.rows, limit,
                                              fetch_atom::value,
                                              std::uint32_t{10}));
  CAF_CHECK_EQUAL(batch.rows.size(), 3u);
  keys = require(detail::ask<std::vector<value>>(
      self, inserter, limit, write_atom::value, std::vector<row>{row{std::string{"four"}}}));
  CAF_CHECK_EQUAL(keys.size(), 1u);
  auto st = require(
      detail::ask<broker_status>(self, client, limit, status_atom::value));
  CAF_CHECK_EQUAL(st.state, "running");
  disconnect_node(client);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
  // A peer cannot fill the node's output with what it sends (CAF's default
  // handler prints each unexpected message).
  std::string printed;
  while (auto line = daemon.process().read_line(500ms))
    printed += *line + "\n";
  CAF_CHECK_EQUAL(printed.find("unexpected"), std::string::npos);
  CAF_CHECK_EQUAL(daemon.process().errors().find("unexpected"),
                  std::string::npos);
}

// An exit message with reason `kill` stops any actor, and nothing can catch
// it: the wire guard refuses system messages from peers and closes their
// connection. Before, the first of these stopped the node entry: the daemon
// ran on and every client's request failed with unreachable.
CAF_TEST(exit_and_down_messages_from_a_peer_stop_nothing) {
  test::daemon_process daemon{config()};
  auto client = connect(daemon.port());
  auto kept = require(detail::ask<items>(self, client, limit,
                                         items_atom::value, std::int64_t{7}));
  set_in(kept, "name", "value");
  // A process of its own: a node keeps one connection per peer process.
  auto send_from_a_peer = [&](auto send) {
    client_config peer_cfg;
    caf::actor_system peer_sys{peer_cfg};
    caf::scoped_actor peer_self{peer_sys};
    auto peer = peer_sys.middleman().remote_actor<node>("127.0.0.1",
                                                         daemon.port());
    CAF_REQUIRE(peer);
    auto store = detail::ask<items>(peer_self, *peer, limit,
                                    items_atom::value, std::int64_t{7});
    CAF_REQUIRE(store);
    send(*peer, *store);
    bool closed = false; // the guard closes the peer's connection
    peer_self->monitor(*peer);
    peer_self->receive([&](caf::down_msg&) { closed = true; },
                       caf::after(bound) >> [] {});
    CAF_CHECK(closed);
  };
  send_from_a_peer([](const node& peer, const items&) {
    caf::anon_send_exit(peer, caf::exit_reason::kill);
  });
  send_from_a_peer([](const node&, const items& store) {
    caf::anon_send_exit(store, caf::exit_reason::kill);
  });
  send_from_a_peer([](const node& peer, const items& store) {
    caf::anon_send(caf::actor_cast<caf::actor>(peer),
                   caf::down_msg{store.address(),
                                 caf::exit_reason::user_shutdown});
  });
  auto st = detail::ask<broker_status>(self, client, limit, status_atom::value);
  CAF_CHECK(st);
  if (!st)
    CAF_MESSAGE(sys.render(st.error()));
  CAF_CHECK_EQUAL(get_from(kept, "name"), "value");
  set_in(kept, "other", "written");
  CAF_CHECK_EQUAL(get_from(kept, "other"), "written");
  disconnect_node(client);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
