// A thread that interrupts a connection's work once it has run too long.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace sasync {

class connection;

/// Watches the work on one connection at a time, from a thread of its own
/// (started with the first watch): once the work has run for its limit, it
/// calls the connection's interrupt(), and again every 100 ms while the work
/// goes on, since an interrupt that falls between two statements stops
/// neither. It interrupts only between arm() and disarm(), and disarm()
/// waits for an interrupt under way: the next work on the connection is
/// never interrupted for this one.
class statement_watchdog {
public:
  statement_watchdog() = default;
  statement_watchdog(const statement_watchdog&) = delete;
  statement_watchdog& operator=(const statement_watchdog&) = delete;
  /// Waits for an interrupt under way (on a silent server, for its answer).
  ~statement_watchdog();

  /// Starts watching work on `conn`, which must outlive disarm(); a `limit`
  /// of zero or less watches nothing.
  void arm(connection& conn, std::chrono::milliseconds limit);

  /// Stops watching; true if the work was interrupted since arm().
  bool disarm();

private:
  using clock = std::chrono::steady_clock;

  void watch();

  std::mutex mtx_;
  std::condition_variable wake_;
  connection* target_ = nullptr;
  clock::time_point deadline_;
  /// Until when the thread sleeps (max: until woken); min before it first
  /// sleeps (it holds the lock whenever it is awake). arm() wakes it only
  /// for an earlier deadline: every batch is watched, and waking the thread
  /// for each would cost a thread hand-off per batch.
  clock::time_point sleeps_until_ = clock::time_point::min();
  bool fired_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace sasync
