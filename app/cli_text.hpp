// How the sasync CLI writes values and reads them back: TSV fields with
// backslash escapes, and stored values shown by type.
#pragma once

#include "sasync/storage/stored_value.hpp"
#include "sasync/storage/value.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sasync::cli {

/// `\`, tab, newline and carriage return as `\\`, `\t`, `\n`, `\r`, and
/// the other control bytes (NUL, 0x01-0x1f, 0x7f) as `\xHH`.
std::string escape(std::string_view text);

/// The inverse of escape(); none for a dangling or unknown escape.
std::optional<std::string> unescape(std::string_view text);

/// One TSV field: NULL as `\N`, text escaped, blobs as `\x` and hex.
std::string field(const value& x);

/// A stored value as text: strings escaped, numbers and booleans as
/// numbers, other types as `<TYPE, N bytes>`. Throws storage_failure for a
/// value of one of these types whose bytes do not decode as it.
std::string shown(const stored_value& x);

/// A command-line parameter as a bound value: a whole number or a decimal
/// number as such, anything else as text.
value parameter(const std::string& arg);

} // namespace sasync::cli
