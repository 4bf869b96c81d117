// Holds on names or cells of a group actor for an atomic batch: a hold takes
// its place among the group's operations on those keys like any other,
// answers once every earlier one finished, and keeps later ones waiting
// until the broker releases it. The actor's state has `cfg`, `order`,
// `requests` (group_request.hpp) and `holds` (std::set<std::uint64_t>).
#pragma once

#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/detail/group_request.hpp"

#include <caf/result.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sasync::detail {

/// hold(keys) -> ticket: from the broker only; answered when the hold
/// starts. Counted as an open request, so close() waits for its release.
template <class Self, class Key>
caf::result<std::uint64_t> hold_keys(Self* self, const char* kind,
                                     std::vector<Key> keys) {
  if (!sent_by(self, self->state.cfg.broker))
    return refused_private_message();
  auto& st = self->state;
  if (auto err = st.requests.refusal(kind, st.cfg.group))
    return err;
  // A key twice would wait for itself; none would hold the whole group.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (keys.empty())
    return make_error(errc::invalid_argument, "a hold on no keys");
  auto rp = keep_promise<std::uint64_t>(self);
  st.requests.opened();
  st.order.submit(std::move(keys), [self, rp](auto ticket) mutable {
    self->state.holds.insert(ticket);
    rp.deliver(std::uint64_t{ticket});
  });
  return rp;
}

/// release(ticket) -> void: from the broker only; lets the operations that
/// waited for the hold go.
template <class Self>
caf::result<void> release_hold(Self* self, std::uint64_t ticket) {
  if (!sent_by(self, self->state.cfg.broker))
    return refused_private_message();
  if (self->state.holds.erase(ticket) == 0)
    return make_error(errc::invalid_argument,
                      "no hold " + std::to_string(ticket));
  self->state.order.finish(ticket);
  request_answered(self);
  return caf::unit;
}

} // namespace sasync::detail
