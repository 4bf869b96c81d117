// Checkpoints a WAL-mode SQLite file from a thread of its own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace sasync {

/// Copies a WAL-mode database's log into the database file from a thread
/// and connection of its own, in place of SQLite's automatic checkpoint,
/// which runs inside the commit that takes the log past 1000 pages: the
/// writer then stops writing while it copies and syncs the pages (measured:
/// with it, `sasync-bench set --sasync.synchronous=NORMAL` ran at half the
/// speed of a run without checkpoints). On `writer`:
/// - from start_frames on, a commit wakes the thread, which runs passive
///   checkpoints while what the log has beyond them shrinks and is more
///   than finish_frames;
/// - the writer's next commit then copies that rest itself: a passive
///   checkpoint beside a busy writer never reaches the log's end, and only
///   a log copied to its end starts again from its beginning;
/// - at limit_frames, the writer waits for the thread's checkpoint under
///   way and copies the rest, so the log stays bounded however fast it
///   writes.
/// Passive checkpoints neither wait for nor block readers or the writer. A
/// checkpoint that fails is left to the next, as SQLite's own are.
class sqlite_checkpointer {
public:
  static constexpr int start_frames = 1000;
  static constexpr int finish_frames = 64;
  static constexpr int limit_frames = 8000;

  /// Opens a connection of its own to the file at `path` with the writer's
  /// `synchronous` (throws storage_failure) and takes over `writer`'s
  /// checkpoints.
  sqlite_checkpointer(sqlite3* writer, const std::string& path,
                      const std::string& synchronous);
  sqlite_checkpointer(const sqlite_checkpointer&) = delete;
  sqlite_checkpointer& operator=(const sqlite_checkpointer&) = delete;
  /// Gives the checkpoints back to SQLite and stops the thread.
  ~sqlite_checkpointer();

private:
  static int on_commit(void* self, sqlite3* db, const char* schema,
                       int frames);
  void committed(sqlite3* db, const char* schema, int frames);
  void run();

  sqlite3* writer_;
  sqlite3* own_ = nullptr;
  /// The log's frames at the writer's last commit.
  std::atomic<int> frames_{0};
  std::mutex mtx_;
  std::condition_variable wake_;
  std::condition_variable done_;
  bool requested_ = false;
  bool running_ = false;
  /// The thread's checkpoints are done: the writer copies the rest.
  bool writers_turn_ = false;
  /// The writer waits at the limit: the thread stops after this one.
  bool hurry_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace sasync
