// Engine URLs and options: every accepted form, and every rejection naming
// the bad part without ever showing the password.
#define CAF_SUITE storage.engine_config

#include "sasync/storage/engine_config.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <caf/test/unit_test.hpp>

#include <functional>

using namespace sasync;

namespace {

/// The failure's message, or "" when `url` parses.
std::string rejection(const std::string& url) {
  try {
    engine_config::parse(url);
  } catch (const storage_failure& f) {
    CAF_CHECK(f.kind() == failure_kind::invalid_argument);
    return f.what();
  }
  return {};
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(sqlite_relative_and_absolute_paths) {
  CAF_CHECK_EQUAL(engine_config::parse("sqlite:///relative.db").path,
                  "relative.db");
  CAF_CHECK_EQUAL(engine_config::parse("sqlite:////abs/path.db").path,
                  "/abs/path.db");
  CAF_CHECK_EQUAL(engine_config::parse("sqlite:///dir%20x/a.db").path,
                  "dir x/a.db");
}

CAF_TEST(sqlite_in_memory_forms) {
  CAF_CHECK(engine_config::parse("sqlite://").in_memory());
  CAF_CHECK(engine_config::parse("sqlite:///:memory:").in_memory());
  CAF_CHECK_EQUAL(engine_config::parse("sqlite://").display_url(),
                  "sqlite:///:memory:");
}

CAF_TEST(sqlite_defaults_keep_commits_through_power_loss) {
  auto cfg = engine_config::parse("sqlite:///a.db");
  CAF_CHECK_EQUAL(cfg.synchronous, "FULL");
  CAF_CHECK_EQUAL(cfg.journal_mode, "WAL");
  CAF_CHECK_EQUAL(cfg.pool_size, 5u);
  CAF_CHECK_EQUAL(cfg.max_overflow, 10u);
  CAF_CHECK_EQUAL(cfg.pool_timeout.count(), 30'000);
  CAF_CHECK(!cfg.echo);
}

CAF_TEST(options_as_query_parameters) {
  auto cfg = engine_config::parse(
      "sqlite:///a.db?synchronous=normal&journal-mode=delete&pool_size=3"
      "&max_overflow=0&pool_timeout=0.5&echo=yes");
  CAF_CHECK_EQUAL(cfg.synchronous, "NORMAL");
  CAF_CHECK_EQUAL(cfg.journal_mode, "DELETE");
  CAF_CHECK_EQUAL(cfg.pool_size, 3u);
  CAF_CHECK_EQUAL(cfg.max_overflow, 0u);
  CAF_CHECK_EQUAL(cfg.pool_timeout.count(), 500);
  CAF_CHECK(cfg.echo);
}

CAF_TEST(options_set_by_name) {
  auto cfg = engine_config::parse("sqlite://");
  cfg.set_option("pool-size", "7");
  cfg.set_option("echo", "on");
  CAF_CHECK_EQUAL(cfg.pool_size, 7u);
  CAF_CHECK(cfg.echo);
  try {
    cfg.set_option("pool_sise", "1");
    CAF_FAIL("unknown option accepted");
  } catch (const storage_failure& f) {
    CAF_CHECK(mentions(f.what(), "pool_sise"));
  }
}

CAF_TEST(postgresql_url_parts_are_percent_decoded) {
  auto cfg = engine_config::parse(
      "postgresql://us%40er:p%3Ass@db.example:6543/my%2Fdb?sslmode=require");
  CAF_CHECK(cfg.dialect == dialect_kind::postgresql);
  CAF_CHECK_EQUAL(cfg.user, "us@er");
  CAF_CHECK_EQUAL(cfg.password, "p:ss");
  CAF_CHECK_EQUAL(cfg.host, "db.example");
  CAF_CHECK_EQUAL(cfg.port, 6543);
  CAF_CHECK_EQUAL(cfg.database, "my/db");
  CAF_CHECK(mentions(cfg.libpq_conninfo(), "sslmode='require'"));
}

CAF_TEST(postgresql_unix_socket_host_both_ways) {
  CAF_CHECK_EQUAL(
      engine_config::parse("postgresql://u@%2Frun%2Fpostgresql/db").host,
      "/run/postgresql");
  CAF_CHECK_EQUAL(
      engine_config::parse("postgres://u@/db?host=/run/postgresql").host,
      "/run/postgresql");
}

CAF_TEST(postgresql_ipv6_host) {
  auto cfg = engine_config::parse("postgresql://u@[::1]:5432/db");
  CAF_CHECK_EQUAL(cfg.host, "::1");
  CAF_CHECK_EQUAL(cfg.port, 5432);
  CAF_CHECK_EQUAL(cfg.display_url(), "postgresql://u@[::1]:5432/db");
}

CAF_TEST(password_is_masked_and_quoted_for_libpq) {
  auto cfg = engine_config::parse("postgresql://bob:s3cr%27t@h:5432/d");
  CAF_CHECK_EQUAL(cfg.display_url(), "postgresql://bob:***@h:5432/d");
  CAF_CHECK_EQUAL(cfg.libpq_conninfo(),
                  "host='h' port='5432' dbname='d' user='bob' "
                  "password='s3cr\\'t' connect_timeout='30'");
}

CAF_TEST(malformed_urls_are_rejected_naming_the_bad_part) {
  CAF_CHECK(mentions(rejection(""), "empty"));
  CAF_CHECK(mentions(rejection("app.db"), "://"));
  CAF_CHECK(mentions(rejection("mysql://u@h/db"), "mysql"));
  CAF_CHECK(mentions(rejection("sqlite://host/x.db"), "host"));
  CAF_CHECK(mentions(rejection("postgresql://u@h:abc/db"), "abc"));
  CAF_CHECK(mentions(rejection("postgresql://u@h:70000/db"), "70000"));
  CAF_CHECK(mentions(rejection("postgresql://u@[::1/db"), "["));
  CAF_CHECK(mentions(rejection("sqlite:///a%G1.db"), "percent"));
  CAF_CHECK(mentions(rejection("sqlite:///a%2"), "percent"));
  // A NUL byte would cut the name short where SQLite or libpq read it.
  CAF_CHECK(mentions(rejection("sqlite:///%00x.db"), "NUL byte"));
  CAF_CHECK(mentions(rejection("sqlite:///x.db%00"), "path"));
  CAF_CHECK(mentions(rejection("postgresql://u:p%00q@h/db"), "%00"));
  CAF_CHECK(mentions(rejection("postgresql://u@h/db%00"), "db%00"));
  CAF_CHECK(mentions(rejection("sqlite:///x.db?synchronous=FULL%00"), "NUL"));
}

CAF_TEST(bad_options_are_rejected_naming_the_option) {
  CAF_CHECK(mentions(rejection("sqlite:///a.db?pool_sise=3"), "pool_sise"));
  CAF_CHECK(mentions(rejection("sqlite:///a.db?pool_size=5x"), "pool_size"));
  CAF_CHECK(mentions(rejection("sqlite:///a.db?pool_size=0"), "pool_size"));
  CAF_CHECK(
      mentions(rejection("sqlite:///a.db?pool_timeout=-1"), "pool_timeout"));
  CAF_CHECK(mentions(rejection("sqlite:///a.db?echo=maybe"), "echo"));
  CAF_CHECK(mentions(rejection("sqlite:///a.db?synchronous=FAST"), "FAST"));
  CAF_CHECK(mentions(rejection("sqlite:///a.db?sslmode=require"), "sslmode"));
  CAF_CHECK(
      mentions(rejection("postgresql://u@h/d?synchronous=OFF"), "SQLite only"));
  CAF_CHECK(mentions(rejection("sqlite:///a.db?echo"), "echo"));
}

CAF_TEST(errors_never_show_the_password) {
  for (auto url :
       {"postgresql://u:hunter2@h:abc/d", "postgresql://u:hunter2@h/d?bogus=1",
        "postgresql://u:hunter2@h/d?pool_size=x"}) {
    auto msg = rejection(url);
    CAF_CHECK(!msg.empty());
    CAF_CHECK(!mentions(msg, "hunter2"));
  }
}

CAF_TEST(several_hosts_are_kept_in_order_with_their_ports) {
  auto cfg = engine_config::parse("postgresql://u:p@host1:5432,host2:5433/db"
                                  "?target_session_attrs=read-write");
  CAF_CHECK(cfg.dialect == dialect_kind::postgresql);
  CAF_CHECK_EQUAL(cfg.host, "host1,host2");
  CAF_CHECK(mentions(cfg.libpq_conninfo(), "host='host1,host2'"));
  CAF_CHECK(mentions(cfg.libpq_conninfo(), "port='5432,5433'"));
  CAF_CHECK(
      mentions(cfg.libpq_conninfo(), "target_session_attrs='read-write'"));
  CAF_CHECK_EQUAL(cfg.display_url(),
                  "postgresql://u:***@host1:5432,host2:5433/db"
                  "?target_session_attrs=read-write");
}

CAF_TEST(hostaddr_service_and_socket_directories_go_to_libpq) {
  auto addr = engine_config::parse(
      "postgresql://u@db.example/d?hostaddr=127.0.0.1&connect-timeout=3");
  CAF_CHECK(mentions(addr.libpq_conninfo(), "hostaddr='127.0.0.1'"));
  auto addrs = engine_config::parse(
      "host=a,b hostaddr=10.0.0.1,10.0.0.2 port=5432 options='-c x=1'");
  CAF_CHECK_EQUAL(addrs.display_url(),
                  "postgresql://a:5432,b:5432/"
                  "?hostaddr=10.0.0.1,10.0.0.2&options=-c%20x%3D1");
  CAF_CHECK(mentions(addr.libpq_conninfo(), "connect_timeout='3'"));
  CAF_CHECK(!mentions(addr.libpq_conninfo(), "connect_timeout='30'"));
  auto service = engine_config::parse("postgresql:///?service=sasync_svc");
  CAF_CHECK(mentions(service.libpq_conninfo(), "service='sasync_svc'"));
  CAF_CHECK_EQUAL(service.display_url(), "postgresql:///?service=sasync_svc");
  auto socket = engine_config::parse(
      "postgresql://u@%2Fvar%2Frun%2Fpostgresql,db.example:5433/d");
  CAF_CHECK_EQUAL(socket.host, "/var/run/postgresql,db.example");
  // In a URL each host has its port: the socket directory has none.
  CAF_CHECK_EQUAL(socket.display_url(),
                  "postgresql://u@%2Fvar%2Frun%2Fpostgresql,db.example:5433/d");
  CAF_CHECK(mentions(socket.libpq_conninfo(), "port=',5433'"));
}

CAF_TEST(keyword_value_strings_are_postgresql_connection_strings) {
  auto cfg = engine_config::parse(
      "host=/var/run/postgresql dbname=sasync_test user=sasync "
      "password='se cr\\'et' pool_size=3 echo = on");
  CAF_CHECK(cfg.dialect == dialect_kind::postgresql);
  CAF_CHECK_EQUAL(cfg.host, "/var/run/postgresql");
  CAF_CHECK_EQUAL(cfg.database, "sasync_test");
  CAF_CHECK_EQUAL(cfg.user, "sasync");
  CAF_CHECK_EQUAL(cfg.password, "se cr'et");
  CAF_CHECK_EQUAL(cfg.pool_size, 3u);
  CAF_CHECK(cfg.echo);
  CAF_CHECK(!mentions(cfg.libpq_conninfo(), "pool_size"));
  CAF_CHECK_EQUAL(cfg.display_url(),
                  "postgresql://sasync:***@%2Fvar%2Frun%2Fpostgresql/"
                  "sasync_test");
}

CAF_TEST(sasync_options_keep_their_checks_in_every_form) {
  CAF_CHECK(mentions(rejection("postgresql://u@h/d?pool_size=0"),
                     "malformed value '0' for option 'pool_size'"));
  CAF_CHECK(mentions(rejection("host=h pool_size=0"),
                     "malformed value '0' for option 'pool_size'"));
  CAF_CHECK(mentions(rejection("host=h synchronous=OFF"), "SQLite only"));
  CAF_CHECK(
      mentions(rejection("postgresql://h/d?echo"), "'echo' has no value"));
  CAF_CHECK(mentions(rejection("postgresql://h/d?pool_timeout=%zz"),
                     "malformed percent escape in URL query"));
}

CAF_TEST(libpq_refusals_are_one_line_errors_without_the_password) {
  auto one_line = [](const std::string& msg) {
    CAF_CHECK(!msg.empty());
    CAF_CHECK_EQUAL(msg.find('\n'), std::string::npos);
    return msg;
  };
  // A one-letter password does not hide the words around it.
  CAF_CHECK(mentions(one_line(rejection("postgresql://u:s@h/d?bogus=1")),
                     "\"bogus\""));
  CAF_CHECK(mentions(one_line(rejection("host=h nosuchkey=1")), "nosuchkey"));
  CAF_CHECK(
      mentions(one_line(rejection("host=h dbname='open")), "unterminated"));
  CAF_CHECK(mentions(one_line(rejection("host=h dbname")), "dbname"));
  CAF_CHECK(mentions(one_line(rejection("postgresql://h/d?a")), "\"a\""));
  CAF_CHECK(mentions(rejection("postgresql://u@h:5432,h2:x/d"), "'x'"));
  // libpq quotes the part it cannot read: here, the password itself.
  for (auto url :
       {"postgresql://u:hunter2%zz@h/d", "postgresql://u:hunter2%00@h/d",
        "postgresql://u:hunter2@[::1/d", "postgresql://h/d?password=hunter2%zz",
        "postgresql://h/d?sslpassword=hunter2%zz",
        "host=h password=hunter2 user=u bogus=1",
        "host=h password='hunter2' dbname=d nosuch=1"}) {
    auto msg = one_line(rejection(url));
    CAF_MESSAGE(msg);
    CAF_CHECK(!mentions(msg, "hunter2"));
  }
}

CAF_TEST(passwords_in_libpq_parameters_are_masked_too) {
  auto cfg = engine_config::parse(
      "postgresql://u@h/"
      "d?password=hunter2&sslpassword=hunter3&sslmode=require");
  CAF_CHECK_EQUAL(cfg.password, "hunter2");
  CAF_CHECK(mentions(cfg.libpq_conninfo(), "sslpassword='hunter3'"));
  auto shown = cfg.display_url();
  CAF_MESSAGE(shown);
  CAF_CHECK(!mentions(shown, "hunter2"));
  CAF_CHECK(!mentions(shown, "hunter3"));
  CAF_CHECK(mentions(shown, "sslmode=require"));
}

CAF_TEST(default_engine_can_be_replaced) {
  CAF_CHECK_EQUAL(default_engine().path, "sasync.db");
  set_default_engine(engine_config::parse("sqlite:///other.db"));
  CAF_CHECK_EQUAL(default_engine().path, "other.db");
  set_default_engine(engine_config::parse("sqlite:///sasync.db"));
}
