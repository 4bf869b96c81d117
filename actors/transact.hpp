// Client-side helpers: run a local closure as a transaction on a broker and
// get its typed result back (sAsync's @transact).
#pragma once

#include "actors/broker.hpp"
#include "actors/job.hpp"

#include <caf/duration.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include <type_traits>
#include <utility>

namespace sasync {

/// Where and how a transaction runs.
struct transact_options {
  priority prio = niceness(0);
  access_mode mode = access_mode::write;
  caf::duration timeout = caf::infinite;
};

/// Runs `fn(connection&)` on `db` and waits for its result: for scoped actors,
/// tests and programs' main functions.
template <class F>
auto transact(caf::scoped_actor& self, const broker& db, F fn,
              transact_options opts = {})
    -> caf::expected<std::conditional_t<
        std::is_void_v<std::invoke_result_t<F&, connection&>>, void,
        std::invoke_result_t<F&, connection&>>> {
  using result_type = std::invoke_result_t<F&, connection&>;
  auto work = make_job(opts.mode, std::move(fn));
  caf::error failure;
  self->request(db, opts.timeout, transact_atom::value, job_ptr{work},
                opts.prio)
      .receive([] {}, [&](caf::error& err) { failure = std::move(err); });
  if (failure)
    return failure;
  if constexpr (std::is_void_v<result_type>)
    return caf::expected<void>{};
  else
    return work->take();
}

/// Runs `fn(connection&)` on `db` from an event-based actor; calls
/// `on_result(R)` (or `on_result()` for void) or `on_error(caf::error&)`.
template <class Self, class F, class OnResult, class OnError>
void transact(Self* self, const broker& db, F fn, transact_options opts,
              OnResult on_result, OnError on_error) {
  using result_type = std::invoke_result_t<F&, connection&>;
  auto work = make_job(opts.mode, std::move(fn));
  self->request(db, opts.timeout, transact_atom::value, job_ptr{work},
                opts.prio)
      .then(
          [work, on_result]() mutable {
            if constexpr (std::is_void_v<result_type>)
              on_result();
            else
              on_result(work->take());
          },
          std::move(on_error));
}

} // namespace sasync
