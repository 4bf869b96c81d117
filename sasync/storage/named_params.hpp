// Named parameters: a statement with `:name` placeholders and a map of
// values, turned into the portable `?` form every backend runs.
#pragma once

#include "sasync/storage/value.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sasync {

/// Values by parameter name (without the ':').
using named_values = std::map<std::string, value>;

/// A statement whose `:name` placeholders became `?`.
struct named_statement {
  /// The statement with one `?` for each `:name`.
  std::string sql;
  /// The name of each `?`, in order; a name used twice appears twice.
  std::vector<std::string> names;
};

/// The statement and its values in the positional form.
struct positional_statement {
  std::string sql;
  std::vector<value> params;
};

/// Finds the `:name` placeholders of `sql` (names are [A-Za-z_][A-Za-z0-9_]*)
/// outside '...' strings, "..." identifiers, comments and dollar-quoted
/// strings. `::` (a PostgreSQL cast) and a ':' right after a letter, digit
/// or '_' (an array slice such as `a[1:n]`) are no placeholders. Throws
/// storage_failure(invalid_argument) when `sql` also has `?` placeholders.
named_statement parse_named(std::string_view sql);

/// The values for `stmt.names`, in order. Throws
/// storage_failure(invalid_argument) naming a parameter without a value or
/// a value the statement does not use.
std::vector<value> bind_named(const named_statement& stmt,
                              const named_values& values);

/// parse_named() and bind_named() at once.
positional_statement to_positional(std::string_view sql,
                                   const named_values& values);

} // namespace sasync
