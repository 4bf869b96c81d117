// connect_cluster's stand-in: an untyped relay in front of connect_node's
// stand-in for one node of the cluster at a time. It keeps each request it
// relayed until the answer comes, so a request that never reached its node
// (the node's stand-in had already quit) goes again through the next one,
// and it reconnects with the middleman's own asynchronous handshake, so no
// scheduler thread waits for a node. The items, dict and array handles it
// hands out are group stand-ins: each asks the relay for its group again
// when the group's owner went away, was fenced or handed the group over,
// and sends there what the old owner never executed.
#include "sasync/actors/net/remote.hpp"

#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/weak_timer.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/in_words.hpp"
#include "sasync/actors/net/detail/stand_in.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timestamp.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <map>
#include <set>

namespace sasync {

namespace {

/// Requests held while no node is connected, beyond which new ones are
/// refused with overloaded.
constexpr std::size_t waiting_capacity = 10'000;

/// How long a group stand-in keeps asking for its group (a takeover waits
/// for the old owner's lease at most) before its held requests fail.
constexpr auto lookup_patience = std::chrono::seconds{30};

/// How often the client asks the node in use for the members: a node that
/// joined since (at an address the caller never gave) is then known when
/// the nodes the caller gave are gone.
constexpr auto members_refresh = std::chrono::seconds{2};

/// The first wait before a lookup asks again; it doubles up to the second.
constexpr auto lookup_delay = std::chrono::milliseconds{20};
constexpr auto lookup_max_delay = std::chrono::milliseconds{500};

struct held_request {
  caf::response_promise rp;
  caf::message msg;
  /// The relay's own lookups: gets the answer instead of `rp`.
  std::function<void(caf::message)> on_answer;
  caf::actor_addr sent_to; ///< the node stand-in it went through last

  void answer(caf::message x) {
    if (on_answer)
      on_answer(std::move(x));
    else
      rp.deliver(std::move(x));
  }
};

struct cluster_client_state {
  /// The nodes the caller gave, tried first and kept whatever the views say.
  std::vector<endpoint> seeds;
  /// The seeds and the other members the last view listed alive.
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
  bool asking_members = false; ///< a refresh is on its way
  std::size_t tried = 0; ///< endpoints tried in this round
  std::string failures;  ///< their reasons, for the error
  std::deque<held_request> waiting;
  /// The requests relayed and not answered yet.
  detail::forwarded_answers<held_request> in_flight;
  /// The group stand-ins handed out, by (kind, group): one per group while
  /// its users hold it. Weakly: each holds this actor, which asks for its
  /// group again when its owner moves.
  std::map<std::pair<std::int16_t, std::int64_t>, caf::actor_addr> groups;
  /// The same the other way round, to forget one that ended.
  std::map<caf::actor_addr, std::pair<std::int16_t, std::int64_t>> group_of;
  /// Lookups waiting to ask again, by id (look_up).
  std::map<std::uint64_t, std::function<void()>> lookups;
  std::uint64_t next_lookup = 0;
  /// Why it quits once the stand-ins above have ended (end_after_stand_ins).
  std::optional<caf::error> ending;
  // Starts as connect_node's stand-in's name: the client helpers treat
  // both as remote (their default timeout, unreachable for a gone actor).
  static inline const char* name = "sasync.remote";
};

using client_ptr = caf::stateful_actor<cluster_client_state>*;

void connect_next(client_ptr self);

void relay(client_ptr self, held_request held);

/// The endpoints to try from now on: the seeds, then the other members
/// `view` lists alive (a dead or departed member's address is dropped, so
/// restarts at new ports do not pile up).
void learn_members(client_ptr self, const cluster_view& view) {
  auto& st = self->state;
  auto known = st.seeds;
  for (auto& m : view.members)
    if (auto at = parse_endpoint(m.address);
        at && m.alive &&
        std::find(known.begin(), known.end(), *at) == known.end())
      known.push_back(std::move(*at));
  st.endpoints = std::move(known);
  // The next to try is the one after the node in use: tried first when
  // that node dies, it could still be in CAF's cache of connections and
  // fail what waits for the next node.
  auto in_use = std::find_if(
      st.endpoints.begin(), st.endpoints.end(),
      [&](const endpoint& at) { return at.to_string() == st.where; });
  auto index = static_cast<std::size_t>(in_use - st.endpoints.begin());
  st.next = in_use == st.endpoints.end() ? 0
                                         : (index + 1) % st.endpoints.size();
}

/// The answer to the relayed request `held`.
void relay_answered(client_ptr self, held_request held, caf::message answer) {
  auto& st = self->state;
  // The node's stand-in had quit before it took the request: it never
  // reached the node, so it may go through the next one.
  if (answer.match_elements<caf::error>() &&
      answer.get_as<caf::error>(0) == caf::sec::request_receiver_down) {
    if (st.current && st.current.address() != held.sent_to)
      return relay(self, std::move(held)); // a newer node is in use
    st.waiting.push_back(std::move(held));
    if (!st.connecting)
      connect_next(self);
    return;
  }
  // A view on its way to the caller teaches the members too.
  if (answer.match_elements<cluster_view>())
    learn_members(self, answer.get_as<cluster_view>(0));
  held.answer(std::move(answer));
}

/// Relays `held` to the node in use and keeps it until its answer.
void relay(client_ptr self, held_request held) {
  auto& st = self->state;
  held.sent_to = st.current.address();
  auto sent = self->request(st.current, caf::infinite, held.msg);
  self->add_multiplexed_response_handler(
    sent.id(), st.in_flight.expect(sent.id(), std::move(held)));
}

/// Fails every held request with unreachable.
void fail_waiting(client_ptr self, const std::string& why) {
  auto& st = self->state;
  auto err = make_error(errc::unreachable, why);
  for (auto& held : st.waiting)
    held.answer(caf::make_message(err));
  st.waiting.clear();
}

/// Sets the next refresh of the members (the tick_atom handler).
void refresh_later(client_ptr self) {
  detail::send_later_weakly(self, members_refresh,
                            caf::make_message(tick_atom::value));
}

/// Asks the node in use for the members, unless it is asked already.
void refresh_members(client_ptr self) {
  auto& st = self->state;
  if (!st.current || st.asking_members)
    return;
  st.asking_members = true;
  auto sent = self->request(st.current, caf::duration{std::chrono::seconds{10}},
                            cluster_atom::value);
  // Answered either way, the bound leaves CAF's clock, which would hold
  // this actor until it passed: the next refresh comes sooner, so the
  // handle would never go.
  auto answered = [self, id = sent.id()] {
    self->clock().cancel_request_timeout(self, id);
    self->state.asking_members = false;
  };
  std::move(sent).then(
      [self, answered](cluster_view& view) {
        answered();
        learn_members(self, view);
      },
      // Not clustered, busy or gone: the list stays.
      [answered](caf::error&) { answered(); });
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
  refresh_members(self);
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
  if (st.ending)
    return fail_waiting(self, "the cluster connection was closed");
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
            if (self->state.ending)
              return;
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

/// Sends `held` through the node in use, or holds it until one is connected.
void submit(client_ptr self, held_request held) {
  auto& st = self->state;
  if (st.current) {
    relay(self, std::move(held));
  } else if (st.waiting.size() >= waiting_capacity) {
    held.answer(caf::make_message(make_error(
        errc::overloaded, "too many requests wait for a node of the cluster")));
  } else {
    st.waiting.push_back(std::move(held));
    if (!st.connecting)
      connect_next(self);
  }
}

/// Whether a failed lookup of a group may succeed later: its owner is
/// moving (stopped, killed, handing over) or the node asked is busy.
bool worth_asking_again(const caf::error& err) {
  if (err.category() != errc_category)
    return err == caf::sec::request_timeout;
  return is_retryable(err) || is(err, errc::unreachable) ||
         is(err, errc::shutting_down) || is(err, errc::timeout);
}

/// The group's message for a node: items, dict or array of `group`.
caf::message group_request(std::int16_t kind, std::int64_t group) {
  switch (static_cast<group_kind>(kind)) {
  case group_kind::items:
    return caf::make_message(items_atom::value, group);
  case group_kind::dict:
    return caf::make_message(dict_atom::value, group);
  default:
    return caf::make_message(array_atom::value, group);
  }
}

using lookup_done = std::function<void(caf::expected<caf::actor>)>;

/// Asks the node in use for the actor of a group (through its stand-in);
/// asks again, with growing pauses, while the group's owner is moving and
/// `deadline` has not passed.
void look_up(client_ptr self, std::int16_t kind, std::int64_t group,
             caf::timestamp deadline, std::chrono::milliseconds delay,
             lookup_done done) {
  held_request held;
  held.msg = group_request(kind, group);
  held.on_answer = [=](caf::message answer) {
    auto target = [&]() -> caf::actor {
      if (answer.match_elements<items>())
        return caf::actor_cast<caf::actor>(answer.get_as<items>(0));
      if (answer.match_elements<dict>())
        return caf::actor_cast<caf::actor>(answer.get_as<dict>(0));
      if (answer.match_elements<array>())
        return caf::actor_cast<caf::actor>(answer.get_as<array>(0));
      return {};
    }();
    if (target)
      return done(std::move(target));
    auto err = answer.match_elements<caf::error>()
                   ? answer.get_as<caf::error>(0)
                   : caf::make_error(caf::sec::unexpected_response);
    if (!worth_asking_again(err) || caf::make_timestamp() + delay > deadline)
      return done(std::move(err));
    auto& st = self->state;
    auto id = st.next_lookup++;
    auto next = std::min(delay * 2, lookup_max_delay);
    st.lookups.emplace(id, [=] {
      look_up(self, kind, group, deadline, next, done);
    });
    self->delayed_send(self, delay, tick_atom::value, id);
  };
  submit(self, std::move(held));
}

// -- group stand-ins ---------------------------------------------------------

struct group_call {
  caf::response_promise rp;
  caf::message msg;
};

struct group_stand_in_state {
  caf::actor relay;
  std::int16_t kind = 0;
  std::int64_t group = 0;
  /// The group's actor as the node that handed it out stands in for it;
  /// none while the stand-in asks for the group again.
  caf::actor target;
  bool resolving = false;
  /// Requests go straight to `target` only when nothing is held: after a
  /// move, those sent to the old owner must all be answered first, so the
  /// ones it refused go again before any later one (the order per name).
  bool ready = true;
  std::uint64_t next_seq = 0;
  /// Sent and not answered yet, by their order of arrival.
  std::map<std::uint64_t, group_call> in_flight;
  detail::forwarded_answers<std::uint64_t> answers; ///< of in_flight, by seq
  /// Refused by an owner that did not execute them: sent again in order.
  std::map<std::uint64_t, group_call> again;
  /// Came while the group was looked up again.
  std::map<std::uint64_t, group_call> waiting;
  // Starts as connect_node's stand-in's name: the helpers treat it as
  // remote (and, unlike that one, let CAF bound its requests).
  static inline const char* name = "sasync.remote";
};

using group_ptr = caf::stateful_actor<group_stand_in_state>*;

void send_call(group_ptr self, std::uint64_t seq, group_call call);

/// Sends what was held, in order, once the group has an actor again and the
/// old one answered everything it was sent.
void release_held(group_ptr self) {
  auto& st = self->state;
  if (st.ready || st.resolving || !st.target || !st.in_flight.empty())
    return;
  auto held = std::move(st.again);
  st.again.clear();
  for (auto& [seq, call] : st.waiting)
    held.emplace(seq, std::move(call));
  st.waiting.clear();
  st.ready = true;
  for (auto& [seq, call] : held)
    send_call(self, seq, std::move(call));
}

/// Fails what is held (never sent anywhere, or refused unexecuted).
void fail_held(group_ptr self, const caf::error& err) {
  auto& st = self->state;
  for (auto* held : {&st.again, &st.waiting}) {
    for (auto& [seq, call] : *held)
      call.rp.deliver(err);
    held->clear();
  }
}

/// The group's owner went away, was fenced or hands the group over: asks
/// the relay (any live node) for the group again.
void look_up_again(group_ptr self) {
  auto& st = self->state;
  st.ready = false;
  st.target = nullptr;
  if (st.resolving)
    return;
  st.resolving = true;
  self->request(st.relay, caf::infinite, own_atom::value, st.kind,
                st.group)
      .then(
          [self](caf::actor& target) {
            auto& st = self->state;
            st.resolving = false;
            st.target = std::move(target);
            release_held(self);
          },
          [self](caf::error& err) {
            auto& st = self->state;
            st.resolving = false;
            fail_held(self, make_error(errc::unreachable,
                                       "no node of the cluster hands out "
                                       "group " +
                                           std::to_string(st.group) + ": " +
                                           self->system().render(err)));
          });
}

/// Not executed by the actor it was sent to, so safe to send elsewhere:
/// that actor was already gone, or it hands its group over (a group actor's
/// shutting_down marked retryable: open_requests.hpp).
bool not_executed(const caf::error& err) {
  return err == caf::sec::request_receiver_down ||
         (is(err, errc::shutting_down) && is_retryable(err));
}

/// The answer to call `seq`.
void call_answered(group_ptr self, std::uint64_t seq, caf::message answer) {
  auto& st = self->state;
  auto i = st.in_flight.find(seq);
  if (i == st.in_flight.end())
    return;
  auto call = std::move(i->second);
  st.in_flight.erase(i);
  if (answer.match_elements<caf::error>()) {
    auto& err = answer.get_as<caf::error>(0);
    if (not_executed(err)) {
      st.again.emplace(seq, std::move(call));
      look_up_again(self);
      return release_held(self);
    }
    // In flight when the owner died (its fate is unknown), or fenced:
    // answered as is; the next request goes to the group's new owner.
    if (is(err, errc::unreachable) || is(err, errc::fenced))
      look_up_again(self);
  }
  call.rp.deliver(std::move(answer));
  release_held(self);
}

void send_call(group_ptr self, std::uint64_t seq, group_call call) {
  auto& st = self->state;
  auto sent = self->request(st.target, caf::infinite, call.msg);
  st.in_flight.emplace(seq, std::move(call));
  self->add_multiplexed_response_handler(sent.id(),
                                         st.answers.expect(sent.id(), seq));
}

caf::behavior group_stand_in_impl(group_ptr self, caf::actor relay,
                                  std::int16_t kind, std::int64_t group,
                                  caf::actor target) {
  auto& st = self->state;
  st.answers.init(self, [self](std::uint64_t seq, caf::message answer) {
    call_answered(self, seq, std::move(answer));
  });
  st.relay = std::move(relay);
  st.kind = kind;
  st.group = group;
  st.target = std::move(target);
  // Ends with the relay (disconnect_node): nothing held is sent any more.
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    auto gone = make_error(errc::unreachable,
                           "the cluster connection was closed");
    fail_held(self, gone);
    for (auto& [seq, call] : st.in_flight)
      call.rp.deliver(gone);
    st.in_flight.clear();
    self->quit(em.reason);
  });
  self->set_default_handler(
      [self](caf::scheduled_actor*,
             caf::message_view& x) -> caf::result<caf::message> {
        auto& st = self->state;
        auto msg = x.move_content_to_message();
        if (!self->current_message_id().is_request()) {
          if (st.target)
            self->send(st.target, std::move(msg));
          return caf::delegated<caf::message>{};
        }
        auto rp = self->make_response_promise();
        auto seq = st.next_seq++;
        if (st.ready) {
          send_call(self, seq, {rp, std::move(msg)});
        } else {
          st.waiting.emplace(seq, group_call{rp, std::move(msg)});
          if (!st.target)
            look_up_again(self);
        }
        return rp;
      });
  return {[](sweep_atom) {}};
}

/// The stand-in of a group for the caller: the one handed out before while
/// its users hold it, or a new one in front of `target`.
caf::actor group_stand_in(client_ptr self, std::int16_t kind,
                          std::int64_t group, caf::actor target) {
  auto& st = self->state;
  auto key = std::make_pair(kind, group);
  if (auto i = st.groups.find(key); i != st.groups.end())
    if (auto known = caf::actor_cast<caf::strong_actor_ptr>(i->second))
      return caf::actor_cast<caf::actor>(std::move(known));
  auto h = self->system().spawn(group_stand_in_impl,
                                caf::actor_cast<caf::actor>(self), kind, group,
                                std::move(target));
  self->link_to(h);
  st.groups[key] = h.address();
  st.group_of[h.address()] = key;
  return h;
}

/// The kind and group of a request for a group's actor, if it is one.
std::optional<std::pair<std::int16_t, std::int64_t>>
group_asked(const caf::message& msg) {
  auto kind = [&]() -> std::int16_t {
    if (msg.match_elements<items_atom, std::int64_t>())
      return static_cast<std::int16_t>(group_kind::items);
    if (msg.match_elements<dict_atom, std::int64_t>())
      return static_cast<std::int16_t>(group_kind::dict);
    if (msg.match_elements<array_atom, std::int64_t>())
      return static_cast<std::int16_t>(group_kind::array);
    return 0;
  }();
  if (kind == 0)
    return std::nullopt;
  return std::make_pair(kind, msg.get_as<std::int64_t>(1));
}

/// The caller's handle for a group stand-in: items, dict or array.
caf::message as_handle(std::int16_t kind, const caf::actor& h) {
  switch (static_cast<group_kind>(kind)) {
  case group_kind::items:
    return caf::make_message(caf::actor_cast<items>(h));
  case group_kind::dict:
    return caf::make_message(caf::actor_cast<dict>(h));
  default:
    return caf::make_message(caf::actor_cast<array>(h));
  }
}

/// Quits once its stand-ins have ended, if it is ending.
void quit_when_alone(client_ptr self) {
  auto& st = self->state;
  if (st.ending && st.used.empty() && st.group_of.empty())
    self->quit(*st.ending);
}

/// Ends the node and group stand-ins it used and handed out, then itself:
/// as a node's stand-in does (remote.cpp), so that once it has ended, so
/// have they. A normal end leaves them be, as a link does (a node's
/// stand-in ignores a normal exit, so waiting for it would never end).
void end_after_stand_ins(client_ptr self, const caf::error& reason) {
  auto& st = self->state;
  if (!reason || reason == caf::exit_reason::normal)
    return self->quit(reason);
  st.ending = reason;
  st.current = nullptr;
  auto end = [&](const caf::actor_addr& addr) {
    if (auto linked = caf::actor_cast<caf::actor>(addr))
      detail::end_linked(linked, reason);
  };
  for (auto& addr : st.used)
    end(addr);
  for (auto& [addr, group] : st.group_of)
    end(addr);
  quit_when_alone(self);
}

caf::behavior cluster_client_impl(client_ptr self,
                                  std::vector<endpoint> endpoints,
                                  caf::duration connect_timeout, bool tls,
                                  caf::actor first, std::size_t first_index) {
  auto& st = self->state;
  st.in_flight.init(self, [self](held_request held, caf::message answer) {
    relay_answered(self, std::move(held), std::move(answer));
  });
  st.seeds = endpoints;
  st.endpoints = std::move(endpoints);
  st.connect_timeout = connect_timeout;
  st.tls = tls;
  st.next = (first_index + 1) % st.endpoints.size();
  use_node(self, std::move(first), st.endpoints[first_index].to_string());
  refresh_later(self);
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    // A group stand-in its users let go of (or one that ended with the
    // connection): the next caller gets a new one.
    if (auto i = st.group_of.find(em.source); i != st.group_of.end()) {
      if (auto g = st.groups.find(i->second);
          g != st.groups.end() && g->second == em.source)
        st.groups.erase(g);
      st.group_of.erase(i);
      return quit_when_alone(self);
    }
    if (auto i = st.used.find(em.source); i != st.used.end()) {
      st.used.erase(i);
      if (!st.current || em.source != st.current.address())
        return quit_when_alone(self);
      // The node went away; its stand-in failed what it was waiting for.
      st.current = nullptr;
      if (!st.connecting)
        connect_next(self);
      return;
    }
    if (em.source && em.reason == caf::exit_reason::normal)
      return;
    if (st.ending)
      return;
    fail_waiting(self, "the cluster connection was closed");
    end_after_stand_ins(self, em.reason);
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
        // Ending: answered as an actor that has quit would be.
        if (st.ending)
          return caf::make_error(caf::sec::request_receiver_down);
        auto rp = self->make_response_promise();
        auto deadline = caf::make_timestamp() + lookup_patience;
        // A group's actor, as a group stand-in; asked again while its owner
        // is moving.
        if (auto asked = group_asked(msg)) {
          auto [kind, group] = *asked;
          look_up(self, kind, group, deadline, lookup_delay,
                  [self, rp, kind = kind,
                   group = group](caf::expected<caf::actor> x) mutable {
                    if (!x)
                      return rp.deliver(std::move(x.error()));
                    if (self->state.ending)
                      return rp.deliver(
                          caf::make_error(caf::sec::request_receiver_down));
                    rp.deliver(as_handle(
                        kind, group_stand_in(self, kind, group, *x)));
                  });
          return rp;
        }
        // A group stand-in of this relay asks for its group again.
        if (msg.match_elements<own_atom, std::int16_t, std::int64_t>()) {
          look_up(self, msg.get_as<std::int16_t>(1),
                  msg.get_as<std::int64_t>(2), deadline, lookup_delay,
                  [rp](caf::expected<caf::actor> x) mutable {
                    if (!x)
                      return rp.deliver(std::move(x.error()));
                    rp.deliver(caf::make_message(std::move(*x)));
                  });
          return rp;
        }
        submit(self, {rp, std::move(msg), {}});
        return rp;
      });
  return {
      [](sweep_atom) {},
      // The members' refresh is due.
      [self](tick_atom) {
        if (!detail::sent_by_itself(self))
          return;
        refresh_members(self);
        refresh_later(self);
      },
      // A lookup's pause has passed: it asks again.
      [self](tick_atom, std::uint64_t id) {
        auto& lookups = self->state.lookups;
        if (auto i = lookups.find(id); i != lookups.end()) {
          auto again = std::move(i->second);
          lookups.erase(i);
          again();
        }
      },
  };
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
