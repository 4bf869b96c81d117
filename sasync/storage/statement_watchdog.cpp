// The watchdog's thread: it sleeps until a deadline and interrupts under
// the lock that disarm() takes, so an interrupt never outlives its watch.
// Deadlines of later watches only grow, so the thread sleeps until an old
// one, finds the watch of that moment (or none) and sleeps on: about one
// wake-up per run_timeout rather than one per watch.
#include "sasync/storage/statement_watchdog.hpp"

#include "sasync/storage/connection.hpp"

namespace sasync {

namespace {

/// How often work that goes on after an interrupt is interrupted again.
constexpr auto repeat_interval = std::chrono::milliseconds{100};

} // namespace

statement_watchdog::~statement_watchdog() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
    target_ = nullptr;
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void statement_watchdog::arm(connection& conn,
                             std::chrono::milliseconds limit) {
  if (limit.count() <= 0)
    return;
  bool wake = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    target_ = &conn;
    deadline_ = clock::now() + limit;
    fired_ = false;
    if (!thread_.joinable())
      thread_ = std::thread{[this] { watch(); }};
    // A thread asleep until this deadline or earlier finds the new one when
    // it wakes; one awake (or about to take the lock) reads it anyway.
    wake = deadline_ < sleeps_until_;
  }
  if (wake)
    wake_.notify_one();
}

bool statement_watchdog::disarm() {
  std::lock_guard<std::mutex> guard{mtx_};
  target_ = nullptr;
  auto fired = fired_;
  fired_ = false;
  return fired;
}

void statement_watchdog::watch() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    if (clock::now() < deadline_) {
      // Even with no watch: woken late, after the disarm, it must not sleep
      // until woken, or the next arm wakes it again and so on each batch.
      sleeps_until_ = deadline_;
      wake_.wait_until(lock, deadline_);
    } else if (target_ == nullptr) {
      sleeps_until_ = clock::time_point::max();
      wake_.wait(lock);
    } else {
      // Under the lock: disarm() waits until the interrupt has gone out.
      target_->interrupt();
      fired_ = true;
      deadline_ = clock::now() + repeat_interval;
    }
  }
}

} // namespace sasync
