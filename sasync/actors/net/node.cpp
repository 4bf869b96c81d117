// The entry actor: size checks, then delegation to the broker.
#include "sasync/actors/net/node.hpp"

#include "sasync/actors/cluster/detail/group_routing.hpp"
#include "sasync/actors/batch/batch_check.hpp"
#include "sasync/actors/detail/gathered_answers.hpp"
#include "sasync/actors/detail/request_metrics.hpp"
#include "sasync/actors/detail/statement_policy.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/detail/relay.hpp"
#include "sasync/actors/net/detail/stand_in.hpp"
#include "sasync/actors/objects/detail/items_impl.hpp"
#include "sasync/storage/batch_apply.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstring>
#include <memory>

namespace sasync {

namespace {

/// A relayed request's relay and place in it.
using relayed_place =
    std::pair<std::shared_ptr<detail::gathered_answers>, std::size_t>;

struct node_state {
  node db;
  /// The relayed requests on their way.
  detail::forwarded_answers<relayed_place> relayed;
  node_limits limits;
  cluster_membership membership; ///< none outside cluster mode
  /// Cluster mode: groups go to their owner (group_routing.hpp).
  group_ownership ownership;
  static inline const char* name = "sasync.node";
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct node_self : node::stateful_base<node_state> {
  using super = node::stateful_base<node_state>;
  using super::super;
};

using node_ptr = node_self*;

caf::error too_large(const std::string& what, std::size_t size,
                     std::size_t limit) {
  return make_error(errc::invalid_argument,
                    what + " of " + std::to_string(size) +
                        " bytes is larger than the node's limit of " +
                        std::to_string(limit));
}

} // namespace

caf::error check_request(const node_limits& limits,
                         const std::string& statement,
                         const std::vector<value>& params) {
  if (statement.size() > limits.statement_bytes)
    return too_large("a statement", statement.size(), limits.statement_bytes);
  if (params.size() > limits.parameters)
    return make_error(errc::invalid_argument,
                      std::to_string(params.size()) +
                          " parameters are more than the node's limit of " +
                          std::to_string(limits.parameters));
  for (auto& p : params) {
    auto size = p.type() == value::kind::text   ? p.as_text().size()
                : p.type() == value::kind::blob ? p.as_blob().size()
                                                : 0;
    if (size > limits.value_bytes)
      return too_large("a parameter", size, limits.value_bytes);
  }
  return {};
}

caf::error check_request(const node_limits& limits,
                         const std::string& statement,
                         const named_values& params) {
  if (params.size() > limits.parameters)
    return make_error(errc::invalid_argument,
                      std::to_string(params.size()) +
                          " parameters are more than the node's limit of " +
                          std::to_string(limits.parameters));
  for (auto& [name, p] : params) {
    if (name.size() > limits.statement_bytes)
      return too_large("a parameter name", name.size(), limits.statement_bytes);
    auto size = p.type() == value::kind::text   ? p.as_text().size()
                : p.type() == value::kind::blob ? p.as_blob().size()
                                                : 0;
    if (size > limits.value_bytes)
      return too_large("a parameter", size, limits.value_bytes);
  }
  return check_request(limits, statement, std::vector<value>{});
}

namespace {

/// Counts a request the node refuses itself (request_metrics.hpp); those it
/// passes on are counted where they are answered.
caf::error refused(node_ptr self, caf::error err) {
  return detail::refused(detail::request_meter::start(self), std::move(err));
}

/// Delegates `msg` to the broker unless `text` and `params` are over the
/// limits. The message is moved only after the check.
template <class Answer, class... Ts>
caf::result<Answer> checked(node_ptr self, const std::string& text,
                            const std::vector<value>& params, Ts&&... msg) {
  if (auto err = check_request(self->state.limits, text, params))
    return refused(self, std::move(err));
  return self->delegate(self->state.db, std::forward<Ts>(msg)...);
}

/// As checked(), for a statement: also refused unless the node lets peers
/// run it (no DDL without allow_ddl; never what breaks a shared connection).
template <class Answer, class... Ts>
caf::result<Answer> checked_statement(node_ptr self, const std::string& stmt,
                                      const std::vector<value>& params,
                                      Ts&&... msg) {
  if (auto err = check_request(self->state.limits, stmt, params))
    return refused(self, std::move(err));
  if (auto err = detail::check_statement(stmt, self->state.limits.allow_ddl))
    return refused(self, std::move(err));
  return self->delegate(self->state.db, std::forward<Ts>(msg)...);
}

/// Delegates a batch to the broker unless an operation is over the node's
/// limits or runs a statement the node refuses peers.
template <class... Ts>
caf::result<std::vector<batch_result>>
checked_batch(node_ptr self, std::vector<batch_op>& ops, Ts... rest) {
  // A batch would write groups other nodes own without their fence: refused
  // until batches hold and fence every group on its owner.
  if (self->state.membership)
    return refused(self,
                   make_error(errc::invalid_argument,
                              "batches are not supported in cluster mode yet: "
                              "their groups may be owned by other nodes"));
  auto& limits = self->state.limits;
  if (auto err = check_batch(ops, limits.allow_ddl))
    return refused(self, std::move(err));
  for (std::size_t i = 0; i < ops.size(); ++i) {
    auto& op = ops[i];
    caf::error err;
    if (op.kind == batch_kind::statement)
      err = check_request(limits, op.text, op.params);
    auto bytes = op.x.bytes.size();
    if (!err && bytes > limits.value_bytes)
      err = too_large("a value", bytes, limits.value_bytes);
    if (err)
      return refused(self,
                     make_error(errc::invalid_argument,
                                describe(op, i) + ": " +
                                    err.context().get_as<std::string>(0)));
  }
  return self->delegate(self->state.db, batch_atom::value, std::move(ops),
                        rest...);
}

/// Whether `target` takes a relay in one message (an items actor), or must
/// be asked for each request.
bool takes_relays(const caf::actor& target) {
  auto* a = dynamic_cast<caf::monitorable_actor*>(
      caf::actor_cast<caf::abstract_actor*>(target));
  return a != nullptr && std::strcmp(a->name(), detail::items_actor_name) == 0;
}

/// Hands the relay to its target when it takes relays; else asks it for
/// each of its requests, in their order, and answers all of them in one
/// message (net/detail/relay.hpp). A request of an op the node does not
/// know is answered unexpected_message.
caf::result<caf::message> relay(node_ptr self, caf::message_view& x) {
  auto msg = x.move_content_to_message();
  auto target = msg.get_as<caf::actor>(1);
  using requests_type = std::vector<detail::relayed_request>;
  auto& requests = msg.get_mutable_as<requests_type>(2);
  if (auto err = detail::check_relay_size(requests.size()))
    return refused(self, std::move(err));
  if (auto err = detail::check_relay_target(target, self->address()))
    return refused(self, std::move(err));
  if (takes_relays(target)) // which counts it
    return self->delegate(target, relay_atom::value, std::move(requests));
  detail::count_relay(requests.size());
  auto batch = std::make_shared<detail::gathered_answers>(
      requests.size(), [rp = self->make_response_promise()](
                           std::vector<caf::message>&& xs) mutable {
        rp.deliver(detail::as_relayed_answers(std::move(xs)));
      });
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto request = detail::to_message(std::move(requests[i]));
    if (request.empty()) {
      batch->settle(i, caf::make_message(
                           caf::make_error(caf::sec::unexpected_message)));
      continue;
    }
    auto sent = self->request(target, caf::infinite, std::move(request));
    self->add_multiplexed_response_handler(
        sent.id(), self->state.relayed.expect(sent.id(), {batch, i}));
  }
  batch->handed_out();
  return caf::delegated<caf::message>{};
}

node::behavior_type node_impl(node_ptr self, node db, node_limits limits,
                              cluster_membership membership,
                              group_ownership ownership) {
  self->state.db = std::move(db);
  self->state.limits = limits;
  self->state.membership = std::move(membership);
  self->state.ownership = std::move(ownership);
  self->state.relayed.init(self, [](relayed_place place, caf::message answer) {
    place.first->settle(place.second, std::move(answer));
  });
  // Outside the typed interface: relays from clients' stand-ins and, in
  // cluster mode, other nodes asking for the groups this one owns. Peers
  // may send anything: a message of another type is refused (requests get
  // unexpected_message) without a line on stderr for each.
  self->set_default_handler(
      [self](caf::scheduled_actor* ptr,
             caf::message_view& x) -> caf::result<caf::message> {
        if (x.content()
                .match_elements<relay_atom, caf::actor,
                                std::vector<detail::relayed_request>>())
          return relay(self, x);
        if (self->state.ownership)
          return detail::answer_own(self, self->state.ownership,
                                    self->state.db, x);
        return caf::drop(ptr, x);
      });
  return {
      [=](table_atom a, table_def& def) {
        return self->delegate(self->state.db, a, std::move(def));
      },
      [=](sql_atom a, std::string& stmt, std::vector<value>& params) {
        return checked_statement<result_set>(self, stmt, params, a,
                                             std::move(stmt),
                                             std::move(params));
      },
      [=](prepare_atom a, std::string& name, std::string& stmt) {
        return checked_statement<void>(self, stmt, {}, a, std::move(name),
                                       std::move(stmt));
      },
      [=](execute_atom a, std::string& name, std::vector<value>& params) {
        return checked<result_set>(self, name, params, a, std::move(name),
                                   std::move(params));
      },
      [=](query_atom a, std::string& stmt, std::vector<value>& params) {
        return checked_statement<cursor_info>(self, stmt, params, a,
                                              std::move(stmt),
                                              std::move(params));
      },
      [=](query_atom a, std::string& stmt, std::vector<value>& params,
          row_consumer& to, std::uint32_t credit) {
        return checked_statement<cursor_info>(self, stmt, params, a,
                                              std::move(stmt),
                                              std::move(params), std::move(to),
                                              credit);
      },
      [=](insert_atom a, insert_spec& spec) {
        return self->delegate(self->state.db, a, std::move(spec));
      },
      [=](items_atom a, std::int64_t group) -> caf::result<items> {
        if (auto& o = self->state.ownership)
          return detail::route_group<items>(self, o, self->state.db,
                                            group_kind::items, group);
        return self->delegate(self->state.db, a, group);
      },
      [=](dict_atom a, std::int64_t group) -> caf::result<dict> {
        if (auto& o = self->state.ownership)
          return detail::route_group<dict>(self, o, self->state.db,
                                           group_kind::dict, group);
        return self->delegate(self->state.db, a, group);
      },
      [=](array_atom a, std::int64_t group) -> caf::result<array> {
        if (auto& o = self->state.ownership)
          return detail::route_group<array>(self, o, self->state.db,
                                            group_kind::array, group);
        return self->delegate(self->state.db, a, group);
      },
      [=](status_atom a) { return self->delegate(self->state.db, a); },
      [=](prepared_atom a, std::string& name) {
        return self->delegate(self->state.db, a, std::move(name));
      },
      [=](sql_atom a, std::string& stmt,
          named_values& params) -> caf::result<result_set> {
        if (auto err = check_request(self->state.limits, stmt, params))
          return refused(self, std::move(err));
        return checked_statement<result_set>(self, stmt, {}, a, std::move(stmt),
                                             std::move(params));
      },
      [=](execute_atom a, std::string& name,
          named_values& params) -> caf::result<result_set> {
        if (auto err = check_request(self->state.limits, name, params))
          return refused(self, std::move(err));
        return checked<result_set>(self, name, {}, a, std::move(name),
                                   std::move(params));
      },
      [=](query_atom a, std::string& stmt,
          named_values& params) -> caf::result<cursor_info> {
        if (auto err = check_request(self->state.limits, stmt, params))
          return refused(self, std::move(err));
        return checked_statement<cursor_info>(
            self, stmt, {}, a, std::move(stmt), std::move(params));
      },
      [=](query_atom a, std::string& stmt, named_values& params,
          row_consumer& to, std::uint32_t credit) -> caf::result<cursor_info> {
        if (auto err = check_request(self->state.limits, stmt, params))
          return refused(self, std::move(err));
        return checked_statement<cursor_info>(
            self, stmt, {}, a, std::move(stmt), std::move(params),
            std::move(to), credit);
      },
      [=](cluster_atom a) -> caf::result<cluster_view> {
        if (!self->state.membership)
          return self->delegate(self->state.db, a);
        return self->delegate(self->state.membership, a);
      },
      // The same with a trailing priority; the broker checks its range.
      [=](table_atom a, table_def& def, priority prio) {
        return self->delegate(self->state.db, a, std::move(def), prio);
      },
      [=](sql_atom a, std::string& stmt, std::vector<value>& params,
          priority prio) {
        return checked_statement<result_set>(
            self, stmt, params, a, std::move(stmt), std::move(params), prio);
      },
      [=](execute_atom a, std::string& name, std::vector<value>& params,
          priority prio) {
        return checked<result_set>(self, name, params, a, std::move(name),
                                   std::move(params), prio);
      },
      [=](query_atom a, std::string& stmt, std::vector<value>& params,
          priority prio) {
        return checked_statement<cursor_info>(
            self, stmt, params, a, std::move(stmt), std::move(params), prio);
      },
      [=](query_atom a, std::string& stmt, std::vector<value>& params,
          row_consumer& to, std::uint32_t credit, priority prio) {
        return checked_statement<cursor_info>(
            self, stmt, params, a, std::move(stmt), std::move(params),
            std::move(to), credit, prio);
      },
      [=](sql_atom a, std::string& stmt, named_values& params,
          priority prio) -> caf::result<result_set> {
        if (auto err = check_request(self->state.limits, stmt, params))
          return refused(self, std::move(err));
        return checked_statement<result_set>(self, stmt, {}, a, std::move(stmt),
                                             std::move(params), prio);
      },
      [=](execute_atom a, std::string& name, named_values& params,
          priority prio) -> caf::result<result_set> {
        if (auto err = check_request(self->state.limits, name, params))
          return refused(self, std::move(err));
        return checked<result_set>(self, name, {}, a, std::move(name),
                                   std::move(params), prio);
      },
      [=](query_atom a, std::string& stmt, named_values& params,
          priority prio) -> caf::result<cursor_info> {
        if (auto err = check_request(self->state.limits, stmt, params))
          return refused(self, std::move(err));
        return checked_statement<cursor_info>(
            self, stmt, {}, a, std::move(stmt), std::move(params), prio);
      },
      [=](query_atom a, std::string& stmt, named_values& params,
          row_consumer& to, std::uint32_t credit,
          priority prio) -> caf::result<cursor_info> {
        if (auto err = check_request(self->state.limits, stmt, params))
          return refused(self, std::move(err));
        return checked_statement<cursor_info>(
            self, stmt, {}, a, std::move(stmt), std::move(params),
            std::move(to), credit, prio);
      },
      [=](batch_atom, std::vector<batch_op>& ops) {
        return checked_batch(self, ops);
      },
      [=](batch_atom, std::vector<batch_op>& ops, priority prio) {
        return checked_batch(self, ops, prio);
      },
  };
}

} // namespace

node spawn_node(caf::actor_system& sys, node db, node_limits limits) {
  return sys.spawn(node_impl, std::move(db), limits, cluster_membership{},
                   group_ownership{});
}

node spawn_node(caf::actor_system& sys, node db, node_limits limits,
                cluster_membership membership) {
  return sys.spawn(node_impl, std::move(db), limits, std::move(membership),
                   group_ownership{});
}

node spawn_node(caf::actor_system& sys, node db, node_limits limits,
                cluster_membership membership, group_ownership ownership) {
  return sys.spawn(node_impl, std::move(db), limits, std::move(membership),
                   std::move(ownership));
}

} // namespace sasync
