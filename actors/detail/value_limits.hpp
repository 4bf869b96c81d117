// What one stored value may be: checked when a request arrives, before
// anything is queued, so a peer cannot make a node store (or hold) more.
#pragma once

#include "actors/errc.hpp"
#include "storage/stored_value.hpp"

#include <cstddef>
#include <string>

namespace sasync::detail {

constexpr std::size_t max_name_bytes = 4096;
constexpr std::size_t max_type_name_bytes = 1024;
constexpr std::size_t max_value_bytes = 64 << 20;

/// invalid_argument naming the first limit `name` or `x` exceeds, or none.
inline caf::error check_stored(const std::string* name, const stored_value& x) {
  auto over = [](const char* what, std::size_t size, std::size_t limit) {
    return make_error(errc::invalid_argument,
                      std::string{what} + " of " + std::to_string(size) +
                          " bytes is over the limit of " +
                          std::to_string(limit));
  };
  if (name && name->size() > max_name_bytes)
    return over("a name", name->size(), max_name_bytes);
  if (x.type.size() > max_type_name_bytes)
    return over("a type name", x.type.size(), max_type_name_bytes);
  if (x.bytes.size() > max_value_bytes)
    return over("a value", x.bytes.size(), max_value_bytes);
  return {};
}

} // namespace sasync::detail
