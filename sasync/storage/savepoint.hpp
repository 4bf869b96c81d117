// A savepoint as an object with a clear end: release() keeps its work; one
// that goes out of scope unreleased undoes it, and the transaction around
// it goes on (as SQLite::Savepoint and pqxx::subtransaction).
#pragma once

#include "sasync/storage/fwd.hpp"

#include <string>

namespace sasync {

/// A unit of work inside an open transaction that can fail alone: what
/// group commit gives each job of a batch and the bulk insert each write.
class savepoint {
public:
  /// Sets the savepoint `name` on `conn`, which must be in a transaction;
  /// throws storage_failure.
  savepoint(connection& conn, std::string name);

  /// The same inside a closure's transaction (see transact.hpp).
  savepoint(transaction_scope& scope, std::string name);

  savepoint(const savepoint&) = delete;
  savepoint& operator=(const savepoint&) = delete;

  /// Undoes the unit's work unless it was released or rolled back. Never
  /// throws: if that fails, the transaction itself is lost and its owner
  /// finds out at its next statement or COMMIT.
  ~savepoint();

  /// Keeps the unit's work in the transaction and ends the unit.
  void release();

  /// Undoes the unit's work and ends the unit; throws storage_failure when
  /// the transaction itself is lost.
  void rollback();

  /// Keeps the unit's work and starts the next unit under the same name, in
  /// one round trip (group commit does this between jobs).
  void renew();

  /// Undoes the unit's work, the unit staying set (what renew() or
  /// release() end next); throws storage_failure when the transaction
  /// itself is lost.
  void rollback_to();

  bool active() const noexcept { return active_; }

private:
  connection& conn_;
  std::string name_;
  bool active_ = true;
};

} // namespace sasync
