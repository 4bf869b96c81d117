// A response promise that is answered even when its actor is not. CAF 0.17
// drops a promise that goes out of scope undelivered, so a requester
// without a timeout (the broker asking a group actor, an items actor asking
// its dict) would wait for ever after the actor was killed or threw. Every
// copy shares one promise; when the last copy goes with the request still
// unanswered, the requester gets errc::unreachable, as for a request in
// flight to a node that went away: the request may have run. A request
// that came gathered with others (gathered_answers.hpp) answers into its
// slot instead.
#pragma once

#include "sasync/actors/detail/deliver.hpp"
#include "sasync/actors/detail/gathered_answers.hpp"
#include "sasync/actors/detail/recycling_allocator.hpp"
#include "sasync/actors/detail/request_metrics.hpp"
#include "sasync/actors/errc.hpp"

#include <caf/expected.hpp>
#include <caf/result.hpp>
#include <caf/typed_response_promise.hpp>

#include <memory>
#include <type_traits>
#include <utility>

namespace sasync::detail {

template <class T> class kept_promise {
public:
  kept_promise() = default;

  explicit kept_promise(caf::typed_response_promise<T> rp)
      : box_(make_recycled<box>(std::move(rp))) {}

  explicit kept_promise(gathered_slot slot)
      : box_(make_recycled<box>(std::move(slot))) {}

  /// Answers with a value or an error (none for a default-made promise).
  template <class... Ts> void deliver(Ts&&... xs) const {
    if (!box_)
      return;
    box_->count(error_in(xs...));
    if (box_->slot)
      return box_->fill(caf::make_message(std::forward<Ts>(xs)...));
    box_->rp.deliver(std::forward<Ts>(xs)...);
  }

  /// Answers a request of no result (CAF 0.17's typed promise needs a value).
  void deliver_done() const {
    if (!box_)
      return;
    box_->count({});
    if (box_->slot)
      return box_->fill(caf::message{});
    sasync::detail::deliver_done(box_->rp);
  }

  /// Counts the request for /metrics when it is answered (request_metrics).
  kept_promise& counted_by(request_meter meter) {
    if (box_)
      box_->meter = meter;
    return *this;
  }

  bool pending() const { return box_ && box_->pending(); }

  /// Returned from a handler: the answer comes later.
  operator caf::result<T>() const {
    if (box_->slot)
      return caf::result<T>{caf::delegated<T>{}};
    return caf::result<T>{box_->rp};
  }

private:
  template <class... Ts> static caf::error error_in(const Ts&... xs) {
    if constexpr (sizeof...(Ts) == 1 &&
                  (std::is_same_v<std::decay_t<Ts>, caf::error> && ...))
      return (xs, ...);
    else
      return {};
  }

  struct box {
    explicit box(caf::typed_response_promise<T> x) : rp(std::move(x)) {}
    explicit box(gathered_slot x) : slot(std::move(x)) {}
    box(const box&) = delete;
    box& operator=(const box&) = delete;
    ~box() {
      if (!pending())
        return;
      auto gone = make_error(errc::unreachable,
                             "the actor that took the request stopped "
                             "before it answered; the request may have run");
      count(gone);
      if (slot)
        fill(caf::make_message(std::move(gone)));
      else
        rp.deliver(std::move(gone));
    }
    bool pending() const { return slot ? !filled : rp.pending(); }
    void count(const caf::error& err) {
      meter.answered(err);
      meter = {};
    }
    void fill(caf::message answer) {
      if (filled)
        return;
      filled = true;
      slot.answers->settle(slot.index, std::move(answer));
    }
    caf::typed_response_promise<T> rp;
    gathered_slot slot;
    bool filled = false;
    request_meter meter;
  };

  std::shared_ptr<box> box_;
};

/// A kept promise for the request `self` handles now: into its slot when
/// it came gathered with others.
template <class T, class Self> kept_promise<T> keep_promise(Self* self) {
  if (auto& slot = current_gathered_slot())
    return kept_promise<T>{std::exchange(slot, {})};
  return kept_promise<T>{self->template make_response_promise<T>()};
}

/// The same, counting the request for /metrics when it is answered.
template <class T, class Self>
kept_promise<T> keep_counted_promise(Self* self) {
  return keep_promise<T>(self).counted_by(request_meter::start(self));
}

/// Delivers a result or its error.
template <class T>
void deliver(const kept_promise<T>& rp, caf::expected<T>& x) {
  if (!x)
    rp.deliver(std::move(x.error()));
  else
    rp.deliver(std::move(*x));
}

inline void deliver(const kept_promise<void>& rp, caf::expected<void>& x) {
  if (!x)
    rp.deliver(std::move(x.error()));
  else
    rp.deliver_done();
}

inline void deliver_done(const kept_promise<void>& rp) {
  rp.deliver_done();
}

} // namespace sasync::detail
