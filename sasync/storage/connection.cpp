// Opening connections by dialect, and statement echo.
#include "sasync/storage/connection.hpp"

#include "sasync/storage/dialect.hpp"
#include "sasync/storage/postgresql_connection.hpp"
#include "sasync/storage/sqlite_connection.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace sasync {

connection::~connection() = default;

row_cursor::~row_cursor() = default;

void connection::savepoint(const std::string& name) {
  run_savepoint_statements({"SAVEPOINT " + quote_identifier(name)});
}

void connection::release(const std::string& name) {
  run_savepoint_statements({"RELEASE SAVEPOINT " + quote_identifier(name)});
}

void connection::rollback_to(const std::string& name) {
  run_savepoint_statements({"ROLLBACK TO SAVEPOINT " + quote_identifier(name)});
}

void connection::renew_savepoint(const std::string& name) {
  auto quoted = quote_identifier(name);
  run_savepoint_statements(
      {"RELEASE SAVEPOINT " + quoted, "SAVEPOINT " + quoted});
}

void connection::run_savepoint_statements(const std::vector<std::string>& sql) {
  std::string script;
  for (auto& stmt : sql)
    script += (script.empty() ? "" : "; ") + stmt;
  execute_script(script);
}

std::string statement_excerpt(std::string_view sql) {
  constexpr size_t max_len = 200;
  return sql.size() <= max_len ? std::string{sql}
                               : std::string{sql.substr(0, max_len)} + "...";
}

std::unique_ptr<connection> open_connection(const engine_config& cfg,
                                            access_mode mode) {
  switch (cfg.dialect) {
  case dialect_kind::sqlite:
    return open_sqlite(cfg, mode);
  case dialect_kind::postgresql:
    return open_postgresql(cfg, mode);
  }
  throw storage_failure(failure_kind::invalid_argument,
                        "no backend for " + cfg.display_url());
}

namespace {

/// The "sasync.echo" logger: one an application registered (to send echo
/// elsewhere), or else one on stderr.
std::shared_ptr<spdlog::logger> echo_logger() {
  if (auto existing = spdlog::get("sasync.echo"))
    return existing;
  try {
    return spdlog::stderr_logger_mt("sasync.echo");
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get("sasync.echo"); // another thread made it first
  }
}

} // namespace

void echo_statement(std::string_view sql, const std::vector<value>& params) {
  auto logger = echo_logger();
  std::string text{sql};
  if (!params.empty()) {
    text += "  -- [";
    for (size_t i = 0; i < params.size(); ++i) {
      if (i > 0)
        text += ", ";
      auto shown = to_display(params[i]);
      if (params[i].type() == value::kind::text)
        shown = "'" + shown + "'";
      text += shown;
    }
    text += ']';
  }
  logger->info("{}", text);
}

} // namespace sasync
