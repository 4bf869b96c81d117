// A group actor's unanswered requests, so that close() answers only after
// every accepted request has its answer.
#pragma once

#include "actors/detail/deliver.hpp"
#include "actors/errc.hpp"

#include <caf/typed_response_promise.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sasync::detail {

class open_requests {
public:
  /// An error for a request that arrives after close(), else none.
  caf::error refusal(const char* kind, std::int64_t group) const {
    if (!closing_)
      return {};
    return make_error(errc::shutting_down, std::string{kind} + " of group " +
                                               std::to_string(group) +
                                               " is closed");
  }

  void opened() noexcept { ++count_; }

  /// True when this was the last answer close() waited for.
  bool answered() noexcept { return --count_ == 0 && closing_; }

  /// Starts closing; true when nothing is left to wait for.
  bool close(caf::typed_response_promise<void> rp) {
    closing_ = true;
    waiters_.emplace_back(std::move(rp));
    return count_ == 0;
  }

  bool closing() const noexcept { return closing_; }

  /// Requests accepted and not answered yet.
  std::size_t open() const noexcept { return count_; }

  /// Answers close() with `err`, or done when there is none.
  void finish(const caf::error& err = {}) {
    for (auto& rp : waiters_)
      if (err)
        rp.deliver(err);
      else
        deliver_done(rp);
    waiters_.clear();
  }

private:
  std::size_t count_ = 0;
  bool closing_ = false;
  std::vector<caf::typed_response_promise<void>> waiters_;
};

} // namespace sasync::detail
