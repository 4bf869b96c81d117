// Many rows in one statement: the VALUES list group commit's sets and the
// bulk insert's rows share, and how many rows one statement may carry.
#pragma once

#include "sasync/storage/fwd.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace sasync {

/// "head (?, ?), (?, ?) tail" for `rows` rows of `width` placeholders.
std::string values_list(std::string_view head, std::size_t rows,
                        std::size_t width, std::string_view tail);

/// The most rows of `width` bound values one statement may carry: SQLite's
/// limit on parameters (32,766 since 3.32, 999 before), PostgreSQL's
/// 65,535. At least 1.
std::size_t max_rows_per_statement(dialect_kind dialect, std::size_t width);

} // namespace sasync
