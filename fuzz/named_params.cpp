// Fuzzes the named-parameter parser: any text is a statement in the
// positional form or invalid_argument, never a crash or a sanitizer report.
// What parses keeps every byte but the names (each `:name` becomes one
// `?`), binds from a map of exactly its names, and refuses a map with one
// name missing or one name too many.
#include "sasync/storage/named_params.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

bool refused(const sasync::named_statement& stmt,
             const sasync::named_values& values) {
  try {
    sasync::bind_named(stmt, values);
    return false;
  } catch (const sasync::storage_failure& f) {
    return f.kind() == sasync::failure_kind::invalid_argument;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  sasync::named_statement stmt;
  try {
    stmt = sasync::parse_named(text);
  } catch (const sasync::storage_failure& f) {
    if (f.kind() != sasync::failure_kind::invalid_argument)
      std::abort();
    return 0;
  }
  auto marks = [](const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '?'));
  };
  std::size_t name_bytes = 0;
  for (auto& name : stmt.names) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9'))
      std::abort();
    name_bytes += name.size() + 1; // and its ':'
  }
  if (marks(stmt.sql) != marks(text) + stmt.names.size() ||
      stmt.sql.size() + name_bytes != text.size() + stmt.names.size())
    std::abort();
  sasync::named_values values;
  for (auto& name : stmt.names)
    values.emplace(name, sasync::value{static_cast<std::int64_t>(name.size())});
  if (sasync::bind_named(stmt, values).size() != stmt.names.size())
    std::abort();
  auto extra = values;
  extra.emplace(std::string(70, 'x') + "extra", sasync::value{});
  if (!refused(stmt, extra))
    std::abort();
  if (!values.empty()) {
    values.erase(values.begin());
    if (!refused(stmt, values))
      std::abort();
  }
  return 0;
}
