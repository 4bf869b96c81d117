// Client-side helpers: run a local closure as a transaction on a broker and
// get its typed result back (sAsync's @transact).
#pragma once

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/detail/running_jobs.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/job.hpp"

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

namespace detail {

/// A closure runs inside its own transaction, on a connection it holds
/// until it returns: it cannot wait for another transaction (sAsync's
/// nested transact), which might need that very connection.
inline caf::error nested_transact_error() {
  if (!running_jobs_on_this_thread())
    return {};
  return make_error(errc::invalid_argument,
                    "transact inside a transact closure: a closure cannot "
                    "wait for another transaction; call a function that "
                    "takes its transaction_scope instead");
}

} // namespace detail

/// Runs `fn(transaction_scope&)` on `db` and waits for its result: for
/// scoped actors, tests and programs' main functions. Called from inside a
/// closure, it fails at once (invalid_argument).
template <class F>
auto transact(caf::scoped_actor& self, const broker& db, F fn,
              transact_options opts = {})
    -> caf::expected<std::conditional_t<
        std::is_void_v<std::invoke_result_t<F&, transaction_scope&>>, void,
        std::invoke_result_t<F&, transaction_scope&>>> {
  using result_type = std::invoke_result_t<F&, transaction_scope&>;
  if (auto err = detail::nested_transact_error())
    return err;
  auto work = make_job(opts.mode, std::move(fn));
  // Answered as the other helpers answer: shutting_down once the broker has
  // shut down, timeout naming the request.
  auto done = detail::call<void>(self, db, opts.timeout,
                                 detail::gone_means::shut_down,
                                 transact_atom::value, job_ptr{work}, opts.prio);
  if (!done)
    return done.error();
  if constexpr (std::is_void_v<result_type>)
    return caf::expected<void>{};
  else
    return work->take();
}

/// Runs `fn(transaction_scope&)` on `db` from an event-based actor; calls
/// `on_result(R)` (or `on_result()` for void) or `on_error(caf::error&)`.
template <class Self, class F, class OnResult, class OnError>
void transact(Self* self, const broker& db, F fn, transact_options opts,
              OnResult on_result, OnError on_error) {
  using result_type = std::invoke_result_t<F&, transaction_scope&>;
  if (auto err = detail::nested_transact_error()) {
    on_error(err);
    return;
  }
  auto work = make_job(opts.mode, std::move(fn));
  detail::call_then(
      self, db, opts.timeout, detail::gone_means::shut_down,
      [work, on_result]() mutable {
        if constexpr (std::is_void_v<result_type>)
          on_result();
        else
          on_result(work->take());
      },
      std::move(on_error), transact_atom::value, job_ptr{work}, opts.prio);
}

} // namespace sasync
