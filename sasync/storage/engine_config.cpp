// Parsing engine URLs and options, and the process-wide default engine.
#include "sasync/storage/engine_config.hpp"

#include "sasync/storage/libpq_conninfo.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

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

/// A query key decoded, or as written where it does not decode (libpq then
/// says why).
std::string lenient_key(std::string_view key) {
  try {
    return percent_decode(key, "query");
  } catch (const storage_failure&) {
    return std::string{key};
  }
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

std::string normalized(std::string_view name) {
  auto out = lower(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

/// One `key=value` of a URL query: the key and value as written.
struct query_pair {
  std::string_view key;
  std::optional<std::string_view> value;
};

std::vector<query_pair> split_query(std::string_view query) {
  std::vector<query_pair> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      out.push_back({pair, std::nullopt});
    else
      out.push_back({pair.substr(0, eq), pair.substr(eq + 1)});
  }
  return out;
}

/// Sets a query parameter as a sasync option, with the URL's checks.
void set_query_option(engine_config& cfg, const query_pair& pair) {
  if (!pair.value)
    throw_invalid("URL query parameter '" + std::string{pair.key} +
                  "' has no value");
  cfg.set_option(percent_decode(pair.key, "query"),
                 percent_decode(*pair.value, "query"));
}

/// sasync's own options; every other keyword is libpq's.
bool is_sasync_option(std::string_view name) {
  static const std::set<std::string, std::less<>> names{
      "pool_size", "max_overflow", "pool_timeout", "run_timeout",
      "echo",      "synchronous",  "journal_mode"};
  return names.count(normalized(name)) > 0;
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

void parse_sqlite_query(engine_config& cfg, std::string_view query) {
  for (auto& pair : split_query(query))
    set_query_option(cfg, pair);
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

/// %XX for every byte but letters, digits, -._~ and `keep` (a URL part as
/// text).
std::string percent_encode(std::string_view text, std::string_view keep = {}) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' ||
        keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  for (size_t from = 0;;) {
    auto comma = text.find(',', from);
    out.emplace_back(text.substr(from, comma - from));
    if (comma == std::string_view::npos)
      return out;
    from = comma + 1;
  }
}

/// libpq's reading of `conninfo` into the fields sasync shows and changes
/// (host, port, database, user, password); every other keyword stays
/// libpq's. A port is checked here so that a typo fails at parse time.
void take_libpq_params(engine_config& cfg, const std::string& conninfo) {
  for (auto& p : detail::libpq_parse(conninfo)) {
    if (p.keyword == "host") {
      cfg.host = p.value;
    } else if (p.keyword == "port") {
      if (p.value.find(',') == std::string::npos) {
        if (!p.value.empty())
          cfg.port = parse_port(p.value);
        continue;
      }
      for (auto& one : split_list(p.value))
        if (!one.empty()) // an empty one is libpq's default port
          parse_port(one);
      cfg.libpq_params.push_back(std::move(p));
    } else if (p.keyword == "dbname") {
      cfg.database = p.value;
    } else if (p.keyword == "user") {
      cfg.user = p.value;
    } else if (p.keyword == "password") {
      cfg.password = p.value;
    } else {
      cfg.libpq_params.push_back(std::move(p));
    }
  }
}

/// A postgresql:// URL: sasync's options out of its query, the rest read by
/// libpq.
void parse_postgresql(engine_config& cfg, std::string_view rest) {
  auto q = rest.find('?');
  auto query =
      q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1);
  std::string for_libpq = "postgresql://" + std::string{rest.substr(0, q)};
  char sep = '?';
  for (auto& pair : split_query(query)) {
    auto key = normalized(lenient_key(pair.key));
    if (is_sasync_option(key)) {
      set_query_option(cfg, pair);
      continue;
    }
    // libpq's keywords as before: `connect-timeout` is `connect_timeout`.
    for_libpq += sep;
    sep = '&';
    for_libpq += key == lenient_key(pair.key) ? std::string{pair.key}
                                              : percent_encode(key);
    if (pair.value)
      for_libpq += '=' + std::string{*pair.value};
  }
  take_libpq_params(cfg, for_libpq);
}

/// A libpq keyword/value string: sasync's options out, the rest read by
/// libpq.
void parse_postgresql_conninfo(engine_config& cfg, std::string_view text) {
  auto params = detail::split_conninfo(text);
  if (!params) // libpq says why
    return take_libpq_params(cfg, std::string{text});
  std::string for_libpq;
  for (auto& p : *params) {
    if (is_sasync_option(p.keyword)) {
      cfg.set_option(p.keyword, p.value);
      continue;
    }
    for_libpq += for_libpq.empty() ? "" : " ";
    for_libpq += p.keyword + '=' + detail::quote_conninfo(p.value);
  }
  take_libpq_params(cfg, for_libpq);
}

/// Whether `text` has no URL scheme but a '=': a libpq keyword/value string.
bool is_conninfo(std::string_view text) {
  auto sep = text.find("://");
  auto scheme = text.substr(0, sep);
  bool has_scheme = sep != std::string_view::npos && !scheme.empty() &&
                    std::all_of(scheme.begin(), scheme.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) ||
                             c == '+' || c == '-' || c == '.';
                    });
  return !has_scheme && text.find('=') != std::string_view::npos;
}

/// A host of a URL as text: IPv6 addresses in brackets, the rest encoded.
std::string shown_host(const std::string& host) {
  if (host.find(':') != std::string::npos &&
      host.find('/') == std::string::npos)
    return "[" + host + "]";
  return percent_encode(host);
}

} // namespace

engine_config engine_config::parse(std::string_view url) {
  if (url.empty())
    throw_invalid("empty database URL");
  // libpq reads C strings: a NUL byte would end the URL there.
  if (url.find('\0') != std::string_view::npos)
    throw_invalid("a NUL byte is not allowed in a database URL");
  if (is_conninfo(url)) {
    engine_config cfg;
    cfg.dialect = dialect_kind::postgresql;
    parse_postgresql_conninfo(cfg, url);
    return cfg;
  }
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
    parse_sqlite_query(cfg, query);
  } else if (scheme == "postgresql" || scheme == "postgres") {
    cfg.dialect = dialect_kind::postgresql;
    parse_postgresql(cfg, url.substr(sep + 3));
  } else {
    throw_invalid("unsupported URL scheme '" + scheme +
                  "' (sqlite or postgresql)");
  }
  return cfg;
}

void engine_config::set_option(std::string_view name, std::string_view text) {
  auto key = normalized(name);
  bool sqlite_only = key == "synchronous" || key == "journal_mode";
  if (sqlite_only && dialect != dialect_kind::sqlite)
    throw_invalid("option '" + std::string{name} + "' is for SQLite only");
  if (key == "pool_size")
    pool_size = parse_count(name, text, 1, pool_size_limit);
  else if (key == "max_overflow")
    max_overflow = parse_count(name, text, 0, max_overflow_limit);
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
    out += percent_encode(user);
    if (!password.empty())
      out += ":***";
    out += '@';
  }
  // Ports as libpq pairs them: one for every host, or one each.
  auto hosts = split_list(host);
  std::vector<std::string> ports;
  auto port_list = std::find_if(libpq_params.begin(), libpq_params.end(),
                                [](auto& p) { return p.keyword == "port"; });
  if (port != 0)
    ports.push_back(std::to_string(port));
  else if (port_list != libpq_params.end())
    ports = split_list(port_list->value);
  bool paired = ports.size() <= 1 || ports.size() == hosts.size();
  for (size_t i = 0; i < hosts.size(); ++i) {
    out += (i == 0 ? "" : ",") + shown_host(hosts[i]);
    std::string shown_port = ports.empty()       ? ""
                             : ports.size() == 1 ? ports[0]
                             : paired            ? ports[i]
                                                 : "";
    if (!shown_port.empty())
      out += ':' + shown_port;
  }
  out += '/' + percent_encode(database);
  char sep = '?';
  for (auto& p : libpq_params) {
    if (p.keyword == "port" && paired && port == 0)
      continue;
    out +=
        sep + p.keyword + '=' +
        (detail::is_secret_keyword(p.keyword) ? "***"
                                              : percent_encode(p.value, ",/:"));
    sep = '&';
  }
  return out;
}

std::string engine_config::libpq_conninfo() const {
  std::string out;
  auto add = [&](const std::string& key, const std::string& val) {
    if (val.empty())
      return;
    if (!out.empty())
      out += ' ';
    out += key;
    out += '=';
    out += detail::quote_conninfo(val);
  };
  add("host", host);
  if (port != 0)
    add("port", std::to_string(port));
  add("dbname", database);
  add("user", user);
  add("password", password);
  bool timeout_given = false;
  for (auto& p : libpq_params) {
    add(p.keyword, p.value);
    timeout_given |= p.keyword == "connect_timeout";
  }
  // Without it libpq may wait forever for an unreachable server.
  if (!timeout_given) {
    auto secs = (pool_timeout.count() + 999) / 1000;
    add("connect_timeout", std::to_string(secs < 2 ? 2 : secs));
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
