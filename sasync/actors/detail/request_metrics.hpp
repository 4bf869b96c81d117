// Requests counted for /metrics where a data actor (broker, items, dict,
// array) takes them and where it answers them: how many of each kind ended
// with each result, and how long they took. The kind is the request's first
// atom (set, get, sql, query, batch, ...), read from the message being
// handled, so every handler is covered by the few places that make a
// promise. Kept only while metrics are enabled.
#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/result.hpp>

#include <chrono>
#include <cstdint>

namespace caf {
class local_actor;
} // namespace caf

namespace sasync::detail {

class request_meter {
public:
  using clock = std::chrono::steady_clock;

  /// Not counting (metrics off, or not a request of a kind).
  request_meter() = default;

  /// The request `self` is handling now; starts its clock.
  static request_meter start(caf::local_actor* self);

  /// The request was answered: with `err`, or ok when there is none. Call
  /// it once, where the answer is delivered.
  void answered(const caf::error& err = {}) const;

  explicit operator bool() const noexcept { return kind_ != caf::atom_value{}; }

private:
  caf::atom_value kind_{};
  clock::time_point started_{};
};

/// Counts a request refused before it had a promise, and returns why.
inline caf::error refused(const request_meter& meter, caf::error err) {
  meter.answered(err);
  return err;
}

/// Counts the request `self` is handling, refused before it had a promise
/// (a name over the limit), and returns why.
inline caf::error refused_now(caf::local_actor* self, caf::error err) {
  return refused(request_meter::start(self), std::move(err));
}

/// Counts a request `self` answers at once with `r` (a write it takes to
/// write behind), and returns `r`. One answered later (a kept promise) is
/// counted by its promise (kept_promise.hpp).
template <class T>
caf::result<T> answered_now(caf::local_actor* self, caf::result<T> r) {
  if (r.flag != caf::rt_delegated)
    request_meter::start(self).answered(r.flag == caf::rt_error ? r.err
                                                                : caf::error{});
  return r;
}

} // namespace sasync::detail
