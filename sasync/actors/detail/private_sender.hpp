// The private messages of sasync's actors (the broker's close and open, an
// actor's own timers) are in their private interfaces only, and only public
// handles leave the broker; but a peer can send any message to a handle it
// holds. So each private handler checks who sent the message and answers
// anyone else as CAF answers a message outside the interface.
#pragma once

#include <caf/actor_addr.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

namespace sasync::detail {

/// Whether the message being handled comes from `sender`.
template <class Self>
bool sent_by(Self* self, const caf::actor_addr& sender) {
  auto& from = self->current_sender();
  return from != nullptr && sender && from->address() == sender;
}

/// Whether the message being handled is the actor's own (a timer).
template <class Self> bool sent_by_itself(Self* self) {
  return self->current_sender() == self->ctrl();
}

/// The answer to a private message from anyone else.
inline caf::error refused_private_message() {
  return caf::sec::unexpected_message;
}

} // namespace sasync::detail
