// Exponential backoff: how long to wait before the next attempt at
// something that keeps failing (a connection that cannot open, a write the
// database refused for now).
#pragma once

#include <algorithm>
#include <chrono>

namespace sasync::detail {

/// The first attempt waits `first`, each further one twice as long as the
/// one before, never longer than `max`; reset() starts over.
class backoff {
public:
  using duration = std::chrono::milliseconds;

  constexpr backoff(duration first, duration max) noexcept
      : first_(first), max_(std::max(first, max)) {}

  /// The delay before the next attempt.
  constexpr duration next() noexcept {
    current_ = current_.count() == 0 ? first_ : std::min(current_ * 2, max_);
    return current_;
  }

  /// After a success: the next failure waits `first` again.
  constexpr void reset() noexcept { current_ = duration::zero(); }

  /// The delay next() returned last; zero before the first or after reset().
  constexpr duration current() const noexcept { return current_; }

  constexpr duration first() const noexcept { return first_; }
  constexpr duration max() const noexcept { return max_; }

private:
  duration first_;
  duration max_;
  duration current_{0};
};

} // namespace sasync::detail
