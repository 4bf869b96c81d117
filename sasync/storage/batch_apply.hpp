// Applies the operations of an atomic batch on one connection, inside the
// caller's transaction: all of them, or it throws and the caller rolls back.
#pragma once

#include "sasync/storage/batch_op.hpp"
#include "sasync/storage/fwd.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace sasync {

/// "operation 3 (items set_if group 1 'a')": how errors name an operation.
std::string describe(const batch_op& op, std::size_t index);

/// Runs `ops` in order and answers one result each. Statements must be in
/// the positional form (`?`, `params`). On the first failure it throws the
/// same kind of storage_failure (a version_conflict keeps its current
/// version) with the words prefixed by describe(op, index) and ": ", and
/// whatever ran before stays for the caller's rollback.
std::vector<batch_result> apply_batch(connection& conn,
                                      const std::vector<batch_op>& ops);

} // namespace sasync
