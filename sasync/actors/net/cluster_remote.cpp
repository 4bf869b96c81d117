// connect_cluster's stand-in: an untyped relay in front of connect_node's
// stand-in for one node of the cluster at a time. It keeps each request it
// relayed until the answer comes, so a request that never reached its node
// (the node's stand-in had already quit) goes again through the next one,
// and it reconnects with the middleman's own asynchronous handshake, so no
// scheduler thread waits for a node.
#include "sasync/actors/net/remote.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/in_words.hpp"
#include "sasync/actors/net/detail/stand_in.hpp"
#include "sasync/actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace sasync {

namespace {

/// Requests held while no node is connected, beyond which new ones are
/// refused with overloaded.
constexpr std::size_t waiting_capacity = 10'000;

struct held_request {
  caf::response_promise rp;
  caf::message msg;
};

struct cluster_client_state {
  std::vector<endpoint> endpoints;
  std::size_t next = 0; ///< the endpoint to try next
  caf::duration connect_timeout;
  bool tls = false;
  caf::actor current; ///< the stand-in of the node in use, if any
  std::string where;  ///< its address
  /// Every node stand-in used so far: their ends are lost nodes, not a
  /// reason to quit.
  std::set<caf::actor_addr> used;
  bool connecting = false;
  std::size_t tried = 0; ///< endpoints tried in this round
  std::string failures;  ///< their reasons, for the error
  std::deque<held_request> waiting;
  std::map<std::uint64_t, held_request> in_flight;
  std::uint64_t next_id = 0;
  // The same name as connect_node's stand-in: the client helpers treat
  // both as remote (their default timeout, unreachable for a gone actor).
  static inline const char* name = "sasync.remote";
};

using client_ptr = caf::stateful_actor<cluster_client_state>*;

void connect_next(client_ptr self);

/// Relays `held` to the node in use and keeps it until its answer.
void relay(client_ptr self, held_request held) {
  auto& st = self->state;
  auto id = st.next_id++;
  auto to = st.current.address();
  auto sent = self->request(st.current, caf::infinite, held.msg);
  st.in_flight.emplace(id, std::move(held));
  self->add_multiplexed_response_handler(
      sent.id(), detail::relay_answers([self, id, to](caf::message answer) {
        auto& st = self->state;
        auto i = st.in_flight.find(id);
        if (i == st.in_flight.end())
          return;
        auto held = std::move(i->second);
        st.in_flight.erase(i);
        // The node's stand-in had quit before it took the request: it never
        // reached the node, so it may go through the next one.
        if (answer.match_elements<caf::error>() &&
            answer.get_as<caf::error>(0) == caf::sec::request_receiver_down) {
          if (st.current && st.current.address() != to)
            return relay(self, std::move(held)); // a newer node is in use
          st.waiting.push_back(std::move(held));
          if (!st.connecting)
            connect_next(self);
          return;
        }
        held.rp.deliver(std::move(answer));
      }));
}

/// Fails every held request with unreachable.
void fail_waiting(client_ptr self, const std::string& why) {
  auto& st = self->state;
  auto err = make_error(errc::unreachable, why);
  for (auto& held : st.waiting)
    held.rp.deliver(err);
  st.waiting.clear();
}

/// Adds the alive members the node lists to the endpoints to try.
void learn_members(client_ptr self) {
  self->request(self->state.current, caf::duration{std::chrono::seconds{10}},
                cluster_atom::value)
      .then(
          [self](cluster_view& view) {
            auto& known = self->state.endpoints;
            for (auto& m : view.members)
              if (auto at = parse_endpoint(m.address);
                  at && m.alive &&
                  std::find(known.begin(), known.end(), *at) == known.end())
                known.push_back(std::move(*at));
          },
          [](caf::error&) { /* not clustered or busy: the list stays */ });
}

void use_node(client_ptr self, caf::actor stand_in, std::string where) {
  auto& st = self->state;
  st.current = std::move(stand_in);
  st.where = std::move(where);
  st.connecting = false;
  st.tried = 0;
  st.failures.clear();
  // Linked: disconnect_node ends it with this one, and its end (its node
  // went away) reaches the exit handler below.
  self->link_to(st.current);
  st.used.insert(st.current.address());
  auto held = std::move(st.waiting);
  st.waiting.clear();
  for (auto& h : held)
    relay(self, std::move(h));
  learn_members(self);
}

/// One failed attempt: the next endpoint, or the end of the round.
void attempt_failed(client_ptr self, const std::string& where,
                    const std::string& why) {
  auto& st = self->state;
  st.failures += (st.failures.empty() ? "" : "; ") + where + ": " + why;
  if (++st.tried < st.endpoints.size())
    return connect_next(self);
  // Every endpoint failed: the waiting requests are answered, and the next
  // request starts a new round.
  fail_waiting(self,
               "no node of the cluster is reachable (" + st.failures + ")");
  st.connecting = false;
  st.tried = 0;
  st.failures.clear();
}

void connect_next(client_ptr self) {
  auto& st = self->state;
  st.connecting = true;
  auto at = st.endpoints[st.next];
  st.next = (st.next + 1) % st.endpoints.size();
  auto& sys = self->system();
  auto mm = st.tls ? sys.openssl_manager().actor_handle()
                   : sys.middleman().actor_handle();
  auto where = at.to_string();
  self->request(mm, st.connect_timeout, caf::connect_atom::value, at.host,
                at.port)
      .then(
          [self, where](caf::node_id&, caf::strong_actor_ptr& ptr,
                        std::set<std::string>& ifs) {
            if (!ptr)
              return attempt_failed(self, where, "no actor published there");
            if (!self->system().assignable<node>(ifs))
              return attempt_failed(self, where, "not a sasync node");
            use_node(
                self,
                detail::spawn_node_stand_in(
                    self->system(), caf::actor_cast<caf::actor>(ptr), where),
                where);
          },
          [self, where](caf::error& err) {
            attempt_failed(self, where, in_words(self->system(), err));
          });
}

caf::behavior cluster_client_impl(client_ptr self,
                                  std::vector<endpoint> endpoints,
                                  caf::duration connect_timeout, bool tls,
                                  caf::actor first, std::size_t first_index) {
  auto& st = self->state;
  st.endpoints = std::move(endpoints);
  st.connect_timeout = connect_timeout;
  st.tls = tls;
  st.next = (first_index + 1) % st.endpoints.size();
  use_node(self, std::move(first), st.endpoints[first_index].to_string());
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    if (auto i = st.used.find(em.source); i != st.used.end()) {
      st.used.erase(i);
      if (!st.current || em.source != st.current.address())
        return;
      // The node went away; its stand-in failed what it was waiting for.
      st.current = nullptr;
      if (!st.connecting)
        connect_next(self);
      return;
    }
    if (em.source && em.reason == caf::exit_reason::normal)
      return;
    fail_waiting(self, "the cluster connection was closed");
    self->quit(em.reason);
  });
  self->set_default_handler(
      [self](caf::scheduled_actor*,
             caf::message_view& x) -> caf::result<caf::message> {
        auto& st = self->state;
        auto msg = x.move_content_to_message();
        if (!self->current_message_id().is_request()) {
          if (st.current)
            self->send(st.current, std::move(msg));
          return caf::delegated<caf::message>{};
        }
        auto rp = self->make_response_promise();
        if (st.current) {
          relay(self, {rp, std::move(msg)});
        } else if (st.waiting.size() >= waiting_capacity) {
          rp.deliver(make_error(errc::overloaded,
                                "too many requests wait for a node of the "
                                "cluster"));
        } else {
          st.waiting.push_back({rp, std::move(msg)});
          if (!st.connecting)
            connect_next(self);
        }
        return rp;
      });
  return {[](sweep_atom) {}};
}

} // namespace

caf::expected<node> connect_cluster(caf::actor_system& sys,
                                    std::vector<endpoint> endpoints,
                                    client_timeout timeout) {
  if (endpoints.empty())
    return make_error(errc::invalid_argument, "no node address given");
  std::string failures;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    auto first =
        connect_node(sys, endpoints[i].host, endpoints[i].port, timeout);
    if (!first) {
      failures += (failures.empty() ? "" : "; ") + in_words(sys, first.error());
      continue;
    }
    auto tls = sys.has_openssl_manager() && tls_configured(sys.config());
    return caf::actor_cast<node>(sys.spawn(
        cluster_client_impl, std::move(endpoints), timeout.for_connect(), tls,
        caf::actor_cast<caf::actor>(*first), i));
  }
  return make_error(errc::unreachable,
                    "no node of the cluster is reachable: " + failures);
}

} // namespace sasync
