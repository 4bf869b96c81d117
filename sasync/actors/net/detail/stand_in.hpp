// The parts of connect_node's stand-in that the cluster client reuses.
#pragma once

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>
#include <caf/local_actor.hpp>
#include <caf/message.hpp>

#include <caf/message_id.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace sasync::detail {

/// A stand-in for the node's actor `target` (a proxy from the middleman's
/// handshake), as connect_node makes: it fails its waiting requests with
/// unreachable and quits when the node goes away.
caf::actor spawn_node_stand_in(caf::actor_system& sys, caf::actor target,
                               std::string where);

/// Ends `linked` for `reason` and keeps the link: CAF unlinks an actor from
/// the sender of an exit message, so its end would not reach the sender.
void end_linked(const caf::actor& linked, const caf::error& reason);

/// A response handler for every answer type of a node's handles; `settle`
/// gets the answer as a message (an error as a message of one error).
/// A new answer type of node needs adding here (remote.cpp).
caf::behavior relay_answers(std::function<void(caf::message)> settle);

/// The answers to the requests an actor forwarded, found by message id: one
/// response handler serves them all. Made per request, a handler with a
/// case for every answer type costs more than the rest of the request.
/// `Key` is what the actor needs to settle an answer: its request's place.
template <class Key>
class forwarded_answers {
public:
  using settle_fn = std::function<void(Key, caf::message)>;

  /// Makes the handler: `settle` gets each answer with the key its request
  /// was sent under. Call once, from the actor `self` that keeps this.
  void init(caf::local_actor* self, settle_fn settle) {
    handler_ = relay_answers([this, self, settle](caf::message answer) {
      auto i = keys_.find(self->current_message_id().request_id());
      if (i == keys_.end())
        return;
      auto key = std::move(i->second);
      keys_.erase(i);
      settle(std::move(key), std::move(answer));
    });
  }

  /// The handler to add for the request `sent`, remembered under `key`.
  const caf::behavior& expect(caf::message_id sent, Key key) {
    keys_.emplace(sent.request_id(), std::move(key));
    return handler_;
  }

private:
  std::unordered_map<caf::message_id, Key> keys_;
  caf::behavior handler_;
};

} // namespace sasync::detail
