// Ranges of names by their bytes. UTF-8 keeps the order of code points, so
// bytewise order on portable text is code point order.
#include "sasync/storage/name_range.hpp"

#include <cstdint>

namespace sasync {

namespace {

constexpr std::uint32_t last_code_point = 0x10FFFF;

std::string encode(std::uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

bool portable_code_point(std::uint32_t cp) {
  return cp != 0 && cp <= last_code_point && (cp < 0xD800 || cp > 0xDFFF);
}

/// The length of the portable code point `text` starts with, or 0.
std::size_t code_point_length(std::string_view text) {
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(text[i]));
  };
  if (text.empty())
    return 0;
  auto lead = byte(0);
  std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3
                                    : lead >= 0xC0 ? 2 : 0;
  if (n == 0 || text.size() < n)
    return 0;
  std::uint32_t cp = n == 1 ? lead : lead & (0x7F >> n);
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms are not UTF-8: they would sort out of place.
  static constexpr std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[n] || !portable_code_point(cp))
    return 0;
  return n;
}

/// The next portable code point after `cp`, or none.
std::optional<std::uint32_t> next_code_point(std::uint32_t cp) {
  if (cp >= last_code_point)
    return std::nullopt;
  ++cp;
  if (cp >= 0xD800 && cp <= 0xDFFF)
    cp = 0xE000;
  return cp;
}

/// The smallest portable text above every text that starts with the
/// portable text `text`, or none.
std::optional<std::string> portable_successor(std::string text) {
  while (!text.empty()) {
    // The last code point: step back over continuation bytes.
    auto start = text.size() - 1;
    while ((static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
      --start;
    auto tail = std::string_view{text}.substr(start);
    std::uint32_t cp = 0;
    auto lead = static_cast<unsigned char>(tail[0]);
    auto n = tail.size();
    cp = n == 1 ? lead : lead & (0x7F >> n);
    for (std::size_t i = 1; i < n; ++i)
      cp = (cp << 6) | (static_cast<unsigned char>(tail[i]) & 0x3F);
    text.resize(start);
    if (auto next = next_code_point(cp))
      return text + encode(*next);
  }
  return std::nullopt;
}

} // namespace

std::string prefix_end(std::string_view prefix) {
  std::string out{prefix};
  while (!out.empty() && static_cast<unsigned char>(out.back()) == 0xFF)
    out.pop_back();
  if (!out.empty())
    out.back() = static_cast<char>(static_cast<unsigned char>(out.back()) + 1);
  return out;
}

std::optional<std::string> portable_bound(std::string_view bound) {
  std::size_t valid = 0; // the portable head of `bound`
  while (valid < bound.size()) {
    auto n = code_point_length(bound.substr(valid));
    if (n == 0)
      break;
    valid += n;
  }
  if (valid == bound.size())
    return std::string{bound};
  // No portable code point is a prefix of the rest, so each one is either
  // below or above it; the least above it follows the head. Code points in
  // order encode in order, so a binary search finds it.
  auto rest = bound.substr(valid);
  std::string head{bound.substr(0, valid)};
  std::uint32_t lo = 1, hi = last_code_point + 1; // the answer is in [lo, hi)
  auto above = [&](std::uint32_t cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF)
      cp = 0xE000; // the surrogates encode nothing: ask for the next one
    return std::string_view{encode(cp)} > rest;
  };
  while (lo < hi) {
    auto mid = lo + (hi - lo) / 2;
    if (above(mid))
      hi = mid;
    else
      lo = mid + 1;
  }
  if (lo <= last_code_point) {
    if (lo >= 0xD800 && lo <= 0xDFFF)
      lo = 0xE000;
    return head + encode(lo);
  }
  return portable_successor(std::move(head));
}

} // namespace sasync
