// libpq's own reading of PostgreSQL connection strings and URIs, so that
// sasync accepts exactly what libpq accepts (and never shows a password).
#pragma once

#include "sasync/storage/engine_config.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sasync::detail {

/// The keywords of a libpq keyword/value string (`host=h dbname='my db'`),
/// split by libpq's rules (quotes, backslash escapes, blanks around '=');
/// nullopt when libpq would refuse its syntax.
std::optional<std::vector<libpq_param>> split_conninfo(std::string_view text);

/// Every keyword libpq reads from `text` (a URI or a keyword/value string)
/// that has a value, in libpq's order. Throws storage_failure
/// (invalid_argument) with libpq's reason on one line, in which the
/// password parts of `text` are masked (libpq quotes what it cannot read).
std::vector<libpq_param> libpq_parse(const std::string& text);

/// True for keywords whose values libpq itself never shows (`password`,
/// `sslpassword`).
bool is_secret_keyword(std::string_view keyword);

/// A conninfo value: single-quoted, with \ and ' escaped.
std::string quote_conninfo(std::string_view value);

} // namespace sasync::detail
