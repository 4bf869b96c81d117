// The CLI's --niceness: the priority of every request a command sends, in
// the words sAsync uses (a niceness, doNext, doLast).
#pragma once

#include "sasync/actors/priority.hpp"

#include <charconv>
#include <optional>
#include <string>

namespace sasync::cli {

/// What --niceness accepts, for its help and its refusal.
inline constexpr const char* niceness_words =
    "a whole number from -20 (first) to 20 (last), next (before all) or "
    "last (after all)";

/// `text` as a priority: -20..20, `next` or `last`; none for anything else.
inline std::optional<priority> parse_niceness(const std::string& text) {
  if (text == "next")
    return do_next;
  if (text == "last")
    return do_last;
  int n = 0;
  auto first = text.data();
  auto last = first + text.size();
  if (!text.empty() && *first == '+')
    ++first; // "+5" reads as 5
  auto [end, ec] = std::from_chars(first, last, n);
  if (text.empty() || first == last || ec != std::errc{} || end != last ||
      n < priority::min_niceness || n > priority::max_niceness)
    return std::nullopt;
  return niceness(n);
}

/// CLI11's check: empty when `text` is a niceness, else why not.
inline std::string check_niceness(const std::string& text) {
  if (parse_niceness(text))
    return {};
  return "'" + text + "' is not " + niceness_words;
}

} // namespace sasync::cli
