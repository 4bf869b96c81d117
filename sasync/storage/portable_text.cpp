// NUL bytes and UTF-8 validity, checked the same way for every backend.
#include "sasync/storage/portable_text.hpp"

#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/value.hpp"

namespace sasync {

namespace {

/// The length of the well-formed UTF-8 sequence at `text[pos]` (Unicode's
/// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or
/// 0.
std::size_t utf8_sequence(std::string_view text, std::size_t pos) {
  auto byte = [&](std::size_t i) {
    return pos + i < text.size() ? static_cast<unsigned char>(text[pos + i])
                                 : 0u;
  };
  auto in = [](unsigned c, unsigned lo, unsigned hi) {
    return c >= lo && c <= hi;
  };
  auto lead = byte(0);
  if (lead < 0x80)
    return 1;
  if (in(lead, 0xC2, 0xDF))
    return in(byte(1), 0x80, 0xBF) ? 2 : 0;
  if (in(lead, 0xE0, 0xEF)) {
    auto lo = lead == 0xE0 ? 0xA0u : 0x80u;
    auto hi = lead == 0xED ? 0x9Fu : 0xBFu;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(lead, 0xF0, 0xF4)) {
    auto lo = lead == 0xF0 ? 0x90u : 0x80u;
    auto hi = lead == 0xF4 ? 0x8Fu : 0xBFu;
    return in(byte(1), lo, hi) && in(byte(2), 0x80, 0xBF) &&
                   in(byte(3), 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

} // namespace

std::string text_problem(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    if (text[pos] == '\0')
      return "holds a NUL byte (at byte " + std::to_string(pos) +
             "), which PostgreSQL cannot store in text";
    auto n = utf8_sequence(text, pos);
    if (n == 0)
      return "is not valid UTF-8 (at byte " + std::to_string(pos) +
             "), which PostgreSQL refuses in text";
    pos += n;
  }
  return {};
}

namespace {

[[noreturn]] void refuse_text(std::string_view what, const std::string& why) {
  throw_invalid(std::string{what} + " " + why +
                "; sasync refuses it on every backend");
}

} // namespace

void check_portable_text(std::string_view what, std::string_view text) {
  if (auto why = text_problem(text); !why.empty())
    refuse_text(what, why);
}

void check_portable_statement(std::string_view sql,
                              const std::vector<value>& params) {
  check_portable_text("the statement", sql);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].type() != value::kind::text)
      continue;
    // The label is spelled only for a refusal: a merged statement has
    // many parameters, all of them checked each time it runs.
    if (auto why = text_problem(params[i].as_text()); !why.empty())
      refuse_text("text parameter " + std::to_string(i + 1) +
                      " (a blob takes any bytes)",
                  why);
  }
}

} // namespace sasync
