// What one stored value may be: checked when a request arrives, before
// anything is queued, so a peer cannot make a node store (or hold) more.
#pragma once

#include "sasync/actors/errc.hpp"
#include "sasync/storage/portable_text.hpp"
#include "sasync/storage/stored_value.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace sasync::detail {

constexpr std::size_t max_name_bytes = 4096;
constexpr std::size_t max_type_name_bytes = 1024;
constexpr std::size_t max_value_bytes = 64 << 20;

inline caf::error over_limit(const char* what, std::size_t size,
                             std::size_t limit) {
  return make_error(errc::invalid_argument,
                    std::string{what} + " of " + std::to_string(size) +
                        " bytes is over the limit of " + std::to_string(limit));
}

/// invalid_argument unless every backend stores `text` exactly (text
/// columns: PostgreSQL cuts at a NUL byte and refuses invalid UTF-8).
inline caf::error check_text(const char* what, const std::string& text) {
  if (auto why = text_problem(text); !why.empty())
    return make_error(errc::invalid_argument,
                      std::string{what} + " " + why +
                          "; sasync refuses it on every backend");
  return {};
}

/// invalid_argument if `name` is over the limit or not portable text.
inline caf::error check_name(const std::string& name) {
  if (name.size() > max_name_bytes)
    return over_limit("a name", name.size(), max_name_bytes);
  return check_text("a name", name);
}

/// The same for every name of a request.
inline caf::error check_names(const std::vector<std::string>& names) {
  for (auto& name : names)
    if (auto err = check_name(name))
      return err;
  return {};
}

/// invalid_argument naming the first limit `name` or `x` exceeds, or the
/// first of them that no backend could store exactly; or none.
inline caf::error check_stored(const std::string* name, const stored_value& x) {
  if (name && name->size() > max_name_bytes)
    return over_limit("a name", name->size(), max_name_bytes);
  if (x.type.size() > max_type_name_bytes)
    return over_limit("a type name", x.type.size(), max_type_name_bytes);
  if (x.bytes.size() > max_value_bytes)
    return over_limit("a value", x.bytes.size(), max_value_bytes);
  if (name)
    if (auto err = check_text("a name", *name))
      return err;
  return check_text("a type name", x.type);
}

} // namespace sasync::detail
