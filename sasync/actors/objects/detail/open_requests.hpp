// A group actor's unanswered requests, so that close() answers only after
// every accepted request has its answer.
#pragma once

#include "sasync/actors/detail/close_waiters.hpp"
#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/errc.hpp"

#include <caf/typed_response_promise.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace sasync::detail {

class open_requests {
public:
  /// At most `capacity` requests wait for their answers (0: no bound).
  /// `hands_over`: cluster mode, where a closing actor's group goes to
  /// another node, so a refusal tells the client to ask for it again.
  explicit open_requests(std::size_t capacity = 0, bool hands_over = false)
      : capacity_(capacity), hands_over_(hands_over) {}

  /// An error for a request that arrives after close(), or while
  /// `capacity` requests wait (requests on one name wait here for each
  /// other, out of the queue's sight), else none.
  caf::error refusal(const char* kind, std::int64_t group) const {
    if (fenced_)
      return fenced_;
    // Spelled only for a refusal: every request asks.
    auto what = [&] {
      return std::string{kind} + " of group " + std::to_string(group);
    };
    if (closing() && hands_over_)
      // Retryable: not executed. A cluster connection's group handle asks
      // a node for the group again and sends it there.
      return make_retryable_error(errc::shutting_down,
                                  what() + " is being handed to another node; "
                                           "not executed: ask a node again");
    if (closing())
      return make_error(errc::shutting_down, what() + " is closed");
    if (capacity_ > 0 && count_ >= capacity_)
      return make_error(errc::overloaded, what() + ": " +
                                              std::to_string(count_) +
                                              " requests already wait");
    return {};
  }

  void opened() noexcept { ++count_; }

  /// True when this was the last answer close() waited for.
  bool answered() noexcept {
    return --count_ == 0 && (closing() || lost_ownership());
  }

  /// Cluster mode: a write found the group owned by another node. New
  /// requests get `why`; the actor stops once the accepted ones are answered.
  void lose_ownership(const caf::error& why) {
    if (!fenced_)
      fenced_ = why;
  }

  bool lost_ownership() const noexcept { return static_cast<bool>(fenced_); }

  /// Starts closing; true when nothing is left to wait for.
  bool close(kept_promise<void> rp) {
    waiters_.add(std::move(rp));
    return count_ == 0;
  }

  bool closing() const noexcept { return waiters_.closing(); }

  /// Requests accepted and not answered yet.
  std::size_t open() const noexcept { return count_; }

  /// Answers close() with `err`, or done when there is none.
  void finish(const caf::error& err = {}) { waiters_.finish(err); }

private:
  std::size_t capacity_;
  bool hands_over_ = false;
  std::size_t count_ = 0;
  close_waiters waiters_;
  caf::error fenced_;
};

} // namespace sasync::detail
