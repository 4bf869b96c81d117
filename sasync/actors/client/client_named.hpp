// Client helpers for statements with named parameters (`:name`, bound from
// a named_values map; named_params.hpp): sql, execute and query as in
// client_node.hpp and client_rows.hpp, answered alike. Their own names keep
// a `{}` argument of the positional helpers unambiguous.
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/net/node.hpp"
#include "sasync/storage/named_params.hpp"

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdint>
#include <string>

namespace sasync {

// -- scoped actors ------------------------------------------------------------

/// Runs one statement with its `:name` parameters bound from `params` and
/// returns its whole result. invalid_argument (and nothing runs) for a
/// statement with `?`, a name without a value or a value no name uses.
caf::expected<result_set>
sql_named(caf::scoped_actor& self, const node& db, std::string statement,
          named_values params, client_timeout timeout = {},
          priority prio = defaults::statement_priority);

/// Runs the statement prepared under `name` with `:name` parameters.
caf::expected<result_set>
execute_named(caf::scoped_actor& self, const node& db, std::string name,
              named_values params, client_timeout timeout = {},
              priority prio = defaults::statement_priority);

/// A cursor over the rows of `statement`, `:name` parameters bound.
caf::expected<cursor_info>
query_named(caf::scoped_actor& self, const node& db, std::string statement,
            named_values params, client_timeout timeout = {},
            priority prio = defaults::statement_priority);

/// The same, the rows pushed to `consumer` (`credit` at once).
caf::expected<cursor_info>
query_named(caf::scoped_actor& self, const node& db, std::string statement,
            named_values params, const row_consumer& consumer,
            std::uint32_t credit, client_timeout timeout = {},
            priority prio = defaults::statement_priority);

// -- event-based actors -------------------------------------------------------

template <class Self, class OnResult, class OnError>
void sql_named(Self* self, const node& db, std::string statement,
               named_values params, OnResult on_result, OnError on_error,
               client_timeout timeout = {},
               priority prio = defaults::statement_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error), sql_atom::value,
                    std::move(statement), std::move(params), prio);
}

template <class Self, class OnResult, class OnError>
void execute_named(Self* self, const node& db, std::string name,
                   named_values params, OnResult on_result, OnError on_error,
                   client_timeout timeout = {},
                   priority prio = defaults::statement_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    execute_atom::value, std::move(name), std::move(params),
                    prio);
}

template <class Self, class OnResult, class OnError>
void query_named(Self* self, const node& db, std::string statement,
                 named_values params, OnResult on_result, OnError on_error,
                 client_timeout timeout = {},
                 priority prio = defaults::statement_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    query_atom::value, std::move(statement), std::move(params),
                    prio);
}

template <class Self, class OnResult, class OnError>
void query_named(Self* self, const node& db, std::string statement,
                 named_values params, const row_consumer& consumer,
                 std::uint32_t credit, OnResult on_result, OnError on_error,
                 client_timeout timeout = {},
                 priority prio = defaults::statement_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    query_atom::value, std::move(statement), std::move(params),
                    consumer, credit, prio);
}

} // namespace sasync
