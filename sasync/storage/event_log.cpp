#include "sasync/storage/event_log.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>

namespace sasync {

namespace {

/// The slow-statement threshold in microseconds; 0: off. Read on every
/// statement, so an atomic rather than the logger's lock.
std::atomic<std::int64_t> slow_statement_us{0};

std::mutex config_mutex;

spdlog::level::level_enum spdlog_level(log_level level) {
  switch (level) {
  case log_level::error:
    return spdlog::level::err;
  case log_level::warn:
    return spdlog::level::warn;
  case log_level::info:
    return spdlog::level::info;
  case log_level::debug:
    return spdlog::level::debug;
  }
  return spdlog::level::info;
}

/// The "sasync" logger: one the application or configure_event_log()
/// registered, or else one on stderr at warn.
std::shared_ptr<spdlog::logger> event_logger() {
  if (auto existing = spdlog::get("sasync"))
    return existing;
  std::lock_guard<std::mutex> guard{config_mutex};
  if (auto existing = spdlog::get("sasync"))
    return existing;
  auto made = spdlog::stderr_logger_mt("sasync");
  made->set_level(spdlog::level::warn);
  return made;
}

} // namespace

std::optional<log_level> parse_log_level(std::string_view text) {
  if (text == "error")
    return log_level::error;
  if (text == "warn")
    return log_level::warn;
  if (text == "info")
    return log_level::info;
  if (text == "debug")
    return log_level::debug;
  return std::nullopt;
}

void configure_event_log(const event_log_config& cfg) {
  std::shared_ptr<spdlog::logger> made;
  try {
    made = cfg.file.empty()
               ? std::make_shared<spdlog::logger>(
                     "sasync", std::make_shared<spdlog::sinks::stderr_sink_mt>())
               : std::make_shared<spdlog::logger>(
                     "sasync",
                     std::make_shared<spdlog::sinks::basic_file_sink_mt>(
                         cfg.file, false));
  } catch (const spdlog::spdlog_ex& e) {
    throw storage_failure(failure_kind::invalid_argument,
                          "cannot open the log file " + cfg.file + ": " +
                              e.what());
  }
  made->set_level(spdlog_level(cfg.level));
  // Lines as an operator's tools read them: time, level, text.
  made->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  made->flush_on(spdlog::level::debug);
  std::lock_guard<std::mutex> guard{config_mutex};
  spdlog::drop("sasync");
  spdlog::register_logger(made);
  slow_statement_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          cfg.slow_statement)
                          .count();
}

void log_event(log_level level, std::string_view text) {
  auto logger = event_logger();
  logger->log(spdlog_level(level), "{}", text);
}

std::string masked_statement(std::string_view sql) {
  constexpr std::size_t shown = 500;
  std::string out;
  out.reserve(std::min(sql.size(), shown));
  for (std::size_t i = 0; i < sql.size() && out.size() < shown;) {
    auto c = sql[i];
    if (c == '\'') {
      // '...' with '' inside (and E'...' with \' inside).
      auto escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
      ++i;
      while (i < sql.size()) {
        if (escapes && sql[i] == '\\') {
          i += 2;
          continue;
        }
        if (sql[i] == '\'') {
          if (i + 1 < sql.size() && sql[i + 1] == '\'') {
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      ++i;
      out += "'?'";
    } else if (c == '$') {
      // $tag$...$tag$; a $1 parameter has no closing dollar before a space.
      auto end_tag = sql.find('$', i + 1);
      auto tag = end_tag == std::string_view::npos
                     ? std::string_view{}
                     : sql.substr(i, end_tag - i + 1);
      auto plain = !tag.empty() &&
                   tag.find_first_of(" \t\n(),;") == std::string_view::npos &&
                   !(tag.size() > 2 && std::isdigit(
                                           static_cast<unsigned char>(tag[1])));
      if (!plain) {
        out += c;
        ++i;
        continue;
      }
      auto close = sql.find(tag, end_tag + 1);
      i = close == std::string_view::npos ? sql.size() : close + tag.size();
      out += "'?'";
    } else {
      out += c;
      ++i;
    }
  }
  if (out.size() >= shown)
    out += "...";
  return out;
}

statement_timer::statement_timer(std::string_view sql) noexcept
    : sql_(sql), timed_(slow_statement_us.load(std::memory_order_relaxed) > 0) {
  if (timed_)
    start_ = std::chrono::steady_clock::now();
}

statement_timer::~statement_timer() {
  if (!timed_)
    return;
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start_)
                  .count();
  if (took < slow_statement_us.load(std::memory_order_relaxed))
    return;
  try {
    log_event(log_level::warn, "slow statement (" +
                                   std::to_string(took / 1000) +
                                   " ms): " + masked_statement(sql_));
  } catch (...) {
    // a log that cannot be written must not fail the statement
  }
}

} // namespace sasync
