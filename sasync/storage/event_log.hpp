// The operator's log: one line per event a node's operator cares about
// (started, listening, a connection lost and regained, overload, slow
// statements, drain, cluster membership and ownership), through spdlog's
// "sasync" logger. Statement tracing stays with `echo`. Nothing here ever
// logs a parameter value, and statements are logged with their literals
// masked, so passwords and values stay out.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sasync {

enum class log_level { error, warn, info, debug };

/// "error", "warn", "info" or "debug"; none for anything else.
std::optional<log_level> parse_log_level(std::string_view text);

struct event_log_config {
  log_level level = log_level::warn;
  /// Appended to; empty: stderr.
  std::string file;
  /// Statements that take longer are logged; zero: none are.
  std::chrono::milliseconds slow_statement{0};
};

/// Sends the "sasync" logger to `cfg.file` at `cfg.level` and above. Throws
/// storage_failure(invalid_argument) naming the file if it cannot be
/// opened. Until it is called, warnings and errors go to stderr (or to a
/// "sasync" logger the application registered with spdlog).
void configure_event_log(const event_log_config& cfg);

void log_event(log_level level, std::string_view text);

/// `sql` with every string literal ('...', E'...', $$...$$) replaced by '?',
/// cut to a readable length: what a log may show of a statement.
std::string masked_statement(std::string_view sql);

/// Times one statement and logs it, masked, if it ran longer than the
/// configured threshold.
class statement_timer {
public:
  explicit statement_timer(std::string_view sql) noexcept;
  ~statement_timer();
  statement_timer(const statement_timer&) = delete;
  statement_timer& operator=(const statement_timer&) = delete;

private:
  std::string_view sql_;
  std::chrono::steady_clock::time_point start_;
  bool timed_;
};

} // namespace sasync
