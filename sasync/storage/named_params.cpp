// Named parameters: a scan for `:name` that skips what may hide one
// (strings, quoted identifiers, comments, dollar quotes) the way the
// PostgreSQL placeholder rewriting skips it.
#include "sasync/storage/named_params.hpp"

#include "sasync/storage/dialect.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <set>

namespace sasync {

namespace {

bool is_name_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) noexcept {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

/// A name as an error message shows it: a peer's key may be of any size.
std::string shown(std::string_view name) {
  constexpr std::size_t most = 64;
  if (name.size() <= most)
    return std::string{name};
  return std::string{name.substr(0, most)} + "...";
}

} // namespace

named_statement parse_named(std::string_view sql) {
  named_statement out;
  out.sql.reserve(sql.size());
  bool positional = false;
  std::size_t pos = 0;
  while (pos < sql.size()) {
    auto c = sql[pos];
    if (c == ':') {
      if (pos + 1 < sql.size() && sql[pos + 1] == ':') { // a cast
        out.sql += "::";
        pos += 2;
        continue;
      }
      auto after_word = pos > 0 && is_name_char(sql[pos - 1]);
      if (!after_word && pos + 1 < sql.size() && is_name_start(sql[pos + 1])) {
        auto end = pos + 1;
        while (end < sql.size() && is_name_char(sql[end]))
          ++end;
        out.names.emplace_back(sql.substr(pos + 1, end - pos - 1));
        out.sql += '?';
        pos = end;
        continue;
      }
      out.sql += c;
      ++pos;
      continue;
    }
    if (c == '?')
      positional = true;
    auto next = skip_sql_token(sql, pos);
    out.sql.append(sql.substr(pos, next - pos));
    pos = next;
  }
  if (positional)
    throw_invalid(out.names.empty()
                      ? "the statement has ? placeholders; named parameters "
                        "are written :name"
                      : "the statement mixes ? and :name placeholders (:" +
                            out.names.front() + ")");
  return out;
}

std::vector<value> bind_named(const named_statement& stmt,
                              const named_values& values) {
  std::vector<value> params;
  params.reserve(stmt.names.size());
  for (auto& name : stmt.names) {
    auto i = values.find(name);
    if (i == values.end())
      throw_invalid("no value for the parameter :" + name);
    params.push_back(i->second);
  }
  if (values.size() > 0) {
    std::set<std::string_view> used{stmt.names.begin(), stmt.names.end()};
    for (auto& entry : values)
      if (used.count(entry.first) == 0)
        throw_invalid("the statement has no parameter :" + shown(entry.first));
  }
  return params;
}

positional_statement to_positional(std::string_view sql,
                                   const named_values& values) {
  auto stmt = parse_named(sql);
  auto params = bind_named(stmt, values);
  return {std::move(stmt.sql), std::move(params)};
}

} // namespace sasync
