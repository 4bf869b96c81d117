// What a statement does, by its leading keywords: sasync's `sql` refuses
// statements that would break a connection other clients share, and a node
// may refuse DDL from its peers.
#pragma once

#include "sasync/storage/fwd.hpp"

#include <string>
#include <string_view>

namespace sasync {

enum class statement_kind : unsigned char {
  /// Queries and data changes, and anything else the database judges itself.
  data,
  /// DDL: CREATE, DROP, ALTER, TRUNCATE, GRANT, ...; PostgreSQL's
  /// `SELECT ... INTO new_table`.
  schema,
  /// Ends or changes the transaction sasync runs each statement in
  /// (COMMIT, SAVEPOINT, ...), changes a connection's state (PRAGMA, SET,
  /// DISCARD, set_config(), ...) or reaches files (ATTACH, VACUUM, COPY).
  session,
};

struct statement_class {
  statement_kind kind = statement_kind::data;
  /// What decided it, upper case for keywords: "COMMIT", "DROP",
  /// "SELECT INTO", or a function's name such as "set_config".
  std::string keyword;
  /// For session statements: why a shared connection cannot take it.
  std::string why;
};

/// Classifies `sql` by its leading keywords, after space, comments, `;` and
/// `(`, and by the functions it names. It is read under SQLite's rules and
/// PostgreSQL's (whose block comments nest) and the stricter answer wins, so
/// no comment hides a keyword from either backend.
statement_class classify_statement(std::string_view sql);

/// Whether `sql` only reads rows, so that it may run on a read-only
/// connection or stream through a cursor: one SELECT (but SELECT ... INTO),
/// VALUES, or WITH whose main statement is a SELECT or VALUES and none of
/// whose parts is an INSERT, UPDATE, DELETE or MERGE (PostgreSQL's
/// data-modifying WITH). EXPLAIN is not taken for a read (EXPLAIN ANALYZE
/// runs its statement). Read under both backends' rules; both must agree.
/// Functions a query calls are not looked into.
bool only_reads(std::string_view sql);

/// The leading keyword of the first statement in `sql` (a script: of any of
/// its statements) that begins, ends or nests a transaction: "BEGIN",
/// "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE" or
/// "PREPARE TRANSACTION"; empty if none does. Read under `dialect`'s rules,
/// after space, comments, `;` and `(`. Statements inside a trigger's or
/// function's BEGIN ... END body count too, but for the END that closes it.
std::string transaction_control_keyword(std::string_view sql,
                                        dialect_kind dialect);

} // namespace sasync
