// The close() requests an actor answers once its accepted work is done:
// each of them once, with done or with the error the work ended in.
#pragma once

#include "sasync/actors/detail/kept_promise.hpp"

#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

#include <utility>
#include <vector>

namespace sasync::detail {

class close_waiters {
public:
  /// Starts closing, or adds to it: `rp` waits for finish().
  void add(kept_promise<void> rp) {
    closing_ = true;
    waiters_.emplace_back(std::move(rp));
  }

  /// Starts closing with nobody to answer.
  void start() noexcept { closing_ = true; }

  /// True once close() arrived.
  bool closing() const noexcept { return closing_; }

  /// Answers every close() so far with `err`, or done when there is none.
  void finish(const caf::error& err = {}) {
    for (auto& rp : waiters_)
      if (err)
        rp.deliver(err);
      else
        deliver_done(rp);
    waiters_.clear();
  }

private:
  bool closing_ = false;
  std::vector<kept_promise<void>> waiters_;
};

} // namespace sasync::detail
