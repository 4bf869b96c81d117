// The scoped-actor helpers for named parameters.
#include "sasync/actors/client/client_named.hpp"

namespace sasync {

namespace {

constexpr auto shut_down = detail::gone_means::shut_down;

} // namespace

caf::expected<result_set> sql_named(caf::scoped_actor& self, const node& db,
                                    std::string statement, named_values params,
                                    client_timeout timeout, priority prio) {
  return detail::call<result_set>(self, db, timeout, shut_down, sql_atom::value,
                                  std::move(statement), std::move(params),
                                  prio);
}

caf::expected<result_set> execute_named(caf::scoped_actor& self, const node& db,
                                        std::string name, named_values params,
                                        client_timeout timeout, priority prio) {
  return detail::call<result_set>(self, db, timeout, shut_down,
                                  execute_atom::value, std::move(name),
                                  std::move(params), prio);
}

caf::expected<cursor_info> query_named(caf::scoped_actor& self, const node& db,
                                       std::string statement,
                                       named_values params,
                                       client_timeout timeout, priority prio) {
  return detail::call<cursor_info>(self, db, timeout, shut_down,
                                   query_atom::value, std::move(statement),
                                   std::move(params), prio);
}

caf::expected<cursor_info>
query_named(caf::scoped_actor& self, const node& db, std::string statement,
            named_values params, const row_consumer& consumer,
            std::uint32_t credit, client_timeout timeout, priority prio) {
  return detail::call<cursor_info>(self, db, timeout, shut_down,
                                   query_atom::value, std::move(statement),
                                   std::move(params), consumer, credit, prio);
}

} // namespace sasync
