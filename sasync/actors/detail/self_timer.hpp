// A timer an actor sets on itself with a delayed message, at most one of
// its kind waiting at a time.
#pragma once

#include <algorithm>
#include <utility>

namespace sasync::detail {

/// Whether the actor's timer message is on its way. set() sends it unless
/// it is; the message's handler calls fired() first, then sets it again for
/// what is next.
class self_timer {
public:
  /// Sends `xs...` to `self` after `delay` unless the timer is set; true if
  /// this call set it.
  template <class Self, class Duration, class... Ts>
  bool set(Self* self, Duration delay, Ts&&... xs) {
    if (armed_)
      return false;
    armed_ = true;
    self->delayed_send(self, std::max(delay, Duration::zero()),
                       std::forward<Ts>(xs)...);
    return true;
  }

  /// The same at the actor clock's time point `when` (now if it passed).
  template <class Self, class TimePoint, class... Ts>
  bool set_at(Self* self, TimePoint when, Ts&&... xs) {
    return set(self, when - self->clock().now(), std::forward<Ts>(xs)...);
  }

  /// The timer's message arrived: it may be set again.
  void fired() noexcept { armed_ = false; }

  bool armed() const noexcept { return armed_; }

private:
  bool armed_ = false;
};

} // namespace sasync::detail
