// Text every backend stores exactly: what PostgreSQL cuts or refuses is
// refused on SQLite too, so a database can move between backends.
#pragma once

#include "sasync/storage/fwd.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sasync {

/// Why `text` cannot be stored exactly as TEXT on every backend (it holds a
/// NUL byte, which PostgreSQL cuts text at, or is not UTF-8, which
/// PostgreSQL refuses), or an empty string. Names the first bad byte's
/// offset.
std::string text_problem(std::string_view text);

/// Throws storage_failure(invalid_argument) "WHAT ...: why" unless `text`
/// is stored exactly on every backend.
void check_portable_text(std::string_view what, std::string_view text);

/// Checks a statement and its text parameters the same way (blobs carry
/// any bytes).
void check_portable_statement(std::string_view sql,
                              const std::vector<value>& params);

} // namespace sasync
