// TSV escapes and value rendering for the sasync CLI.
#include "cli_text.hpp"

#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/value_codec.hpp"

#include <cerrno>
#include <cstdlib>

namespace sasync::cli {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        static constexpr char digits[] = "0123456789abcdef";
        out += "\\x";
        out += digits[static_cast<unsigned char>(c) >> 4];
        out += digits[c & 0xf];
      } else {
        out += c;
      }
    }
  }
  return out;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::optional<std::string> unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size())
      return std::nullopt;
    switch (text[i]) {
    case '\\':
      out += '\\';
      break;
    case 't':
      out += '\t';
      break;
    case 'n':
      out += '\n';
      break;
    case 'r':
      out += '\r';
      break;
    case 'x': {
      auto high = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
      auto low = high < 0 ? -1 : hex_digit(text[i + 2]);
      if (low < 0)
        return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
      break;
    }
    default:
      return std::nullopt;
    }
  }
  return out;
}

std::string field(const value& x) {
  switch (x.type()) {
  case value::kind::null:
    return "\\N";
  case value::kind::integer:
  case value::kind::real:
    return to_display(x);
  case value::kind::text:
    return escape(x.as_text());
  case value::kind::blob: {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "\\\\x";
    for (auto byte : x.as_blob()) {
      out += digits[byte >> 4];
      out += digits[byte & 0xf];
    }
    return out;
  }
  }
  return {};
}

std::string shown(const stored_value& x) {
  if (x.type == "string")
    return escape(decode<std::string>(x));
  if (x.type == "int64")
    return std::to_string(decode<std::int64_t>(x));
  if (x.type == "int32")
    return std::to_string(decode<std::int32_t>(x));
  if (x.type == "uint64")
    return std::to_string(decode<std::uint64_t>(x));
  if (x.type == "double")
    return to_display(value{decode<double>(x)});
  if (x.type == "bool")
    return decode<bool>(x) ? "true" : "false";
  return "<" + x.type + ", " + std::to_string(x.bytes.size()) + " bytes>";
}

value parameter(const std::string& arg) {
  if (arg.empty())
    return value{arg};
  char* end = nullptr;
  errno = 0;
  auto whole = std::strtoll(arg.c_str(), &end, 10);
  if (errno == 0 && *end == '\0')
    return value{static_cast<std::int64_t>(whole)};
  errno = 0;
  auto real = std::strtod(arg.c_str(), &end);
  if (errno == 0 && *end == '\0' &&
      arg.find_first_of(".eE") != std::string::npos &&
      arg.find_first_of("nN") == std::string::npos) // not nan, inf
    return value{real};
  return value{arg};
}

} // namespace sasync::cli
