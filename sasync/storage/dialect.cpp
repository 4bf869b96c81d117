// Table validation, DDL generation and placeholder rewriting for SQLite and
// PostgreSQL.
#include "sasync/storage/dialect.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sasync {

namespace {

// PostgreSQL silently truncates longer identifiers, which could make two
// distinct names collide; SQLite has no limit, so PostgreSQL's is the portable
// one.
constexpr std::size_t max_name_length = 63;

// -- names --------------------------------------------------------------------

bool is_name_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) noexcept {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// ASCII-only on purpose: valid names are ASCII, and a locale must not change
// which names count as duplicates.
std::string fold_case(std::string_view name) {
  std::string out{name};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool starts_with_folded(std::string_view name, std::string_view prefix) {
  return name.size() >= prefix.size() &&
         fold_case(name.substr(0, prefix.size())) == prefix;
}

/// Why `name` cannot be an object name of the schema, or nullptr. Covers
/// length and SQLite's reserved prefix (SQLite refuses to create tables or
/// indexes named `sqlite_...`, in any case).
const char* schema_name_problem(std::string_view name) {
  if (name.size() > max_name_length)
    return "is longer than 63 bytes";
  if (starts_with_folded(name, "sqlite_"))
    return "starts with 'sqlite_', which SQLite reserves";
  return nullptr;
}

/// Why `name` is not a portable identifier, or nullptr.
const char* name_problem(std::string_view name) {
  if (name.empty())
    return "is empty";
  if (name.size() > max_name_length)
    return "is longer than 63 bytes";
  if (!is_name_start(name.front()))
    return "must start with a letter or '_'";
  for (auto c : name)
    if (!is_name_char(c))
      return "may only contain letters, digits and '_'";
  return nullptr;
}

/// PostgreSQL refuses user columns that shadow its system columns.
bool is_system_column(std::string_view name) {
  auto folded = fold_case(name);
  for (auto reserved : {"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"})
    if (folded == reserved)
      return true;
  return false;
}

/// Both databases keep index names in one namespace per schema, so an index
/// gets its table's name as prefix: `users` + `by_mail` is `users_by_mail`.
std::string index_name(const table_def& def, const index_def& idx) {
  return def.name + '_' + idx.name;
}

// -- validation ---------------------------------------------------------------

[[noreturn]] void fail(const table_def& def, const std::string& what) {
  throw_invalid("table '" + def.name + "': " + what);
}

bool is_known(column_type type) noexcept {
  switch (type) {
  case column_type::integer:
  case column_type::real:
  case column_type::text:
  case column_type::blob:
  case column_type::boolean:
    return true;
  }
  return false;
}

const column_def* find_column(const table_def& def, std::string_view name) {
  // Exact match: the DDL quotes names, so on PostgreSQL "Mail" is not "mail".
  for (auto& col : def.columns)
    if (col.name == name)
      return &col;
  return nullptr;
}

void check_table_name(const table_def& def) {
  auto why = name_problem(def.name);
  if (why == nullptr)
    why = schema_name_problem(def.name);
  if (why != nullptr)
    throw_invalid("table name '" + def.name + "' " + why);
}

void check_columns(const table_def& def) {
  if (def.columns.empty())
    fail(def, "has no columns");
  for (auto i = def.columns.begin(); i != def.columns.end(); ++i) {
    if (auto why = name_problem(i->name))
      fail(def, "column name '" + i->name + "' " + why);
    if (is_system_column(i->name))
      fail(def, "column name '" + i->name +
                    "' is reserved by PostgreSQL for a system column");
    if (!is_known(i->type))
      fail(def, "column '" + i->name + "' has an unknown type");
    auto folded = fold_case(i->name);
    for (auto j = def.columns.begin(); j != i; ++j)
      if (fold_case(j->name) == folded)
        fail(def, "duplicate column '" + i->name + "' (same as '" + j->name +
                      "' ignoring case)");
  }
}

void check_primary_key(const table_def& def) {
  std::size_t keys = 0;
  for (auto& col : def.columns)
    if (col.primary_key)
      ++keys;
  for (auto& col : def.columns) {
    if (!col.autoincrement)
      continue;
    if (!col.primary_key)
      fail(def, "autoincrement column '" + col.name +
                    "' is not a primary-key column");
    if (col.type != column_type::integer)
      fail(def, "autoincrement column '" + col.name + "' is not an integer");
    if (keys != 1)
      fail(def, "autoincrement column '" + col.name +
                    "' is not the only primary-key column");
  }
}

void check_indexes(const table_def& def) {
  for (auto i = def.indexes.begin(); i != def.indexes.end(); ++i) {
    if (auto why = name_problem(i->name))
      fail(def, "index name '" + i->name + "' " + why);
    auto full = index_name(def, *i);
    if (auto why = schema_name_problem(full))
      fail(def, "index '" + i->name + "' gets the name '" + full + "', which " +
                    why);
    // SQLite compares identifiers ignoring case even when quoted.
    auto folded = fold_case(i->name);
    for (auto j = def.indexes.begin(); j != i; ++j)
      if (fold_case(j->name) == folded)
        fail(def, "duplicate index '" + i->name + "'");
    if (i->columns.empty())
      fail(def, "index '" + i->name + "' has no columns");
    for (auto c = i->columns.begin(); c != i->columns.end(); ++c) {
      if (find_column(def, *c) == nullptr)
        fail(def, "index '" + i->name + "' names unknown column '" + *c + "'");
      for (auto d = i->columns.begin(); d != c; ++d)
        if (*d == *c)
          fail(def, "index '" + i->name + "' names column '" + *c + "' twice");
    }
  }
}

// -- DDL ----------------------------------------------------------------------

const char* type_name(dialect_kind dialect, column_type type) {
  auto sqlite = dialect == dialect_kind::sqlite;
  switch (type) {
  case column_type::integer:
    return sqlite ? "INTEGER" : "BIGINT";
  case column_type::real:
    return sqlite ? "REAL" : "DOUBLE PRECISION";
  case column_type::text:
    return "TEXT";
  case column_type::blob:
    return sqlite ? "BLOB" : "BYTEA";
  // SQLite has no boolean type; 0 and 1 are its booleans.
  case column_type::boolean:
    return sqlite ? "INTEGER" : "BOOLEAN";
  }
  throw_invalid("unknown column type"); // validate() rules this out
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (auto& part : parts) {
    if (!out.empty())
      out += ", ";
    out += part;
  }
  return out;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  quoted.reserve(names.size());
  for (auto& name : names)
    quoted.push_back(quote_identifier(name));
  return "(" + join(quoted) + ")";
}

std::string column_ddl(dialect_kind dialect, const column_def& col) {
  auto out = quote_identifier(col.name) + ' ' + type_name(dialect, col.type);
  // An autoincrement key is the whole primary key, so it carries the
  // constraint itself; both forms refuse NULL on their own.
  if (col.autoincrement)
    return out + (dialect == dialect_kind::sqlite
                      ? " PRIMARY KEY AUTOINCREMENT"
                      : " GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  // Spelled out for key columns too: SQLite (for backwards compatibility)
  // accepts NULL in most PRIMARY KEY columns.
  if (col.primary_key || !col.nullable)
    out += " NOT NULL";
  return out;
}

std::string create_table(dialect_kind dialect, const table_def& def) {
  std::vector<std::string> parts;
  std::vector<std::string> keys;
  for (auto& col : def.columns) {
    parts.push_back(column_ddl(dialect, col));
    if (col.primary_key && !col.autoincrement)
      keys.push_back(col.name);
  }
  if (!keys.empty())
    parts.push_back("PRIMARY KEY " + quoted_list(keys));
  return "CREATE TABLE IF NOT EXISTS " + quote_identifier(def.name) + " (" +
         join(parts) + ")";
}

std::string create_index(const table_def& def, const index_def& idx) {
  return std::string{idx.unique ? "CREATE UNIQUE INDEX" : "CREATE INDEX"} +
         " IF NOT EXISTS " + quote_identifier(index_name(def, idx)) + " ON " +
         quote_identifier(def.name) + " " + quoted_list(idx.columns);
}

// -- placeholders -------------------------------------------------------------

bool starts_at(std::string_view sql, std::size_t pos, std::string_view what) {
  return sql.substr(pos, what.size()) == what;
}

/// PostgreSQL identifiers and keywords may contain '$' and non-ASCII bytes.
bool is_pg_word_char(char c) noexcept {
  return is_name_char(c) || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

/// The index after the run quoted by `sql[pos]` (a doubled quote stays
/// inside); the end of `sql` if it never closes.
std::size_t skip_quoted(std::string_view sql, std::size_t pos,
                        bool backslash_escapes) {
  auto quote = sql[pos];
  for (auto i = pos + 1; i < sql.size(); ++i) {
    if (backslash_escapes && sql[i] == '\\') {
      ++i;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote)
        ++i;
      else
        return i + 1;
    }
  }
  return sql.size();
}

/// True if the `'` at `pos` opens an escape string (`E'...'`), where `\'`
/// does not end the string.
bool opens_escape_string(std::string_view sql, std::size_t pos) {
  return pos > 0 && (sql[pos - 1] == 'E' || sql[pos - 1] == 'e') &&
         (pos == 1 || !is_pg_word_char(sql[pos - 2]));
}

std::size_t skip_line_comment(std::string_view sql, std::size_t pos) {
  auto newline = sql.find('\n', pos);
  return newline == std::string_view::npos ? sql.size() : newline + 1;
}

/// PostgreSQL block comments nest, unlike C's.
std::size_t skip_block_comment(std::string_view sql, std::size_t pos) {
  std::size_t depth = 0;
  auto i = pos;
  while (i < sql.size()) {
    if (starts_at(sql, i, "/*")) {
      ++depth;
      i += 2;
    } else if (starts_at(sql, i, "*/")) {
      i += 2;
      if (--depth == 0)
        return i;
    } else {
      ++i;
    }
  }
  return sql.size();
}

/// The delimiter (`$$` or `$tag$`) of a dollar-quoted string opening at `pos`,
/// or empty. A tag cannot start with a digit, which keeps `$1` a parameter.
std::string_view dollar_tag(std::string_view sql, std::size_t pos) {
  auto i = pos + 1;
  if (i < sql.size() && sql[i] != '$') {
    auto c = sql[i];
    if (!is_name_start(c) && static_cast<unsigned char>(c) < 0x80)
      return {};
    while (i < sql.size() && sql[i] != '$' && is_pg_word_char(sql[i]))
      ++i;
  }
  if (i >= sql.size() || sql[i] != '$')
    return {};
  return sql.substr(pos, i + 1 - pos);
}

std::size_t skip_dollar_quoted(std::string_view sql, std::size_t pos,
                               std::string_view tag) {
  auto close = sql.find(tag, pos + tag.size());
  return close == std::string_view::npos ? sql.size() : close + tag.size();
}

/// The index after the token at `pos` that may hide a `?`: a string, quoted
/// identifier, comment or dollar-quoted string; `pos + 1` for anything else.
std::size_t skip_token(std::string_view sql, std::size_t pos) {
  auto c = sql[pos];
  if (c == '\'')
    return skip_quoted(sql, pos, opens_escape_string(sql, pos));
  if (c == '"')
    return skip_quoted(sql, pos, false);
  if (starts_at(sql, pos, "--"))
    return skip_line_comment(sql, pos);
  if (starts_at(sql, pos, "/*"))
    return skip_block_comment(sql, pos);
  // After a word character, '$' continues an identifier such as `a$b$`.
  if (c == '$' && (pos == 0 || !is_pg_word_char(sql[pos - 1])))
    if (auto tag = dollar_tag(sql, pos); !tag.empty())
      return skip_dollar_quoted(sql, pos, tag);
  return pos + 1;
}

} // namespace

void validate_identifier(std::string_view what, std::string_view name) {
  if (auto why = name_problem(name))
    throw_invalid(std::string{what} + " name '" + std::string{name} + "' " +
                  why);
}

void validate(const table_def& def) {
  check_table_name(def);
  check_columns(def);
  check_primary_key(def);
  check_indexes(def);
}

std::vector<std::string> create_statements(dialect_kind dialect,
                                           const table_def& def) {
  // IF NOT EXISTS makes the statements safe to run on every start; it needs
  // PostgreSQL 9.5 for indexes, and identity columns need PostgreSQL 10.
  validate(def);
  std::vector<std::string> result;
  result.reserve(1 + def.indexes.size());
  result.push_back(create_table(dialect, def));
  for (auto& idx : def.indexes)
    result.push_back(create_index(def, idx));
  return result;
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (auto c : name) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string native_placeholders(dialect_kind dialect, std::string_view sql,
                                std::size_t* count) {
  if (dialect == dialect_kind::sqlite)
    return std::string{sql};
  // A `?` outside quotes and comments is always ours: PostgreSQL's jsonb
  // operators `?`, `?|` and `?&` cannot be written with portable placeholders
  // (use jsonb_exists() and friends instead).
  std::string out;
  out.reserve(sql.size() + 8);
  std::size_t n = 0;
  std::size_t pos = 0;
  while (pos < sql.size()) {
    if (sql[pos] == '?') {
      out += '$';
      out += std::to_string(++n);
      ++pos;
    } else {
      auto next = skip_token(sql, pos);
      out.append(sql.substr(pos, next - pos));
      pos = next;
    }
  }
  if (count)
    *count = n;
  return out;
}

std::size_t skip_sql_token(std::string_view sql, std::size_t pos) {
  return skip_token(sql, pos);
}

} // namespace sasync
