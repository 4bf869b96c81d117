// A small SQL lexer (space, comments, quotes, parentheses, words) and the
// keyword tables that classify a statement.
#include "sasync/storage/statement_kind.hpp"

#include "sasync/storage/engine_config.hpp"

#include <algorithm>
#include <cstddef>
#include <initializer_list>

namespace sasync {

namespace {

enum class rules { sqlite, postgresql };

struct token {
  enum type_t { end, word, quoted, open, close, semicolon, other } type = end;
  std::string_view text;
};

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

bool is_word_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool is_word_char(char c) noexcept {
  return is_word_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/// Reads `sql` a token at a time under one backend's rules, skipping space
/// and comments and keeping count of open parentheses.
class lexer {
public:
  lexer(std::string_view sql, rules r) : sql_(sql), rules_(r) {}

  token next() {
    skip_space_and_comments();
    if (pos_ >= sql_.size())
      return {token::end, {}};
    auto start = pos_;
    auto c = sql_[pos_];
    if (is_word_start(c)) {
      while (pos_ < sql_.size() && is_word_char(sql_[pos_]))
        ++pos_;
      return {token::word, sql_.substr(start, pos_ - start)};
    }
    if (c == '"' || (rules_ == rules::sqlite && (c == '`' || c == '['))) {
      auto close = c == '[' ? ']' : c;
      pos_ = skip_quoted(pos_, close, false);
      auto inner = sql_.substr(start + 1, pos_ - start - 1);
      if (!inner.empty() && inner.back() == close)
        inner.remove_suffix(1);
      return {token::quoted, inner};
    }
    if (c == '\'') {
      pos_ = skip_quoted(pos_, '\'', escapes_backslash(start));
      return {token::other, {}};
    }
    if (c == '$' && rules_ == rules::postgresql && !after_word(start)) {
      auto tag = dollar_tag(start);
      if (!tag.empty()) {
        auto close = sql_.find(tag, start + tag.size());
        pos_ = close == std::string_view::npos ? sql_.size()
                                               : close + tag.size();
        return {token::other, {}};
      }
    }
    ++pos_;
    switch (c) {
    case '(':
      ++depth_;
      return {token::open, {}};
    case ')':
      --depth_;
      return {token::close, {}};
    case ';':
      return {token::semicolon, {}};
    default:
      // Numbers and parameters (`1e5`, `$1`, `:name`) in one piece; after
      // an operator such as `.`, a word follows.
      if ((c >= '0' && c <= '9') || c == '$' || c == ':' || c == '@' ||
          c == '?')
        while (pos_ < sql_.size() && is_word_char(sql_[pos_]))
          ++pos_;
      return {token::other, {}};
    }
  }

  int depth() const noexcept { return depth_; }

private:
  bool starts_with(std::size_t pos, std::string_view what) const {
    return sql_.substr(pos, what.size()) == what;
  }

  bool after_word(std::size_t pos) const {
    return pos > 0 && is_word_char(sql_[pos - 1]);
  }

  /// PostgreSQL's escape strings (E'...') end only at an unescaped quote.
  bool escapes_backslash(std::size_t quote) const {
    return rules_ == rules::postgresql && quote > 0 &&
           (sql_[quote - 1] == 'E' || sql_[quote - 1] == 'e') &&
           !after_word(quote - 1);
  }

  /// The index after the run quoted from `pos`; a doubled quote stays
  /// inside; the end of `sql` if it never closes.
  std::size_t skip_quoted(std::size_t pos, char close, bool backslash) const {
    for (auto i = pos + 1; i < sql_.size(); ++i) {
      if (backslash && sql_[i] == '\\')
        ++i;
      else if (sql_[i] == close) {
        if (close != ']' && i + 1 < sql_.size() && sql_[i + 1] == close)
          ++i;
        else
          return i + 1;
      }
    }
    return sql_.size();
  }

  /// `$$` or `$tag$` at `pos`, or empty (then it is a parameter like `$1`).
  std::string_view dollar_tag(std::size_t pos) const {
    auto i = pos + 1;
    if (i < sql_.size() && sql_[i] != '$') {
      if (!is_word_start(sql_[i]))
        return {};
      while (i < sql_.size() && sql_[i] != '$' && is_word_char(sql_[i]))
        ++i;
    }
    if (i >= sql_.size() || sql_[i] != '$')
      return {};
    return sql_.substr(pos, i + 1 - pos);
  }

  void skip_space_and_comments() {
    while (pos_ < sql_.size()) {
      if (is_space(sql_[pos_])) {
        ++pos_;
      } else if (starts_with(pos_, "--")) {
        auto newline = sql_.find('\n', pos_);
        pos_ = newline == std::string_view::npos ? sql_.size() : newline + 1;
      } else if (starts_with(pos_, "/*")) {
        skip_block_comment();
      } else {
        return;
      }
    }
  }

  /// PostgreSQL's block comments nest; SQLite's end at the first `*/`.
  /// Unclosed, they run to the end on both.
  void skip_block_comment() {
    int open = 0;
    while (pos_ < sql_.size()) {
      if (starts_with(pos_, "/*")) {
        ++open;
        pos_ += 2;
      } else if (starts_with(pos_, "*/")) {
        pos_ += 2;
        if (--open == 0 || rules_ == rules::sqlite)
          return;
      } else {
        ++pos_;
      }
    }
  }

  std::string_view sql_;
  rules rules_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

std::string upper(std::string_view word) {
  std::string out{word};
  for (auto& c : out)
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string lower(std::string_view word) {
  std::string out{word};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool one_of(const std::string& word, std::initializer_list<const char*> set) {
  return std::any_of(set.begin(), set.end(),
                     [&](const char* x) { return word == x; });
}

constexpr const char* ends_transaction =
    "it would end or change the transaction sasync runs each statement in, "
    "which other clients' work shares";
constexpr const char* changes_connection =
    "it changes the state of a connection that other clients' work shares";
constexpr const char* reaches_files =
    "it attaches, detaches or writes database files as the database's user";

/// Keywords that lead a statement beginning, ending or nesting a
/// transaction (PREPARE only as PREPARE TRANSACTION).
bool controls_transaction(const std::string& keyword) {
  return one_of(keyword, {"BEGIN", "START", "COMMIT", "END", "ROLLBACK",
                          "ABORT", "SAVEPOINT", "RELEASE"});
}

/// Why sasync refuses a statement led by `keyword`, or nullptr.
const char* session_reason(const std::string& keyword) {
  if (controls_transaction(keyword) || keyword == "PREPARE")
    return ends_transaction;
  if (one_of(keyword, {"ATTACH", "DETACH", "VACUUM"}))
    return reaches_files;
  if (keyword == "COPY")
    return "it reads or writes files, or the connection's data stream";
  if (keyword == "LOAD")
    return "it loads a library into a connection that other clients' work "
           "shares";
  if (keyword == "DO")
    return "it runs procedural code that sasync cannot check";
  if (one_of(keyword, {"PRAGMA", "SET", "RESET", "DISCARD", "DEALLOCATE",
                       "LISTEN", "UNLISTEN", "LOCK", "DECLARE", "FETCH", "MOVE",
                       "CLOSE", "EXECUTE"}))
    return changes_connection;
  return nullptr;
}

bool is_schema(const std::string& keyword) {
  return one_of(keyword, {"CREATE", "DROP", "ALTER", "TRUNCATE", "COMMENT",
                          "GRANT", "REVOKE", "REINDEX", "CLUSTER", "REFRESH",
                          "IMPORT", "SECURITY", "REASSIGN"});
}

/// Functions whose effect outlives the statement's transaction or reaches
/// beyond its connection; why each is refused, or nullptr.
const char* function_reason(const std::string& name) {
  if (one_of(name, {"set_config", "pg_advisory_lock", "pg_advisory_lock_shared",
                    "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
                    "pg_advisory_unlock", "pg_advisory_unlock_shared",
                    "pg_advisory_unlock_all"}))
    return changes_connection;
  if (one_of(name, {"pg_terminate_backend", "pg_cancel_backend"}))
    return "it ends or cancels the work of other connections";
  if (one_of(name, {"lo_import", "lo_export", "pg_reload_conf",
                    "dblink_connect", "dblink_connect_u", "load_extension"}))
    return "it reaches files, libraries or connections outside the database";
  return nullptr;
}

/// The statement's keyword after EXPLAIN and its options, or its first
/// word; leaves `lx` after it.
token leading_word(lexer& lx) {
  auto t = lx.next();
  while (t.type == token::semicolon || t.type == token::open)
    t = lx.next();
  if (t.type != token::word || upper(t.text) != "EXPLAIN")
    return t;
  auto base = lx.depth();
  for (t = lx.next(); t.type != token::end; t = lx.next()) {
    if (t.type == token::open) {
      while (t.type != token::end && lx.depth() > base)
        t = lx.next();
    } else if (t.type != token::word ||
               !one_of(upper(t.text),
                       {"ANALYZE", "ANALYSE", "VERBOSE", "QUERY", "PLAN"})) {
      return t;
    }
  }
  return t;
}

statement_class classify(std::string_view sql, rules r) {
  lexer lx{sql, r};
  statement_class out;
  auto first = leading_word(lx);
  auto base = lx.depth();
  if (first.type == token::word) {
    auto keyword = upper(first.text);
    if (auto why = session_reason(keyword))
      return {statement_kind::session, keyword, why};
    if (is_schema(keyword))
      out = {statement_kind::schema, keyword, {}};
    else if (keyword == "SELECT" || keyword == "WITH")
      out.keyword = keyword;
  }
  // The rest: functions anywhere, and PostgreSQL's SELECT ... INTO, which
  // creates a table.
  auto main = out.keyword;
  for (auto t = lx.next(); t.type != token::end; t = lx.next()) {
    if (t.type != token::word && t.type != token::quoted)
      continue;
    auto name = t.type == token::word ? lower(t.text) : std::string{t.text};
    if (auto why = function_reason(name))
      return {statement_kind::session, name, why};
    if (t.type != token::word || lx.depth() != base)
      continue;
    auto word = upper(t.text);
    if (main == "WITH" &&
        one_of(word, {"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE",
                      "VALUES", "TABLE", "REPLACE"}))
      main = word;
    else if (main == "SELECT" && word == "INTO" &&
             out.kind == statement_kind::data)
      out = {statement_kind::schema, "SELECT INTO", {}};
  }
  return out;
}

bool writes_data(const std::string& word) {
  return one_of(word, {"INSERT", "UPDATE", "DELETE", "MERGE"});
}

/// only_reads under one backend's rules.
bool reads_only(std::string_view sql, rules r) {
  lexer lx{sql, r};
  auto t = lx.next();
  while (t.type == token::semicolon || t.type == token::open)
    t = lx.next();
  if (t.type != token::word)
    return false;
  auto first = upper(t.text);
  if (!one_of(first, {"SELECT", "VALUES", "WITH"}))
    return false;
  auto base = lx.depth();
  // WITH's main statement is its first statement word at its own depth.
  auto main = first == "WITH" ? std::string{} : first;
  auto after_open = false;
  for (t = lx.next(); t.type != token::end; t = lx.next()) {
    if (t.type == token::semicolon) {
      // Only space and comments may follow: a second statement is no read.
      for (t = lx.next(); t.type == token::semicolon; t = lx.next())
        ;
      if (t.type != token::end)
        return false;
      break;
    }
    if (t.type == token::word) {
      auto word = upper(t.text);
      // A statement in parentheses: a part of a WITH (or a subquery).
      if (after_open && writes_data(word))
        return false;
      if (lx.depth() == base) {
        if (main.empty() &&
            (writes_data(word) ||
             one_of(word, {"SELECT", "VALUES", "TABLE", "REPLACE"})))
          main = word;
        else if (main == "SELECT" && word == "INTO")
          return false;
      }
    }
    after_open = t.type == token::open;
  }
  return main == "SELECT" || main == "VALUES";
}

/// A word that opens a statement inside a body: after SQLite's trigger
/// BEGIN, or PostgreSQL's BEGIN ATOMIC.
bool opens_body(const token& t) {
  return t.type == token::word &&
         one_of(upper(t.text), {"ATOMIC", "INSERT", "UPDATE", "DELETE",
                                "SELECT", "WITH", "REPLACE", "VALUES"});
}

/// transaction_control_keyword under one backend's rules: every statement
/// of the script, split at `;` but for those inside a body (which the END
/// that leads a statement closes).
std::string transaction_control(std::string_view sql, rules r) {
  lexer lx{sql, r};
  auto in_body = false;
  for (;;) {
    auto first = leading_word(lx);
    if (first.type == token::end)
      return {};
    auto t = first;
    if (first.type == token::word) {
      auto keyword = upper(first.text);
      if (in_body && keyword == "END")
        in_body = false;
      else if (controls_transaction(keyword))
        return keyword;
      t = lx.next();
      if (keyword == "PREPARE" && t.type == token::word &&
          upper(t.text) == "TRANSACTION")
        return "PREPARE TRANSACTION";
    } else {
      t = lx.next();
    }
    // The rest of the statement, up to its `;`. A word BEGIN followed by a
    // statement opens a body: a column named "begin" opens none.
    for (; t.type != token::end && t.type != token::semicolon; t = lx.next()) {
      if (t.type != token::word || upper(t.text) != "BEGIN")
        continue;
      t = lx.next();
      if (opens_body(t))
        in_body = true;
      if (t.type == token::end || t.type == token::semicolon)
        break;
    }
    if (t.type == token::end)
      return {};
  }
}

} // namespace

std::string transaction_control_keyword(std::string_view sql,
                                        dialect_kind dialect) {
  return transaction_control(
      sql, dialect == dialect_kind::sqlite ? rules::sqlite : rules::postgresql);
}

bool only_reads(std::string_view sql) {
  return reads_only(sql, rules::sqlite) && reads_only(sql, rules::postgresql);
}

statement_class classify_statement(std::string_view sql) {
  auto a = classify(sql, rules::sqlite);
  auto b = classify(sql, rules::postgresql);
  return static_cast<int>(b.kind) > static_cast<int>(a.kind) ? b : a;
}

} // namespace sasync
