// PostgreSQL URLs on the real server: every form libpq reads opens a
// connection (several hosts, hostaddr, keyword/value strings, percent
// escapes, a service file, the unix socket), and what libpq says when it
// cannot connect never shows the password.
#define CAF_SUITE storage.postgresql_url

#include "sasync/storage/connection.hpp"
#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/storage_failure.hpp"

#include "backends.hpp"
#include "loopback_ports.hpp"
#include "child_process.hpp"
#include "program_paths.hpp"

#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sasync;
using test::closed_port;

namespace {

/// The database, role and server port a connection opened by `url` reached.
std::string reached(const std::string& url) {
  auto conn = open_connection(engine_config::parse(url), access_mode::write);
  auto rs = conn->execute("SELECT current_database() || ' ' || current_user"
                          " || ' ' || coalesce(inet_server_port(), 0)");
  return rs.rows.at(0).at(0).as_text();
}

/// The message of the storage_failure `f` throws ("" if none).
template <class F> std::string failure_of(F f) {
  try {
    f();
  } catch (const storage_failure& x) {
    return x.what();
  }
  return {};
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(every_form_libpq_reads_opens_a_connection) {
  auto closed = closed_port();
  const std::string expected = "sasync_test sasync 5432";
  for (auto& url : std::vector<std::string>{
           test::postgresql_url(),
           // The first host refuses; libpq goes on to the next.
           "postgresql://sasync:sasync@127.0.0.1:" + closed +
               ",127.0.0.1:5432/sasync_test?target_session_attrs=read-write",
           "postgresql://sasync:sasync@127.0.0.1,127.0.0.1/sasync_test"
           "?port=" +
               closed + ",5432",
           // hostaddr: the name is not looked up.
           "postgresql://sasync:sasync@db.invalid:5432/sasync_test"
           "?hostaddr=127.0.0.1&pool_size=2",
           "host=a.invalid,b.invalid hostaddr=127.0.0.1,127.0.0.1 port=" +
               closed + ",5432 dbname=sasync_test user=sasync password=sasync",
           "host = 127.0.0.1 port=5432 dbname='sasync_test' user=sasync "
           "password='sasync' application_name='sasync url test' pool_size=1",
           "postgresql://sas%79nc:sas%79nc@127.0.0.1:5432/sasync%5Ftest"
           "?application_name=url%20test&connect-timeout=5",
       }) {
    auto shown = engine_config::parse(url).display_url();
    CAF_MESSAGE(shown);
    CAF_CHECK_EQUAL(reached(url), expected);
    CAF_CHECK(!mentions(shown, ":sasync@"));
  }
}

CAF_TEST(a_service_file_names_the_server) {
  test::scratch_dir dir{"pg-service"};
  auto file = dir.path() / "pg_service.conf";
  std::ofstream{file} << "[sasync_url_test]\nhost=127.0.0.1\nport=5432\n"
                         "dbname=sasync_test\nuser=sasync\npassword=sasync\n";
  // This suite opens connections on this thread only: libpq reads it here.
  ::setenv("PGSERVICEFILE", file.c_str(), 1);
  for (auto url :
       {"postgresql:///?service=sasync_url_test",
        "service=sasync_url_test pool_size=1",
        "postgresql://127.0.0.1/sasync_test?service=sasync_url_test"})
    CAF_CHECK_EQUAL(reached(url), "sasync_test sasync 5432");
  auto missing = failure_of(
      [] { reached("postgresql:///?service=sasync_no_such_service"); });
  CAF_MESSAGE(missing);
  CAF_CHECK(mentions(missing, "sasync_no_such_service"));
  ::unsetenv("PGSERVICEFILE");
}

CAF_TEST(the_unix_socket_directory_as_host_opens) {
  // The server lets only the OS user of the same name in over its socket
  // (peer authentication), so the CLI runs as postgres, on its database:
  // sasync's own role cannot use the socket here.
  if (::geteuid() != 0) {
    CAF_MESSAGE("not root: cannot run the CLI as postgres, not checked");
    return;
  }
#if defined(__SANITIZE_THREAD__)
  // The ThreadSanitizer build's CLI loads a CAF built with it from root's
  // cache, which postgres cannot read; with the system's CAF instead,
  // ThreadSanitizer reports CAF's own unchecked synchronisation.
  CAF_MESSAGE("ThreadSanitizer build: the CLI cannot run as postgres here");
  return;
#endif
  for (auto url : {"host=/var/run/postgresql dbname=postgres user=postgres",
                   "postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/postgres",
                   "postgresql:///postgres?host=/var/run/postgresql"
                   "&user=postgres"}) {
    auto res = run_to_end(
        {"/usr/sbin/runuser", "-u", "postgres", "--", test::sasync_cli_path(),
         "--url", url, "sql",
         "SELECT current_database() || ' over ' ||"
         " coalesce(inet_server_port()::text, 'the socket') AS reached"},
        std::chrono::seconds(60));
    CAF_MESSAGE(url << ": " << res.output << res.errors);
    CAF_CHECK_EQUAL(res.code, 0);
    CAF_CHECK(mentions(res.output, "postgres over the socket"));
  }
}

CAF_TEST(libpq_words_at_connect_never_show_the_password) {
  auto closed = closed_port();
  auto both = "127.0.0.1:" + closed + ",127.0.0.1:5432";
  auto wrong = failure_of([&] {
    reached("postgresql://sasync:hunter2-wrong@" + both + "/sasync_test");
  });
  CAF_MESSAGE(wrong);
  CAF_CHECK(mentions(wrong, "password authentication failed"));
  CAF_CHECK(mentions(wrong, both)); // every host tried, as shown
  CAF_CHECK(!mentions(wrong, "hunter2"));
  CAF_CHECK_EQUAL(wrong.find('\n'), std::string::npos);
  // Values libpq checks only when it connects.
  for (auto url :
       {"postgresql://sasync:hunter2@127.0.0.1/sasync_test?sslmode=bogus",
        "host=127.0.0.1 user=sasync password=hunter2 keepalives=x",
        "host=127.0.0.1 user=sasync password=hunter2 port=5432,5432"
        " hostaddr=127.0.0.1,127.0.0.1,127.0.0.1"}) {
    auto msg = failure_of([&] { reached(url); });
    CAF_MESSAGE(msg);
    CAF_CHECK(!msg.empty());
    CAF_CHECK(!mentions(msg, "hunter2"));
    CAF_CHECK_EQUAL(msg.find('\n'), std::string::npos);
  }
}
