// The one exception type the storage layer throws; the connection actor turns
// it into a sasync::errc error at the actor boundary.
#pragma once

#include <stdexcept>
#include <string>

namespace sasync {

enum class failure_kind : unsigned char {
  invalid_argument, ///< the caller's input is wrong (URL, table, parameters)
  database,         ///< the database refused the statement
  connection,       ///< no connection, or it broke
  busy,             ///< locked or serialisation conflict; may succeed later
  type_mismatch,    ///< a stored value is of another type than asked for
  corrupt_value,    ///< a stored value's bytes do not decode as its type
  fenced,           ///< a cluster member wrote for a group it no longer owns
  exists,           ///< a write that must create found the key taken
  missing,          ///< a write that must replace found no such key
  conflict,         ///< a conditional write found another version
};

class storage_failure : public std::runtime_error {
public:
  storage_failure(failure_kind kind, const std::string& what,
                  std::string code = {}, bool retryable = false)
      : std::runtime_error(what), kind_(kind), code_(std::move(code)),
        retryable_(retryable || kind == failure_kind::busy) {
    // nop
  }

  failure_kind kind() const noexcept { return kind_; }

  /// The database's own code: SQLite's extended result code or PostgreSQL's
  /// SQLSTATE; empty when the failure is not the database's.
  const std::string& code() const noexcept { return code_; }

  /// True when running the same work again may succeed and the failed attempt
  /// cannot have committed.
  bool retryable() const noexcept { return retryable_; }

private:
  failure_kind kind_;
  std::string code_;
  bool retryable_;
};

/// Shorthand for the common invalid-argument throw.
[[noreturn]] inline void throw_invalid(const std::string& what) {
  throw storage_failure(failure_kind::invalid_argument, what);
}

} // namespace sasync
