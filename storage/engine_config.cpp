// Parsing engine URLs and options, and the process-wide default engine.
#include "storage/engine_config.hpp"

#include "storage/storage_failure.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>

namespace sasync {

namespace {

std::string upper(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/// Decodes %XX escapes; `part` names what is decoded in the error message.
/// A NUL byte is refused: SQLite and libpq would end the name there.
std::string percent_decode(std::string_view text, std::string_view part) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
    } else {
      bool complete = i + 2 < text.size();
      int hi = complete ? hex_digit(text[i + 1]) : -1;
      int lo = complete ? hex_digit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        throw_invalid("malformed percent escape in URL " + std::string{part});
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (out.back() == '\0')
      throw_invalid("a NUL byte (%00) is not allowed in the URL " +
                    std::string{part});
  }
  return out;
}

/// A whole non-negative decimal number not above `max`, or an error naming
/// the option.
std::size_t parse_count(std::string_view name, std::string_view text,
                        std::size_t min, std::size_t max) {
  auto bad = [&] {
    throw_invalid("malformed value '" + std::string{text} + "' for option '" +
                  std::string{name} + "' (a whole number from " +
                  std::to_string(min) + " to " + std::to_string(max) + ")");
  };
  if (text.empty() || text.size() > 9)
    bad();
  std::size_t out = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      bad();
    out = out * 10 + static_cast<std::size_t>(c - '0');
  }
  if (out < min || out > max)
    bad();
  return out;
}

bool parse_bool(std::string_view name, std::string_view text) {
  auto x = lower(text);
  if (x == "true" || x == "1" || x == "yes" || x == "on")
    return true;
  if (x == "false" || x == "0" || x == "no" || x == "off")
    return false;
  throw_invalid("malformed value '" + std::string{text} + "' for option '" +
                std::string{name} + "' (true or false)");
}

std::chrono::milliseconds parse_seconds(std::string_view name,
                                        std::string_view text) {
  std::string s{text};
  char* end = nullptr;
  double secs = s.empty() ? -1 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !(secs > 0) ||
      secs > 86'400.0)
    throw_invalid("malformed value '" + s + "' for option '" +
                  std::string{name} +
                  "' (seconds, more than 0, at most 86400)");
  return std::chrono::milliseconds{
      std::max<long long>(1, static_cast<long long>(secs * 1000.0 + 0.5))};
}

std::string one_of(std::string_view name, std::string_view text,
                   std::initializer_list<const char*> choices) {
  auto x = upper(text);
  for (auto c : choices)
    if (x == c)
      return x;
  std::string list;
  for (auto c : choices)
    list += (list.empty() ? "" : ", ") + std::string{c};
  throw_invalid("malformed value '" + std::string{text} + "' for option '" +
                std::string{name} + "' (one of " + list + ")");
}

/// libpq keywords passed through from a postgresql URL's query.
const std::set<std::string>& libpq_keywords() {
  static const std::set<std::string> keys{
      "connect_timeout",  "sslmode",
      "sslcert",          "sslkey",
      "sslrootcert",      "application_name",
      "options",          "keepalives",
      "keepalives_idle",  "keepalives_interval",
      "keepalives_count", "target_session_attrs",
      "gssencmode",       "sslcompression",
      "channel_binding",  "client_encoding"};
  return keys;
}

/// A libpq conninfo value: single-quoted, with \ and ' escaped.
std::string quote_conninfo(std::string_view x) {
  std::string out = "'";
  for (char c : x) {
    if (c == '\\' || c == '\'')
      out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string normalized(std::string_view name) {
  auto out = lower(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

void parse_query(engine_config& cfg, std::string_view query) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      throw_invalid("URL query parameter '" + std::string{pair} +
                    "' has no value");
    auto key = percent_decode(pair.substr(0, eq), "query");
    auto val = percent_decode(pair.substr(eq + 1), "query");
    if (cfg.dialect == dialect_kind::postgresql &&
        libpq_keywords().count(normalized(key))) {
      if (!cfg.extra_params.empty())
        cfg.extra_params += ' ';
      cfg.extra_params += normalized(key) + '=' + quote_conninfo(val);
    } else if (cfg.dialect == dialect_kind::postgresql &&
               normalized(key) == "host") {
      cfg.host = val;
    } else {
      cfg.set_option(key, val);
    }
  }
}

void parse_sqlite(engine_config& cfg, std::string_view rest) {
  // rest follows "sqlite://": "" (memory), "/path", or "host/..." (refused).
  if (rest.empty())
    return;
  if (rest.front() != '/')
    throw_invalid("a sqlite URL has no host: '" +
                  std::string{rest.substr(0, rest.find('/'))} +
                  "' (use sqlite:///relative.db or sqlite:////abs.db)");
  auto path = percent_decode(rest.substr(1), "path");
  if (path != ":memory:")
    cfg.path = path;
}

std::uint16_t parse_port(std::string_view text) {
  bool digits = !text.empty() && text.size() <= 5 &&
                std::all_of(text.begin(), text.end(),
                            [](char c) { return c >= '0' && c <= '9'; });
  auto n = digits ? std::atoi(std::string{text}.c_str()) : 0;
  if (n < 1 || n > 65535)
    throw_invalid("malformed port '" + std::string{text} +
                  "' in URL (1 to 65535)");
  return static_cast<std::uint16_t>(n);
}

void parse_postgresql(engine_config& cfg, std::string_view rest) {
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  cfg.database = slash == std::string_view::npos
                     ? std::string{}
                     : percent_decode(rest.substr(slash + 1), "database");
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    cfg.user = percent_decode(userinfo.substr(0, colon), "user");
    if (colon != std::string_view::npos)
      cfg.password = percent_decode(userinfo.substr(colon + 1), "password");
  }
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw_invalid("unclosed '[' in URL host");
    host = authority.substr(1, close - 1);
    auto tail = authority.substr(close + 1);
    if (!tail.empty() && tail.front() != ':')
      throw_invalid("malformed URL host after ']'");
    if (!tail.empty())
      port = tail.substr(1);
  } else if (auto colon = authority.rfind(':');
             colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  cfg.host = percent_decode(host, "host");
  if (port)
    cfg.port = parse_port(*port);
}

} // namespace

engine_config engine_config::parse(std::string_view url) {
  if (url.empty())
    throw_invalid("empty database URL");
  auto sep = url.find("://");
  if (sep == std::string_view::npos)
    throw_invalid("database URL without '://' (e.g. sqlite:///app.db)");
  auto scheme = lower(url.substr(0, sep));
  auto rest = url.substr(sep + 3);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  engine_config cfg;
  if (scheme == "sqlite" || scheme == "sqlite3") {
    cfg.dialect = dialect_kind::sqlite;
    parse_sqlite(cfg, rest);
  } else if (scheme == "postgresql" || scheme == "postgres") {
    cfg.dialect = dialect_kind::postgresql;
    parse_postgresql(cfg, rest);
  } else {
    throw_invalid("unsupported URL scheme '" + scheme +
                  "' (sqlite or postgresql)");
  }
  parse_query(cfg, query);
  return cfg;
}

void engine_config::set_option(std::string_view name, std::string_view text) {
  auto key = normalized(name);
  bool sqlite_only = key == "synchronous" || key == "journal_mode";
  if (sqlite_only && dialect != dialect_kind::sqlite)
    throw_invalid("option '" + std::string{name} + "' is for SQLite only");
  if (key == "pool_size")
    pool_size = parse_count(name, text, 1, 1000);
  else if (key == "max_overflow")
    max_overflow = parse_count(name, text, 0, 10'000);
  else if (key == "pool_timeout")
    pool_timeout = parse_seconds(name, text);
  else if (key == "run_timeout")
    run_timeout = parse_seconds(name, text);
  else if (key == "echo")
    echo = parse_bool(name, text);
  else if (key == "synchronous")
    synchronous = one_of(name, text, {"OFF", "NORMAL", "FULL", "EXTRA"});
  else if (key == "journal_mode")
    journal_mode = one_of(
        name, text, {"WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY", "OFF"});
  else
    throw_invalid("unknown option '" + std::string{name} + "'");
}

std::string engine_config::display_url() const {
  if (dialect == dialect_kind::sqlite)
    return path.empty() ? "sqlite:///:memory:" : "sqlite:///" + path;
  std::string out = "postgresql://";
  if (!user.empty()) {
    out += user;
    if (!password.empty())
      out += ":***";
    out += '@';
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 0)
    out += ':' + std::to_string(port);
  out += '/' + database;
  return out;
}

std::string engine_config::libpq_conninfo() const {
  std::string out;
  auto add = [&](const char* key, const std::string& val) {
    if (val.empty())
      return;
    if (!out.empty())
      out += ' ';
    out += key;
    out += '=';
    out += quote_conninfo(val);
  };
  add("host", host);
  if (port != 0)
    add("port", std::to_string(port));
  add("dbname", database);
  add("user", user);
  add("password", password);
  if (!extra_params.empty())
    out += (out.empty() ? "" : " ") + extra_params;
  // Without it libpq may wait forever for an unreachable server.
  if (extra_params.find("connect_timeout=") == std::string::npos) {
    auto secs = (pool_timeout.count() + 999) / 1000;
    out += (out.empty() ? "" : " ") + std::string{"connect_timeout='"} +
           std::to_string(secs < 2 ? 2 : secs) + "'";
  }
  return out;
}

namespace {

std::mutex default_engine_mutex;

engine_config& default_engine_ref() {
  static engine_config cfg = engine_config::parse("sqlite:///sasync.db");
  return cfg;
}

} // namespace

engine_config default_engine() {
  std::lock_guard<std::mutex> guard{default_engine_mutex};
  return default_engine_ref();
}

void set_default_engine(engine_config cfg) {
  std::lock_guard<std::mutex> guard{default_engine_mutex};
  default_engine_ref() = std::move(cfg);
}

} // namespace sasync
