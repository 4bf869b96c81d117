#include "sasync/storage/sqlite_checkpointer.hpp"

#include "sasync/storage/metrics.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <sqlite3.h>

#include <cstring>
#include <limits>

namespace sasync {

namespace {

metrics::counter& checkpoints_by(const char* who) {
  return metrics::counter_of(
      "sasync_sqlite_checkpoints_total",
      "Passive checkpoints of a SQLite log: by its checkpoint thread, or by "
      "the writer (the log's last pages, or a log past its limit).",
      {{"by", who}});
}

} // namespace

sqlite_checkpointer::sqlite_checkpointer(sqlite3* writer,
                                         const std::string& path,
                                         const std::string& synchronous)
    : writer_(writer) {
  auto rc = sqlite3_open_v2(path.c_str(), &own_,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            nullptr);
  // A connection finds the log at its first read: until then, its
  // checkpoints do nothing.
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(own_, "PRAGMA journal_mode", nullptr, nullptr, nullptr);
  // Whether a checkpoint syncs the files is the connection's setting.
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(own_, ("PRAGMA synchronous=" + synchronous).c_str(),
                      nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = own_ ? sqlite3_errmsg(own_) : sqlite3_errstr(rc);
    sqlite3_close(own_);
    throw storage_failure(failure_kind::connection,
                          "SQLite: cannot open " + path +
                              " for checkpoints: " + why,
                          "SQLITE_" + std::to_string(rc));
  }
  try {
    thread_ = std::thread{[this] { run(); }};
  } catch (...) {
    sqlite3_close(own_);
    throw;
  }
  sqlite3_wal_hook(writer_, &sqlite_checkpointer::on_commit, this);
}

sqlite_checkpointer::~sqlite_checkpointer() {
  sqlite3_wal_autocheckpoint(writer_, start_frames);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close(own_);
}

int sqlite_checkpointer::on_commit(void* self, sqlite3* db,
                                   const char* schema, int frames) {
  static_cast<sqlite_checkpointer*>(self)->committed(db, schema, frames);
  // The commit happened whatever the checkpoint did.
  return SQLITE_OK;
}

void sqlite_checkpointer::committed(sqlite3* db, const char* schema,
                                    int frames) {
  if (std::strcmp(schema, "main") != 0) {
    // An attached database's log: as SQLite would.
    if (frames >= start_frames)
      sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE,
                                nullptr, nullptr);
    return;
  }
  frames_.store(frames, std::memory_order_relaxed);
  if (frames < start_frames)
    return;
  {
    std::unique_lock<std::mutex> lock{mtx_};
    if (frames >= limit_frames) {
      hurry_ = true;
      done_.wait(lock, [this] { return !running_ && !requested_; });
      hurry_ = false;
    } else if (running_ || requested_) {
      return;
    } else if (!writers_turn_) {
      requested_ = true;
      wake_.notify_one();
      return;
    }
    writers_turn_ = false;
  }
  static auto& by_writer = checkpoints_by("writer");
  if (metrics::enabled())
    by_writer.add();
  sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                            nullptr);
}

void sqlite_checkpointer::run() {
  static auto& by_thread = checkpoints_by("thread");
  std::unique_lock<std::mutex> lock{mtx_};
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_)
      return;
    running_ = true;
    requested_ = false;
    // Again while the writer adds less than a checkpoint copies.
    auto behind = std::numeric_limits<int>::max();
    while (!stopping_ && !hurry_) {
      lock.unlock();
      int copied = 0;
      if (metrics::enabled())
        by_thread.add();
      auto rc = sqlite3_wal_checkpoint_v2(own_, nullptr,
                                          SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                          &copied);
      lock.lock();
      auto was = behind;
      behind = frames_.load(std::memory_order_relaxed) - copied;
      if (rc != SQLITE_OK || behind <= finish_frames || behind >= was)
        break;
    }
    running_ = false;
    writers_turn_ = true;
    done_.notify_all();
  }
}

} // namespace sasync
