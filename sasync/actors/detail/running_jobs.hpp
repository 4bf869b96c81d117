// Which thread runs a batch's jobs now: work started there that waits for
// another transaction could wait for the connection its own job holds.
#pragma once

namespace sasync::detail {

inline bool& running_jobs_flag() noexcept {
  static thread_local bool running = false;
  return running;
}

/// True while the calling thread runs jobs inside their transaction.
inline bool running_jobs_on_this_thread() noexcept {
  return running_jobs_flag();
}

/// Marks the calling thread as running jobs while it lives.
class running_jobs {
public:
  running_jobs() noexcept : outer_(running_jobs_flag()) {
    running_jobs_flag() = true;
  }
  ~running_jobs() { running_jobs_flag() = outer_; }

  running_jobs(const running_jobs&) = delete;
  running_jobs& operator=(const running_jobs&) = delete;

private:
  bool outer_;
};

} // namespace sasync::detail
