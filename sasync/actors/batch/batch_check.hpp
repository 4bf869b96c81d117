// What a batch may hold: checked when it arrives, before any hold or job,
// so a malformed batch changes nothing and its error names the operation.
#pragma once

#include "sasync/storage/batch_op.hpp"

#include <caf/error.hpp>

#include <vector>

namespace sasync {

/// invalid_argument for an empty batch, more than max_batch_ops
/// operations, an unknown kind, a name or value over the limits or not
/// portable, or a statement sql refuses (DDL too unless `allow_ddl`); the
/// words start with the operation (describe(), batch_apply.hpp). Rewrites
/// statements with `:name` parameters in the positional form, so the ops
/// are ready for apply_batch.
caf::error check_batch(std::vector<batch_op>& ops, bool allow_ddl);

/// The index of the operation a batch's error names ("operation N ..."),
/// or -1 when the error names none (the batch as a whole failed).
long failed_operation(const caf::error& err);

} // namespace sasync
