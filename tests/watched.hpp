// State that actors change and the test thread waits for; every wait is
// bounded.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace sasync::test {

template <class T> class watched {
public:
  /// Waits until `pred(state)` holds, at most `timeout`; false if it never
  /// did.
  template <class Pred>
  bool await(Pred pred, std::chrono::steady_clock::duration timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    return changed_.wait_for(guard, timeout, [&] { return pred(state_); });
  }

  /// Changes the state and wakes whoever waits.
  template <class F> void update(F fn) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      fn(state_);
    }
    changed_.notify_all();
  }

  /// What `fn(state)` says, under the lock.
  template <class F> auto read(F fn) {
    std::lock_guard<std::mutex> guard{mtx_};
    return fn(state_);
  }

private:
  std::mutex mtx_;
  std::condition_variable changed_;
  T state_;
};

} // namespace sasync::test
