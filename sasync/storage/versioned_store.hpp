// Versions of items and array cells: reads that answer a row's version and
// writes that commit only if the row is still at the version the caller
// read (compare-and-set), decided by one statement each.
#pragma once

#include "sasync/storage/fwd.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/versioned_value.hpp"
#include "sasync/storage/wire_types.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace sasync {

/// Thrown by a conditional write that found the row at another version
/// (0: no row); nothing was written.
class version_conflict : public storage_failure {
public:
  version_conflict(const std::string& what, std::uint64_t current)
      : storage_failure(failure_kind::conflict, what), current_(current) {}

  /// The version the row has now; 0 when there is none.
  std::uint64_t current() const noexcept { return current_; }

private:
  std::uint64_t current_;
};

/// The value under `name` with its version, or none.
std::optional<versioned_value>
find_item_versioned(connection& conn, std::int64_t group,
                    const std::string& name);

/// Stores `x` under `name` if its version is `expected` (0: only if the
/// name does not exist) and returns the new version; else throws
/// version_conflict.
std::uint64_t put_item_if(connection& conn, std::int64_t group,
                          const std::string& name, const stored_value& x,
                          std::uint64_t expected);

/// Deletes `name` if its version is `expected` (0: succeeds only while the
/// name does not exist, deleting nothing); else throws version_conflict.
void erase_item_if(connection& conn, std::int64_t group,
                   const std::string& name, std::uint64_t expected);

/// The same for the array cell at `at`.
std::optional<versioned_value>
find_cell_versioned(connection& conn, std::int64_t group,
                    const coordinates& at);
std::uint64_t put_cell_if(connection& conn, std::int64_t group,
                          const coordinates& at, const stored_value& x,
                          std::uint64_t expected);
void erase_cell_if(connection& conn, std::int64_t group, const coordinates& at,
                   std::uint64_t expected);

} // namespace sasync
