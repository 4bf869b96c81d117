// One thread per backend, asleep until the next deadline.
#include "sasync/actors/net/handshake_deadlines.hpp"

#include "sasync/storage/metrics.hpp"

#include <sys/socket.h>

namespace sasync {

handshake_deadlines::handshake_deadlines(clock::duration timeout)
    : timeout_(timeout), thread_([this] { run(); }) {}

void handshake_deadlines::watch(const void* owner, int fd) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    watched_[owner] = watched_socket{fd, clock::now() + timeout_};
  }
  wake_.notify_one();
}

void handshake_deadlines::forget(const void* owner) {
  std::lock_guard<std::mutex> guard{mtx_};
  watched_.erase(owner);
}

void handshake_deadlines::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void handshake_deadlines::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    auto now = clock::now();
    auto next = clock::time_point::max();
    for (auto i = watched_.begin(); i != watched_.end();) {
      if (i->second.deadline <= now) {
        // The owner's socket is still open: it forgets it before closing.
        ::shutdown(i->second.fd, SHUT_RDWR);
        if (metrics::enabled())
          metrics::counter_of("sasync_wire_refusals_total",
                              "Connections the wire guard closed, by reason.",
                              {{"reason", "handshake_timeout"}})
              .add();
        i = watched_.erase(i);
      } else {
        next = std::min(next, i->second.deadline);
        ++i;
      }
    }
    if (next == clock::time_point::max())
      wake_.wait(lock);
    else
      wake_.wait_until(lock, next);
  }
}

} // namespace sasync
