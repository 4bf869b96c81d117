// Several PostgreSQL hosts in one URL: a broker whose first hosts fail
// starts on the next one, and after its connection is lost it goes through
// the whole list again; sasyncd and the CLI take such URLs and show them
// masked.
#define CAF_SUITE actors.postgresql_failover

#include "sasync/actors/broker.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/connection.hpp"

#include "backends.hpp"
#include "loopback_ports.hpp"
#include "cli_fixture.hpp"
#include "daemon_process.hpp"
#include "program_paths.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sasync;
using test::bound_socket;
using test::closed_port;

namespace {

constexpr auto bound = std::chrono::seconds(60);

/// A server that accepts every connection and never answers, counting
/// them: libpq waits connect_timeout for it, then tries the next host. (One
/// that hangs up instead ends libpq's attempt: a host that was reached is
/// not passed over.)
class silent_server {
public:
  silent_server() {
    fd_ = bound_socket(port_);
    CAF_REQUIRE(fd_ >= 0);
    CAF_REQUIRE_EQUAL(::listen(fd_, 16), 0);
    thread_ = std::thread{[this] { serve(); }};
  }
  silent_server(const silent_server&) = delete;
  silent_server& operator=(const silent_server&) = delete;
  ~silent_server() {
    done_ = true;
    thread_.join();
    for (int conn : held_)
      ::close(conn);
    ::close(fd_);
  }

  std::string port() const { return std::to_string(port_); }
  int accepted() const { return accepted_; }

private:
  void serve() {
    while (!done_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) == 1) {
        int conn = ::accept(fd_, nullptr, nullptr);
        if (conn >= 0) {
          held_.push_back(conn); // only this thread touches it until join
          ++accepted_;
        }
      }
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> done_{false};
  std::atomic<int> accepted_{0};
  std::vector<int> held_;
  std::thread thread_;
};

struct fixture {
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};

  /// The first row of `sql` through `db`, or its error.
  caf::expected<row> first_row(const broker& db, const std::string& sql) {
    caf::expected<row> out{caf::error{}};
    self->request(db, bound, sql_atom::value, sql, std::vector<value>{})
        .receive([&](result_set& rs) { out = rs.rows.at(0); },
                 [&](caf::error& err) { out = std::move(err); });
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(postgresql_failover_tests, fixture)

CAF_TEST(the_host_list_is_tried_at_start_and_again_after_a_lost_connection) {
  silent_server silent;
  auto hosts = "127.0.0.1:" + closed_port() + ",127.0.0.1:" + silent.port() +
               ",127.0.0.1:5432";
  broker_config bc;
  bc.engine = engine_config::parse(
      "postgresql://sasync:sasync@" + hosts +
      "/sasync_test?target_session_attrs=read-write&connect_timeout=2"
      "&pool_size=1&max_overflow=0");
  auto db = spawn_broker(sys, bc);
  auto before = first_row(db, "SELECT pg_backend_pid(), inet_server_port()");
  if (!before)
    CAF_FAIL(sys.render(before.error()));
  CAF_CHECK_EQUAL(before->at(1).as_integer(), 5432);
  auto pid = before->at(0).as_integer();
  auto tried_at_start = silent.accepted();
  CAF_MESSAGE("the silent host saw " << tried_at_start
                                     << " connection(s) at start");
  CAF_CHECK_GREATER_OR_EQUAL(tried_at_start, 1);
  self->request(db, bound, status_atom::value)
      .receive(
          [&](broker_status& st) {
            CAF_MESSAGE("status: " << st.backend);
            CAF_CHECK_EQUAL(st.backend, "postgresql://sasync:***@" + hosts +
                                            "/sasync_test"
                                            "?connect_timeout=2"
                                            "&target_session_attrs=read-write");
          },
          [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  // A real loss: the server ends the broker's backend.
  auto admin = open_connection(engine_config::parse(test::postgresql_url()),
                               access_mode::write);
  auto ended = admin->execute("SELECT pg_terminate_backend(?)", {pid});
  CAF_REQUIRE(ended.rows.at(0).at(0).as_integer() != 0);
  // The next request finds the connection dead; a request that was running
  // on it may fail retryably, so ask a bounded number of times.
  caf::expected<row> after{caf::error{}};
  for (int attempt = 0; attempt < 5; ++attempt) {
    after = first_row(db, "SELECT pg_backend_pid(), inet_server_port()");
    if (after && after->at(0).as_integer() != pid)
      break;
    if (!after) {
      CAF_MESSAGE("attempt " << attempt << ": " << sys.render(after.error()));
      CAF_REQUIRE(is_retryable(after.error()));
    }
  }
  if (!after)
    CAF_FAIL(sys.render(after.error()));
  CAF_CHECK_NOT_EQUAL(after->at(0).as_integer(), pid);
  CAF_CHECK_EQUAL(after->at(1).as_integer(), 5432);
  CAF_MESSAGE("the silent host saw " << silent.accepted()
                                     << " connection(s) in all");
  CAF_CHECK_GREATER(silent.accepted(), tried_at_start);
  self->request(db, bound, shutdown_atom::value)
      .receive([] {}, [](caf::error&) {});
}

CAF_TEST(sasyncd_and_the_cli_take_several_hosts_and_keyword_strings) {
  test::scratch_dir dir{"postgresql-failover"};
  auto closed = closed_port();
  auto config = dir.path() / "sasyncd.ini";
  std::ofstream{config}
      << "[sasync]\nurl=\"postgresql://sasync:sasync@127.0.0.1:" << closed
      << ",127.0.0.1:5432/sasync_test?target_session_attrs=read-write\""
      << "\npool-size=1\n[node]\nport=0\n";
  test::daemon_process daemon{config};
  auto status = test::cli_fixture::remote(daemon.port(), {"status"});
  CAF_MESSAGE(status.output << status.errors);
  CAF_CHECK_EQUAL(status.code, 0);
  CAF_CHECK(status.output.find(
                "backend: postgresql://sasync:***@127.0.0.1:" + closed +
                ",127.0.0.1:5432/sasync_test") != std::string::npos);
  CAF_CHECK_EQUAL(daemon.stop(), 0);
  // Embedded, a keyword/value string.
  auto embedded = run_to_end(
      {test::sasync_cli_path(), "--url",
       "host=127.0.0.1,127.0.0.1 port=" + closed +
           ",5432 dbname=sasync_test user=sasync password=sasync pool_size=1",
       "sql", "SELECT inet_server_port() AS port"},
      test::cli_bound);
  CAF_MESSAGE(embedded.output << embedded.errors);
  CAF_CHECK_EQUAL(embedded.code, 0);
  CAF_CHECK_EQUAL(embedded.output, "port\n5432\n");
  // A malformed one: one line, exit 1, no password.
  auto bad = run_to_end({test::sasync_cli_path(), "--url",
                         "host=127.0.0.1 password=hunter2 bogus=1", "status"},
                        test::cli_bound);
  CAF_MESSAGE(bad.errors);
  CAF_CHECK_EQUAL(bad.code, 1);
  CAF_CHECK(bad.errors.find("bogus") != std::string::npos);
  CAF_CHECK(bad.errors.find("hunter2") == std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
