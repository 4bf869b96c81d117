// sasync's error category: every failure a requester sees is one of these.
#pragma once

#include "sasync/actors/fwd.hpp"
#include "sasync/storage/fwd.hpp"

#include <caf/error.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace sasync {

enum class errc : std::uint8_t {
  none = 0,
  transaction_error, ///< a transaction's own code failed (threw)
  database_error,    ///< the database refused or failed; may be retryable
  invalid_argument,  ///< malformed input: URL, table, SQL parameters, priority
  overloaded,        ///< the queue is full; try again later
  shutting_down,     ///< the broker no longer accepts work
  timeout,           ///< no connection or answer in time
  missing,           ///< no value under that name
  type_mismatch,     ///< a stored value is of another type than asked for
  corrupt_value,     ///< a stored value's bytes do not decode as its type
  unreachable,       ///< the node cannot be reached or went away
  exists,            ///< the name already exists (items insert)
  conflict,          ///< a compare-and-set found another version (set_if,
                     ///< delete_if); conflict_version() reads the current one
  not_clustered,     ///< the node does not run in cluster mode
  fenced,            ///< the node no longer owns the group: nothing of the
                     ///< write committed; ask a node for the group again
};

/// The category's atom, as it appears in `caf::error::category()`.
constexpr caf::atom_value errc_category = caf::atom("sasync");

std::string to_string(errc x);

/// An error of sasync's category; `what` says why, in the database's own
/// words where it has some.
caf::error make_error(errc code, std::string what = {});

/// The same, marked as safe to run again (the failed attempt did not commit).
caf::error make_retryable_error(errc code, std::string what);

/// True for errors of sasync's category that may succeed when tried again.
bool is_retryable(const caf::error& err);

/// True when `err` is `code` of sasync's category.
bool is(const caf::error& err, errc code);

/// A storage failure as a sasync error: invalid_argument, type_mismatch,
/// corrupt_value, exists, missing, conflict (with the current version) or
/// database_error.
caf::error to_error(const storage_failure& failure);

/// errc::conflict carrying the version the row has now (0: no row) in its
/// context, after the usual words: (what, false, current).
caf::error make_conflict_error(std::string what, std::uint64_t current);

/// The current version a conflict error carries (0: the name or cell does
/// not exist); none for any other error.
std::optional<std::uint64_t> conflict_version(const caf::error& err);

/// Renders a sasync error as `sasync::NAME: what [(retryable)]`.
std::string render(errc code, const caf::message& context);

} // namespace sasync
