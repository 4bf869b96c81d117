// The stand-in actor: an untyped forwarder that keeps every request it
// forwarded until the answer comes, so it can fail them when the node's
// proxy goes down (CAF 0.17 would leave them to their timeouts).
#include "sasync/actors/net/remote.hpp"

#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/in_words.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/weak_timer.hpp"
#include "sasync/actors/net/detail/relay.hpp"
#include "sasync/actors/net/detail/stand_in.hpp"
#include "sasync/actors/net/refusal.hpp"
#include "sasync/actors/net/tls_error_queue.hpp"
#include "sasync/actors/net/tls_traffic.hpp"
#include "sasync/actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/after.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/remote_actor.hpp>

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <unordered_set>

namespace sasync {

namespace {

/// A message that waits to go to the target, in the order it came.
struct held_message {
  caf::message content;
  std::optional<std::uint64_t> request; ///< its id in pending; none: a send
  /// The op it travels as in a relay; none: it goes on its own.
  std::optional<detail::relayed_op> relayed;
  std::size_t bytes = 0; ///< in a relay (relay_bytes)
};

/// When unanswered requests stop waiting (bounded_atom), soonest first.
using deadline_index =
    std::multimap<caf::actor_clock::time_point, std::uint64_t>;

/// A request the stand-in answers once its answer comes, or earlier.
struct pending_request {
  caf::response_promise rp;
  /// Its place in the deadlines, when its requester bounded it.
  std::optional<deadline_index::iterator> deadline;
};

struct stand_in_state {
  caf::actor target;
  std::string where;
  /// The node's entry actor, which connect_node's stand-in stands for.
  caf::actor entry;
  /// Whether per-name requests go to the target in relays
  /// (net/detail/relay.hpp): through the entry actor when the target is
  /// another actor of the entry's node, or to the target itself when it is
  /// an items actor on another node (relays_direct).
  bool relays = false;
  /// Relays go to the target itself, which takes them whole: a group's
  /// items actor on its owner in a cluster, reached through the entry's
  /// node as the requests sent alone reach it (past the entry's checks;
  /// the items actor checks a relay's requests as it checks theirs).
  bool relays_direct = false;
  /// Whether the target lives on another node than the entry's (a group's
  /// owner in a cluster): its end is not the end of the node at `where`.
  bool elsewhere = false;
  std::map<std::uint64_t, pending_request> pending;
  std::uint64_t next_id = 0;
  /// The bounded requests' deadlines, and the one the stand-in's own timer
  /// (one message through CAF's clock for many requests) is set for.
  deadline_index deadlines;
  std::optional<caf::actor_clock::time_point> timer_at;
  /// Numbers the timers: one set for a later deadline, then replaced by a
  /// sooner one, finds that it is not the newest when it goes off.
  std::uint64_t timer_number = 0;
  /// The answers to requests sent on their own, by their id in pending.
  detail::forwarded_answers<std::uint64_t> answers;
  /// Those of them that are per-name requests (below).
  std::unordered_set<std::uint64_t> per_name_alone;
  /// What waits to go while relays are gathered or unanswered: a message
  /// sent on its own would overtake a relay still on its way.
  std::deque<held_message> held;
  /// Per-name requests on their way, alone or in relays.
  std::size_t on_the_way = 0;
  std::size_t relays_unanswered = 0;
  bool flush_due = false;
  /// The stand-ins handed out through this one, by the actor they stand in
  /// for: asking for the same actor again gives the same stand-in, so a
  /// client holds one per remote actor however often it asks.
  std::map<caf::actor_addr, caf::actor> stand_ins;
  /// The same stand-ins the other way round, to forget one that quit.
  std::map<caf::actor_addr, caf::actor_addr> stands_for;
  /// Why it quits once the stand-ins above have ended (end_after_stand_ins).
  std::optional<caf::error> ending;
  /// Starts as the cluster's stand-ins' names do ("sasync.remote"): the
  /// helpers treat both as remote, and only this one bounds requests.
  static inline const char* name = "sasync.remote.node";
};

using stand_in_ptr = caf::stateful_actor<stand_in_state>*;

/// Per-name requests and relays on their way to one target at most: while
/// they are, the next requests gather. Measured with `sasync-bench set
/// --remote` (64 clients): 2 made relays of 18 but left a third of the
/// clients waiting (0.34x in-process), 4 made relays of 10 (0.42x).
constexpr std::size_t relay_window = 4;

/// How long disconnect_node waits for the stand-ins to end: each only
/// fails what it holds and passes the exit on.
constexpr auto stand_ins_end_within = std::chrono::seconds{10};

/// `takes_relays`: the target is an items actor, which takes a relay
/// whole.
caf::actor spawn_stand_in(caf::actor_system& sys, caf::actor target,
                          std::string where, caf::actor entry,
                          bool takes_relays = false);

/// Handles in an answer become stand-ins too, so requests to them are kept
/// and failed the same way.
caf::message wrap_handles(stand_in_ptr self, caf::message msg) {
  auto& sys = self->system();
  auto& where = self->state.where;
  auto wrap = [&](const auto& handle) {
    using handle_type = std::decay_t<decltype(handle)>;
    auto target = caf::actor_cast<caf::actor>(handle);
    auto& known = self->state.stand_ins;
    auto i = known.find(target.address());
    if (i == known.end()) {
      auto sub = spawn_stand_in(sys, target, where, self->state.entry,
                                std::is_same_v<handle_type, items>);
      self->link_to(sub);
      self->state.stands_for.emplace(sub.address(), target.address());
      i = known.emplace(target.address(), std::move(sub)).first;
    }
    return caf::actor_cast<handle_type>(i->second);
  };
  if (msg.match_elements<items>())
    return caf::make_message(wrap(msg.get_as<items>(0)));
  if (msg.match_elements<dict>())
    return caf::make_message(wrap(msg.get_as<dict>(0)));
  if (msg.match_elements<array>())
    return caf::make_message(wrap(msg.get_as<array>(0)));
  if (msg.match_elements<bulk_insert>())
    return caf::make_message(wrap(msg.get_as<bulk_insert>(0)));
  if (msg.match_elements<cursor_info>()) {
    auto info = msg.get_as<cursor_info>(0);
    info.rows = wrap(info.rows);
    return caf::make_message(std::move(info));
  }
  return msg;
}

/// Hands the answer to request `id` to its requester, unless it stopped
/// waiting.
void settle(stand_in_ptr self, std::uint64_t id, caf::message answer) {
  auto& st = self->state;
  if (auto i = st.pending.find(id); i != st.pending.end()) {
    i->second.rp.deliver(std::move(answer));
    if (i->second.deadline)
      st.deadlines.erase(*i->second.deadline);
    st.pending.erase(i);
  }
}

/// Sets the stand-in's timer for the soonest deadline unless one is set
/// for it or sooner already.
void arm_deadline_timer(stand_in_ptr self) {
  auto& st = self->state;
  if (st.deadlines.empty())
    return;
  auto soonest = st.deadlines.begin()->first;
  if (st.timer_at && *st.timer_at <= soonest)
    return;
  st.timer_at = soonest;
  // Weakly: a stand-in its users let go of goes, bounded requests or not.
  detail::send_later_weakly(
      self, soonest - self->clock().now(),
      caf::make_message(bounded_atom::value, ++st.timer_number));
}

/// Timer `number` went off: requests past their bound get request_timeout,
/// as CAF's own timer would have answered them; their answers, if they
/// come, go nowhere. A replaced timer does nothing: the newest is still
/// set.
void expire_deadlines(stand_in_ptr self, std::uint64_t number) {
  auto& st = self->state;
  if (number != st.timer_number)
    return;
  st.timer_at.reset();
  auto now = self->clock().now();
  while (!st.deadlines.empty() && st.deadlines.begin()->first <= now) {
    auto id = st.deadlines.begin()->second;
    st.deadlines.erase(st.deadlines.begin());
    if (auto i = st.pending.find(id); i != st.pending.end()) {
      i->second.rp.deliver(caf::make_error(caf::sec::request_timeout));
      st.pending.erase(i);
    }
  }
  arm_deadline_timer(self);
}

/// Every answer type of node, items, dict, array, cursor and bulk_insert:
/// what connect_node's stand-in and connect_cluster's relay pass on.
using node_answers =
    caf::detail::type_list<result_set, cursor_info, bulk_insert, items, dict,
                           array, broker_status, caf::optional<stored_value>,
                           bool, std::uint64_t, std::vector<std::string>,
                           std::map<std::string, stored_value>, row_batch,
                           std::vector<value>, insert_progress, stored_value,
                           dict_status, caf::optional<versioned_value>,
                           cluster_view, std::vector<batch_result>>;

using settle_fn = std::function<void(caf::message)>;

// The handlers are classes, not lambdas in a variadic template: a lambda's
// debug name spells every answer type (handles among them, kilobytes each).

/// Passes an answer of type T on.
template <class T> struct pass_on {
  settle_fn settle;
  void operator()(T& x) const { settle(caf::make_message(std::move(x))); }
};

/// Passes a void answer on.
struct pass_on_void {
  settle_fn settle;
  void operator()() const { settle(caf::message{}); }
};

/// Passes an error on.
struct pass_on_error {
  settle_fn settle;
  void operator()(caf::error& err) const {
    settle(caf::make_message(std::move(err)));
  }
};

/// A response handler for each answer type; CAF 0.17 has no catch-all for
/// responses.
template <class... Answers>
caf::behavior relayed(settle_fn settle, caf::detail::type_list<Answers...>) {
  return caf::behavior{pass_on_void{settle}, pass_on_error{settle},
                       pass_on<Answers>{settle}...};
}

void send_held(stand_in_ptr self);

/// A per-name request or relay on its way is answered: the next relay may
/// go, and what waits behind the last relay too.
void answered(stand_in_ptr self, bool was_relay) {
  auto& st = self->state;
  --st.on_the_way;
  if (was_relay)
    --st.relays_unanswered;
  send_held(self);
}

/// The answer to request `id`, sent on its own.
void answered_alone(stand_in_ptr self, std::uint64_t id, caf::message answer) {
  // Too late (its bound passed, or the stand-in is ending): a handle in it
  // gets no stand-in.
  if (self->state.pending.count(id) > 0)
    settle(self, id, wrap_handles(self, std::move(answer)));
  if (self->state.per_name_alone.erase(id) > 0)
    answered(self, false);
}

/// Sends one message to the target on its own.
void send_alone(stand_in_ptr self, held_message msg) {
  auto& st = self->state;
  if (!msg.request) {
    self->send(st.target, std::move(msg.content));
    return;
  }
  if (msg.relayed) {
    ++st.on_the_way;
    st.per_name_alone.insert(*msg.request);
  }
  auto sent = self->request(st.target, caf::infinite, std::move(msg.content));
  self->add_multiplexed_response_handler(
      sent.id(), st.answers.expect(sent.id(), *msg.request));
}

/// Sends `requests` to the target in one relay: through the entry actor,
/// or to the target itself (relays_direct).
void relay(stand_in_ptr self, std::vector<std::uint64_t> ids,
           std::vector<detail::relayed_request> requests) {
  auto& st = self->state;
  ++st.on_the_way;
  ++st.relays_unanswered;
  auto sent = st.relays_direct
                  ? self->request(st.target, caf::infinite, relay_atom::value,
                                  std::move(requests))
                  : self->request(st.entry, caf::infinite, relay_atom::value,
                                  st.target, std::move(requests));
  sent
      .then(
          [self, ids](std::vector<detail::relayed_answer>& answers) {
            for (std::size_t i = 0; i < ids.size(); ++i) {
              if (i < answers.size())
                settle(self, ids[i], detail::to_message(std::move(answers[i])));
              else
                settle(self, ids[i],
                       caf::make_message(make_error(
                           errc::unreachable, "node " + self->state.where +
                                                  " left a relayed request "
                                                  "unanswered")));
            }
            answered(self, true);
          },
          [self, ids](caf::error& err) {
            for (auto id : ids)
              settle(self, id, caf::make_message(err));
            answered(self, true);
          });
}

/// Sends what waits, in order. Per-name requests go while fewer than
/// relay_window of them (alone or in relays) are on their way, all that
/// wait in one relay; so while the node works, the next ones gather.
/// Anything else goes on its own once no relay it could overtake is
/// unanswered.
void send_held(stand_in_ptr self) {
  auto& st = self->state;
  while (!st.held.empty()) {
    if (!st.held.front().relayed) {
      if (st.relays_unanswered > 0)
        return; // the last relay's answer sends the rest
      send_alone(self, std::move(st.held.front()));
      st.held.pop_front();
      continue;
    }
    if (st.on_the_way >= relay_window)
      return; // an answer sends the rest
    if (st.held.front().bytes > detail::max_relay_bytes) {
      // Too large for a relay: on its own, behind the relays before it.
      if (st.relays_unanswered > 0)
        return;
      send_alone(self, std::move(st.held.front()));
      st.held.pop_front();
      continue;
    }
    // The relayed requests at the front that fit in one relay.
    std::size_t count = 0;
    std::size_t bytes = 0;
    for (auto i = st.held.begin(); i != st.held.end() && i->relayed &&
                                   count < detail::max_relayed &&
                                   bytes + i->bytes <= detail::max_relay_bytes;
         ++i, ++count)
      bytes += i->bytes;
    if (count == 1 && st.relays_unanswered == 0) {
      send_alone(self, std::move(st.held.front()));
      st.held.pop_front();
      continue;
    }
    std::vector<std::uint64_t> ids;
    std::vector<detail::relayed_request> requests;
    for (; count > 0; --count) {
      auto& next = st.held.front();
      ids.push_back(*next.request);
      requests.push_back(
          detail::as_relayed_request(*next.relayed, std::move(next.content)));
      st.held.pop_front();
    }
    relay(self, std::move(ids), std::move(requests));
  }
}

/// Quits once the stand-ins it handed out have ended, if it is ending.
void quit_when_alone(stand_in_ptr self) {
  auto& st = self->state;
  if (st.ending && st.stand_ins.empty())
    self->quit(*st.ending);
}

/// Ends the stand-ins it handed out, then itself: once it has ended, so
/// have they (disconnect_node waits for that). CAF's scheduler, stopping
/// with an actor still in its queue, ends it without destroying its state,
/// whose memory is then lost. A normal end (a cursor that is done) leaves
/// them be, as a link does.
void end_after_stand_ins(stand_in_ptr self, const caf::error& reason) {
  auto& st = self->state;
  if (!reason || reason == caf::exit_reason::normal)
    return self->quit(reason);
  st.ending = reason;
  for (auto& [target, sub] : st.stand_ins)
    detail::end_linked(sub, reason);
  quit_when_alone(self);
}

/// Fails every request still waiting with unreachable, then quits.
/// `target_down`: the target ended, not the stand-in it came through.
void fail_and_quit(stand_in_ptr self, const caf::error& reason,
                   bool target_down) {
  auto& st = self->state;
  if (st.ending)
    return;
  auto who = target_down && st.elsewhere
                 ? "the actor's node (reached through " + st.where + ")"
                 : "node " + st.where;
  auto gone =
      make_error(errc::unreachable,
                 who + " went away: " + in_words(self->system(), reason));
  // A target that ended normally while its node stays (a group actor after
  // its close, which answers all it took first) never took what still
  // waits: its node bounces those, but its down message may come first.
  if (!reason || reason == caf::exit_reason::normal)
    gone = caf::make_error(caf::sec::request_receiver_down);
  for (auto& [id, request] : st.pending)
    request.rp.deliver(gone);
  st.pending.clear();
  st.deadlines.clear();
  st.held.clear();
  // Peers know this actor by id, so CAF keeps it registered until it
  // quits. When its node went away, so did the targets of the stand-ins it
  // handed out: their own down messages end them, with no wait here.
  if (target_down)
    return self->quit(reason);
  end_after_stand_ins(self, reason);
}

caf::behavior stand_in_impl(stand_in_ptr self, caf::actor target,
                            std::string where, caf::actor entry,
                            bool takes_relays) {
  auto& st = self->state;
  st.target = std::move(target);
  st.where = std::move(where);
  st.entry = entry ? std::move(entry) : st.target;
  st.elsewhere = st.target->node() != st.entry->node();
  st.relays_direct = st.elsewhere && takes_relays;
  st.relays = st.relays_direct || (st.entry != st.target && !st.elsewhere);
  st.answers.init(self, [self](std::uint64_t id, caf::message answer) {
    answered_alone(self, id, std::move(answer));
  });
  self->monitor(st.target);
  // The target ended: a cursor that is done (normal), or the node went
  // away (remote_link_unreachable, which the linked stand-ins follow).
  self->set_down_handler(
      [self](caf::down_msg& dm) { fail_and_quit(self, dm.reason, true); });
  // A stand-in handed out through this one ended: its target did, on this
  // node or on another (a group's owner in a cluster), which is no reason
  // to fail this node's other requests; if this node went away, the down
  // message of the target says so. Any other exit (disconnect_node) is.
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    if (auto i = st.stands_for.find(em.source); i != st.stands_for.end()) {
      st.stand_ins.erase(i->second);
      st.stands_for.erase(i);
      return quit_when_alone(self);
    }
    if (em.reason != caf::exit_reason::normal)
      fail_and_quit(self, em.reason, false);
  });
  self->set_default_handler(
      [self](caf::scheduled_actor*,
             caf::message_view& x) -> caf::result<caf::message> {
        auto& st = self->state;
        // Ending: answered as a stand-in that has quit would be.
        if (st.ending) {
          if (self->current_message_id().is_request())
            return caf::make_error(caf::sec::request_receiver_down);
          return caf::delegated<caf::message>{};
        }
        held_message msg{x.move_content_to_message(), std::nullopt, {}};
        caf::response_promise rp;
        // A plain send (credit, cancel) is passed on, with nothing to
        // answer.
        if (self->current_message_id().is_request()) {
          rp = self->make_response_promise();
          msg.request = st.next_id++;
          auto& request =
              st.pending.emplace(*msg.request, pending_request{rp, {}})
                  .first->second;
          if (msg.content.match_elements<bounded_atom, caf::duration,
                                         caf::message>()) {
            auto deadline = self->clock().now();
            deadline += msg.content.get_as<caf::duration>(1);
            request.deadline =
                st.deadlines.emplace(deadline, *msg.request);
            msg.content = msg.content.get_as<caf::message>(2);
            arm_deadline_timer(self);
          }
          if (st.relays)
            msg.relayed = detail::relayed_op_of(msg.content);
          if (msg.relayed)
            msg.bytes = detail::relay_bytes(msg.content);
        }
        if (!msg.relayed && st.held.empty() && st.relays_unanswered == 0) {
          send_alone(self, std::move(msg));
        } else {
          // Gathered until the messages in the mailbox before the flush
          // have come too.
          st.held.push_back(std::move(msg));
          if (!st.flush_due) {
            st.flush_due = true;
            self->send(self, relay_atom::value);
          }
        }
        if (!rp.pending())
          return caf::delegated<caf::message>{};
        return rp;
      });
  // Everything real goes through the default handler above; the flush is
  // the stand-in's own.
  return {[self](relay_atom) {
            if (!detail::sent_by_itself(self))
              return;
            self->state.flush_due = false;
            send_held(self);
          },
          [self](bounded_atom, std::uint64_t number) {
            if (detail::sent_by_itself(self))
              expire_deadlines(self, number);
          }};
}

caf::actor spawn_stand_in(caf::actor_system& sys, caf::actor target,
                          std::string where, caf::actor entry,
                          bool takes_relays) {
  // Hidden: a stand-in that has talked to its node stays registered for
  // the node until it quits (disconnect_node, or its node goes away), so a
  // handle let go without disconnect_node would hold its actor system's
  // end for ever if CAF waited for it.
  return sys.spawn<caf::hidden>(stand_in_impl, std::move(target),
                                std::move(where), std::move(entry),
                                takes_relays);
}

/// The node's actor at host:port, or why not. CAF's remote_actor waits for
/// the handshake without a limit (a stopped node would hold the caller
/// forever), so this asks the middleman itself, with a timeout.
caf::expected<caf::strong_actor_ptr>
handshake(caf::actor_system& sys, bool tls, const std::string& host,
          std::uint16_t port, caf::duration timeout) {
  auto mm = tls ? sys.openssl_manager().actor_handle()
                : sys.middleman().actor_handle();
  caf::scoped_actor self{sys};
  caf::expected<caf::strong_actor_ptr> out{caf::sec::none};
  auto h = self->request(mm, timeout, caf::connect_atom::value, host, port);
  h.receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr,
          std::set<std::string>& ifs) {
        if (!ptr)
          out = caf::make_error(caf::sec::no_actor_published_at_port, port);
        else if (!sys.assignable<node>(ifs))
          out = caf::make_error(caf::sec::unexpected_actor_messaging_interface);
        else
          out = std::move(ptr);
      },
      [&](caf::error& err) { out = std::move(err); });
  self->clock().cancel_request_timeout(self.ptr(), h.id());
  return out;
}

} // namespace

namespace detail {

caf::actor spawn_node_stand_in(caf::actor_system& sys, caf::actor target,
                               std::string where) {
  return spawn_stand_in(sys, std::move(target), std::move(where), {});
}

void end_linked(const caf::actor& linked, const caf::error& reason) {
  // As CAF's anon_send_exit, which takes no error: from the actor itself.
  linked->enqueue(nullptr, caf::make_message_id(),
                  caf::make_message(caf::exit_msg{linked.address(), reason}),
                  nullptr);
}

caf::behavior relay_answers(std::function<void(caf::message)> settle) {
  return relayed(std::move(settle), node_answers{});
}

/// The name of `x`, an actor of this node (none otherwise).
const char* local_name(const caf::strong_actor_ptr& x) {
  if (!x || x->node() != x->home_system->node())
    return nullptr;
  auto actor = dynamic_cast<const caf::monitorable_actor*>(x->get());
  return actor != nullptr ? actor->name() : nullptr;
}

bool is_remote(const caf::strong_actor_ptr& x) {
  if (!x)
    return false;
  if (x->node() != x->home_system->node())
    return true;
  // connect_node's stand-ins and the cluster client's.
  constexpr std::string_view stand_ins = "sasync.remote";
  auto name = local_name(x);
  return name != nullptr &&
         std::strncmp(name, stand_ins.data(), stand_ins.size()) == 0;
}

bool is_stand_in(const caf::strong_actor_ptr& x) {
  auto name = local_name(x);
  return name != nullptr && std::strcmp(name, stand_in_state::name) == 0;
}

} // namespace detail

caf::expected<node> connect_node(caf::actor_system& sys,
                                 const std::string& host, std::uint16_t port,
                                 client_timeout timeout) {
  auto where = host + ":" + std::to_string(port);
  auto tls = sys.has_openssl_manager() && tls_configured(sys.config());
  if (tls) {
    keep_tls_error_queue_clear();
    keep_tls_traffic_counted();
  }
  auto limit = timeout.for_connect();
  auto remote = handshake(sys, tls, host, port, limit);
  if (!remote) {
    std::string why;
    if (remote.error() == caf::sec::disconnect_during_handshake)
      why = why_refused(host, port, tls);
    else if (remote.error() == caf::sec::request_timeout)
      why = "no handshake within " + caf::to_string(limit) +
            " (is the node stopped or overloaded?)";
    return make_error(errc::unreachable,
                      "cannot reach node " + where + ": " +
                          (why.empty() ? in_words(sys, remote.error()) : why));
  }
  return caf::actor_cast<node>(
      spawn_stand_in(sys, caf::actor_cast<caf::actor>(*remote), where, {}));
}

void disconnect_node(const node& remote) {
  if (!remote)
    return;
  caf::scoped_actor self{remote.home_system(), true};
  self->monitor(remote);
  self->send_exit(remote, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg&) {},
                caf::after(stand_ins_end_within) >> [] {});
}

} // namespace sasync
