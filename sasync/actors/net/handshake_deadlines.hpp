// Deadlines for connections that have not completed their handshake: a
// connection that stays silent, or sends its handshake slowly, would hold
// its slot (and what it claimed) forever.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace sasync {

/// Shuts the socket of each watched connection down once its deadline
/// passes, from a thread of its own; CAF then ends the connection as if the
/// peer had gone. Thread-safe.
class handshake_deadlines {
public:
  using clock = std::chrono::steady_clock;

  explicit handshake_deadlines(clock::duration timeout);
  handshake_deadlines(const handshake_deadlines&) = delete;
  handshake_deadlines& operator=(const handshake_deadlines&) = delete;
  ~handshake_deadlines() { stop(); }

  /// Watches socket `fd` of `owner` from now on.
  void watch(const void* owner, int fd);

  /// Stops watching `owner`: its handshake is done, or it is about to close
  /// `fd` (call it before, so that no other socket gets shut down).
  void forget(const void* owner);

  /// Ends the thread; later deadlines are not kept.
  void stop();

private:
  struct watched_socket {
    int fd;
    clock::time_point deadline;
  };

  void run();

  clock::duration timeout_;
  std::mutex mtx_;
  std::condition_variable wake_;
  std::map<const void*, watched_socket> watched_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace sasync
