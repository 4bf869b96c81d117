// Requests batched on the wire. CAF 0.17 sends every message over BASP on
// its own (a header, the type names, a write, a wake-up of each side's
// network thread), which costs a node more than the operation itself. A
// client's stand-in for a group actor therefore gathers the small per-name
// requests waiting to go to it into one relay message to the node's entry
// actor, which hands it whole to an items actor (it answers them together,
// gathered_answers.hpp) or asks a dict for each and answers them together.
// A relay carries them as plain records, not as messages: each message in
// it would spell its type names again, and decoding those (parsing them,
// looking each up, making a value per element) cost both sides more than
// the rest of the relay.
#pragma once

#include "sasync/actors/priority.hpp"
#include "sasync/storage/stored_value.hpp"

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace sasync::detail {

/// The most requests one relay message carries; a node refuses a relay of
/// more.
constexpr std::size_t max_relayed = 32;

/// The most bytes of requests one relay carries, by relay_bytes(): with
/// the relay's own header it stays below the smallest message a node may
/// be configured to take (node.max-message-bytes, at least 4096), which it
/// would close the connection for. A larger request goes on its own.
constexpr std::size_t max_relay_bytes = 3840;

/// The per-name operations of items and dict that travel in relays, each
/// with or without a priority; their answers do not depend on who asks, so
/// the node's entry actor never asks on a peer's behalf what only the peer
/// may ask (a cursor or bulk insert is owned by its asker).
enum class relayed_op : std::uint8_t { set, get, insert, update, erase };

/// One request in a relay: `op` (a relayed_op) says which fields it uses —
/// `name` and `value` (set, insert, update), `name` (get), `names`
/// (delete). A node answers an `op` it does not know unexpected_message.
struct relayed_request {
  std::uint8_t op = 0;
  std::string name;
  stored_value value;
  std::vector<std::string> names;
  bool has_priority = false;
  priority prio;
};

/// Each field's decoding costs CAF's decoder a call and an error value, so
/// only the fields of the request's op go on the wire.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, relayed_request& x) {
  if constexpr (std::is_void_v<typename Inspector::result_type>) {
    f(caf::meta::type_name("relayed_request"), x.op, x.name, x.value, x.names,
      x.has_priority, x.prio);
  } else {
    if (auto err = f(x.op, x.has_priority))
      return err;
    if (x.has_priority)
      if (auto err = f(x.prio))
        return err;
    switch (static_cast<relayed_op>(x.op)) {
    case relayed_op::set:
    case relayed_op::insert:
    case relayed_op::update:
      return f(x.name, x.value);
    case relayed_op::get:
      return f(x.name);
    case relayed_op::erase:
      return f(x.names);
    }
    return {}; // an op the node answers unexpected_message
  }
}

/// One answer in a relay's answer, in the shape the request's own answer
/// has: nothing (set, insert, update; dict's delete), a value or none
/// (get), a count (items' delete), or an error.
struct relayed_answer {
  enum shape_type : std::uint8_t { nothing, value, count, failure };
  std::uint8_t shape = nothing;
  caf::optional<stored_value> got;
  std::uint64_t deleted = 0;
  caf::error error;
};

/// Only the field of the answer's shape goes on the wire.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, relayed_answer& x) {
  if constexpr (std::is_void_v<typename Inspector::result_type>) {
    f(caf::meta::type_name("relayed_answer"), x.shape, x.got, x.deleted,
      x.error);
  } else {
    if (auto err = f(x.shape))
      return err;
    switch (x.shape) {
    case relayed_answer::value:
      return f(x.got);
    case relayed_answer::count:
      return f(x.deleted);
    case relayed_answer::failure:
      return f(x.error);
    }
    return {}; // nothing, or a shape the client answers as unexpected
  }
}

/// The op `request` travels as in a relay, if its shape is one of them.
std::optional<relayed_op> relayed_op_of(const caf::message& request);

/// What `request` adds to a relay on the wire, at most: its strings and
/// value, and room for the rest.
std::size_t relay_bytes(const caf::message& request);

/// `request`, of the shape of `op` (relayed_op_of), as a relay carries it.
relayed_request as_relayed_request(relayed_op op, caf::message&& request);

/// The message the node asks its group actor with; an empty message for
/// an `op` it does not know.
caf::message to_message(relayed_request&& request);

/// An answer of the group actor as it goes back in a relay; an answer of
/// another shape becomes an error (none of items' and dict's per-name
/// operations has one).
relayed_answer as_relayed_answer(caf::message&& answer);

/// The answers of a relay's requests, in their order, as the relay's
/// answer carries them.
std::vector<relayed_answer>
as_relayed_answers(std::vector<caf::message>&& answers);

/// The answer as its requester expects it.
caf::message to_message(relayed_answer&& answer);

/// Counts a relay of `n` requests taken from a client, for /metrics: by
/// the group actor that takes it whole, or by the node that asks for each
/// request.
void count_relay(std::size_t n);

/// Why a relay of `n` requests is refused (more than max_relayed), as an
/// error; none when it is not.
caf::error check_relay_size(std::size_t n);

/// Why the node refuses to relay to `target` (none, unless it is no actor of
/// this node or the entry actor `self` itself), as an error.
caf::error check_relay_target(const caf::actor& target,
                              const caf::actor_addr& self);

} // namespace sasync::detail
