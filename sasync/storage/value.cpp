// Accessors and display of SQL values.
#include "sasync/storage/value.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/deserializer.hpp>

#include <cstdio>

namespace sasync {

std::size_t bytes_left(caf::deserializer& f) {
  if (auto* binary = dynamic_cast<caf::binary_deserializer*>(&f))
    return binary->remaining();
  return 1'000'000'000; // SQLITE_MAX_LENGTH
}

namespace {

template <class T>
const T& get_as(const std::variant<std::monostate, std::int64_t, double,
                                   std::string, blob>& data,
                value::kind want) {
  if (auto ptr = std::get_if<T>(&data))
    return *ptr;
  throw_invalid(std::string{"expected a "} + to_string(want) + " value, got " +
                to_string(static_cast<value::kind>(data.index())));
}

} // namespace

const char* to_string(value::kind k) noexcept {
  switch (k) {
  case value::kind::null:
    return "null";
  case value::kind::integer:
    return "integer";
  case value::kind::real:
    return "real";
  case value::kind::text:
    return "text";
  case value::kind::blob:
    return "blob";
  }
  return "?";
}

void value::throw_beyond_int64(std::uint64_t x) {
  throw_invalid("integer " + std::to_string(x) +
                " is beyond the largest SQL integer (" +
                std::to_string(INT64_MAX) + ")");
}

std::int64_t value::as_integer() const {
  return get_as<std::int64_t>(data_, kind::integer);
}

double value::as_real() const {
  if (auto ptr = std::get_if<std::int64_t>(&data_))
    return static_cast<double>(*ptr);
  return get_as<double>(data_, kind::real);
}

const std::string& value::as_text() const {
  return get_as<std::string>(data_, kind::text);
}

const blob& value::as_blob() const {
  return get_as<blob>(data_, kind::blob);
}

std::string to_display(const value& x) {
  switch (x.type()) {
  case value::kind::null:
    return "NULL";
  case value::kind::integer:
    return std::to_string(x.as_integer());
  case value::kind::real: {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.17g", x.as_real());
    return buf;
  }
  case value::kind::text:
    return x.as_text();
  case value::kind::blob:
    break;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "x'";
  for (auto byte : x.as_blob()) {
    out += digits[byte >> 4];
    out += digits[byte & 0x0f];
  }
  out += '\'';
  return out;
}

} // namespace sasync
