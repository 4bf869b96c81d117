// When a transaction runs relative to others (sAsync's niceness, doNext and
// doLast).
#pragma once

#include <cstdint>
#include <string>

namespace sasync {

/// Order of execution: every `do_next` job, then niceness -20 (first) to 20
/// (last), then every `do_last` job; first come, first served within one
/// priority.
struct priority {
  enum class tier : std::uint8_t { next = 0, normal = 1, last = 2 };

  tier level = tier::normal;
  std::int8_t niceness = 0; ///< -20..20, used by tier::normal only

  static constexpr int min_niceness = -20;
  static constexpr int max_niceness = 20;

  friend bool operator==(priority x, priority y) {
    return x.level == y.level && x.niceness == y.niceness;
  }
  friend bool operator<(priority x, priority y) {
    return x.level != y.level ? x.level < y.level : x.niceness < y.niceness;
  }
};

/// Runs before every normal job.
constexpr priority do_next{priority::tier::next, 0};

/// Runs after every normal job.
constexpr priority do_last{priority::tier::last, 0};

/// A normal job with niceness `n` (out of range is refused by the queue).
constexpr priority niceness(int n) {
  return {priority::tier::normal,
          static_cast<std::int8_t>(n < -128 ? -128 : (n > 127 ? 127 : n))};
}

/// True when the niceness of a normal priority is within -20..20.
constexpr bool valid(priority p) {
  return p.level != priority::tier::normal ||
         (p.niceness >= priority::min_niceness &&
          p.niceness <= priority::max_niceness);
}

std::string to_string(priority p);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, priority& x) {
  return f(x.level, x.niceness);
}

} // namespace sasync
