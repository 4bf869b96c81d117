// sasync's own work as a job on the whole connection: the object tables,
// the broker's startup hooks and statements, which the transaction_scope
// that users' closures get would not serve.
#pragma once

#include "actors/job.hpp"

#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace sasync::detail {

/// Runs `fn(connection&)`; keeps its result for the requester to take after
/// the reply arrives.
template <class F> class connection_job final : public job {
public:
  using result_type = std::invoke_result_t<F&, connection&>;

  connection_job(access_mode mode, F fn) : job(mode), fn_(std::move(fn)) {}

  void run(connection& conn) override {
    if constexpr (std::is_void_v<result_type>)
      fn_(conn);
    else
      result_.emplace(fn_(conn));
  }

  /// The result of a successful run.
  result_type take() {
    if constexpr (!std::is_void_v<result_type>)
      return std::move(*result_);
  }

private:
  F fn_;
  std::conditional_t<std::is_void_v<result_type>, bool,
                     std::optional<result_type>>
      result_{};
};

template <class F>
std::shared_ptr<connection_job<F>> make_connection_job(access_mode mode, F fn) {
  return std::make_shared<connection_job<F>>(mode, std::move(fn));
}

} // namespace sasync::detail
