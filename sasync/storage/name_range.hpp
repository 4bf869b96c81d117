// Ranges of names by their bytes: the end of a prefix's range, and bounds
// that every backend can compare against (PostgreSQL refuses text that is
// not UTF-8, so a bound like "a\xff" is moved to the portable text that
// separates the same names).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sasync {

/// The smallest string bytewise above every string that starts with
/// `prefix`: its last byte below 0xFF raised by one, the bytes after it
/// dropped. "" (no end) when there is none: an empty prefix, or one of
/// 0xFF bytes only.
std::string prefix_end(std::string_view prefix);

/// The smallest portable text (UTF-8 without NUL bytes, what names are)
/// that is bytewise at or above `bound`, or none when every portable text
/// is below it. For portable text s: s >= bound exactly when s >= the
/// answer, so a range's bounds may be replaced by their answers.
std::optional<std::string> portable_bound(std::string_view bound);

} // namespace sasync
