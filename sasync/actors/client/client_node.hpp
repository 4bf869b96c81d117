// Client helpers for the messages of a node (and a broker's shutdown): the
// group actors, tables, statements and status, from scoped actors (answers
// as caf::expected) and event-based actors (callbacks).
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/broker.hpp"
#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/net/node.hpp"

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sasync {

// Every helper takes a client_timeout last (client_request.hpp: a
// std::chrono or caf::duration; none locally and remote_request_timeout
// through a node by default). Once a broker has shut down, its requests
// fail with errc::shutting_down; through a node that went away, with
// errc::unreachable.

// -- scoped actors ------------------------------------------------------------

/// The items actor of `group` on `db` (made on first use).
caf::expected<items> items_of(caf::scoped_actor& self, const node& db,
                              std::int64_t group, client_timeout timeout = {});
/// The dict actor of `group` on `db`.
caf::expected<dict> dict_of(caf::scoped_actor& self, const node& db,
                            std::int64_t group, client_timeout timeout = {});
/// The array actor of `group` on `db`.
caf::expected<array> array_of(caf::scoped_actor& self, const node& db,
                              std::int64_t group, client_timeout timeout = {});

/// Creates the table and its indexes if missing.
caf::expected<void> create_table(caf::scoped_actor& self, const node& db,
                                 table_def def, client_timeout timeout = {},
                                 priority prio = defaults::table_priority);

/// Runs one statement, `?` parameters bound (`{}` for none), and returns
/// its whole result (use query() for results of any size).
caf::expected<result_set> sql(caf::scoped_actor& self, const node& db,
                              std::string statement,
                              std::vector<value> params = {},
                              client_timeout timeout = {},
                              priority prio = defaults::statement_priority);

/// Names a statement for execute() (sAsync's s()).
caf::expected<void> prepare(caf::scoped_actor& self, const node& db,
                            std::string name, std::string statement,
                            client_timeout timeout = {});

/// Runs the statement prepared under `name`; missing when there is none.
caf::expected<result_set> execute(caf::scoped_actor& self, const node& db,
                                  std::string name,
                                  std::vector<value> params = {},
                                  client_timeout timeout = {},
                                  priority prio = defaults::statement_priority);

/// Whether a statement is named `name` (sAsync's s() check).
caf::expected<bool> prepared(caf::scoped_actor& self, const node& db,
                             std::string name, client_timeout timeout = {});

/// The broker's lifecycle state and queue figures.
caf::expected<broker_status> status(caf::scoped_actor& self, const node& db,
                                    client_timeout timeout = {});

/// Drains and stops the broker (broker.hpp); ok again once it has stopped.
caf::expected<void> shutdown(caf::scoped_actor& self, const broker& db,
                             client_timeout timeout = {});

// -- event-based actors -------------------------------------------------------
// `on_result(T&)` gets the answer (`on_done()` for none), `on_error(
// caf::error&)` the error.

template <class Self, class OnResult, class OnError>
void items_of(Self* self, const node& db, std::int64_t group,
              OnResult on_result, OnError on_error,
              client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    items_atom::value, group);
}

template <class Self, class OnResult, class OnError>
void dict_of(Self* self, const node& db, std::int64_t group, OnResult on_result,
             OnError on_error, client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error), dict_atom::value,
                    group);
}

template <class Self, class OnResult, class OnError>
void array_of(Self* self, const node& db, std::int64_t group,
              OnResult on_result, OnError on_error,
              client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    array_atom::value, group);
}

template <class Self, class OnDone, class OnError>
void create_table(Self* self, const node& db, table_def def, OnDone on_done,
                  OnError on_error, client_timeout timeout = {},
                  priority prio = defaults::table_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error), table_atom::value,
                    std::move(def), prio);
}

template <class Self, class OnResult, class OnError>
void sql(Self* self, const node& db, std::string statement,
         std::vector<value> params, OnResult on_result, OnError on_error,
         client_timeout timeout = {},
         priority prio = defaults::statement_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error), sql_atom::value,
                    std::move(statement), std::move(params), prio);
}

template <class Self, class OnDone, class OnError>
void prepare(Self* self, const node& db, std::string name,
             std::string statement, OnDone on_done, OnError on_error,
             client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error),
                    prepare_atom::value, std::move(name), std::move(statement));
}

template <class Self, class OnResult, class OnError>
void execute(Self* self, const node& db, std::string name,
             std::vector<value> params, OnResult on_result, OnError on_error,
             client_timeout timeout = {},
             priority prio = defaults::statement_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    execute_atom::value, std::move(name), std::move(params),
                    prio);
}

/// `on_result(bool)`: whether a statement is named `name`.
template <class Self, class OnResult, class OnError>
void prepared(Self* self, const node& db, std::string name, OnResult on_result,
              OnError on_error, client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    prepared_atom::value, std::move(name));
}

template <class Self, class OnResult, class OnError>
void status(Self* self, const node& db, OnResult on_result, OnError on_error,
            client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    status_atom::value);
}

/// Calls `on_done()` once the broker has stopped, also when it had already.
template <class Self, class OnDone, class OnError>
void shutdown(Self* self, const broker& db, OnDone on_done, OnError on_error,
              client_timeout timeout = {}) {
  auto bound = timeout.resolve(false);
  auto stopped = [on_done, on_error, bound](caf::error& err) mutable {
    if (err == caf::sec::request_receiver_down)
      return on_done();
    auto explained = detail::explain_timeout(std::move(err), "",
                                             shutdown_atom::value, bound);
    on_error(explained);
  };
  self->request(db, bound, shutdown_atom::value)
      .then(std::move(on_done), std::move(stopped));
}

} // namespace sasync
