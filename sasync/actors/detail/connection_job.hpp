// sasync's own work as a job on the whole connection: the object tables,
// the broker's startup hooks and statements, which the transaction_scope
// that users' closures get would not serve.
#pragma once

#include "sasync/actors/job.hpp"

#include <memory>
#include <utility>

namespace sasync::detail {

/// sasync's own work as a job: `fn(connection&)`, short unless `cost`
/// says otherwise (a user's statement that sasync runs).
template <class F> using connection_job = result_job<connection, F>;

template <class F>
std::shared_ptr<connection_job<F>>
make_connection_job(access_mode mode, F fn,
                    job_cost cost = job_cost::short_statements) {
  return std::make_shared<connection_job<F>>(mode, std::move(fn), cost);
}

} // namespace sasync::detail
