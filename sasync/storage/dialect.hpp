// DDL and small SQL differences between SQLite and PostgreSQL.
#pragma once

#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/table_def.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sasync {

/// Checks names, types and key rules of `def`; throws
/// storage_failure(invalid_argument) naming the first problem.
void validate(const table_def& def);

/// The statements that create `def` and its indexes if they are missing:
/// `CREATE TABLE IF NOT EXISTS` followed by one `CREATE [UNIQUE] INDEX IF NOT
/// EXISTS` per index. Running them again changes nothing. Validates first.
std::vector<std::string> create_statements(dialect_kind dialect,
                                           const table_def& def);

/// Throws storage_failure(invalid_argument) unless `name` is a portable
/// identifier (a letter or '_', then letters, digits and '_'; at most 63
/// bytes); `what` names it in the message, e.g. "column".
void validate_identifier(std::string_view what, std::string_view name);

/// `name` quoted as an SQL identifier ("..." with inner quotes doubled).
std::string quote_identifier(std::string_view name);

/// Rewrites the portable `?` placeholders of `sql` (outside quotes and
/// comments) into the dialect's own: unchanged for SQLite, `$1, $2, ...` for
/// PostgreSQL. Counts them in `*count` if given.
std::string native_placeholders(dialect_kind dialect, std::string_view sql,
                                std::size_t* count = nullptr);

/// The index after the token of `sql` at `pos` that may hide a placeholder
/// (a '...' string, "..." identifier, -- or /* */ comment, or PostgreSQL
/// dollar-quoted string), as native_placeholders() skips it; `pos + 1` for
/// anything else.
std::size_t skip_sql_token(std::string_view sql, std::size_t pos);

} // namespace sasync
