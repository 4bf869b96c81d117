// What a closure run inside a transaction sasync begins and ends may do:
// run statements, but not end or nest that transaction.
#pragma once

#include "sasync/storage/connection.hpp"

#include <string_view>
#include <vector>

namespace sasync {

/// The transaction a closure (see actors/transact.hpp) runs in. In a batch
/// of group commit it is a savepoint inside a transaction other closures
/// share: a statement that would end or nest it (BEGIN, COMMIT, END,
/// ROLLBACK, ABORT, SAVEPOINT, RELEASE, PREPARE TRANSACTION, in any
/// spelling) is refused with storage_failure(invalid_argument) before it
/// runs. A closure commits by returning and rolls back by throwing; a part
/// of it that may fail alone runs in a sasync::savepoint (savepoint.hpp).
class transaction_scope {
public:
  explicit transaction_scope(connection& conn) noexcept : conn_(conn) {}

  transaction_scope(const transaction_scope&) = delete;
  transaction_scope& operator=(const transaction_scope&) = delete;

  dialect_kind dialect() const noexcept { return conn_.dialect(); }

  /// Runs one statement with bound parameters (`?` on every backend),
  /// prepared once per connection and reused.
  result_set execute(std::string_view sql,
                     const std::vector<value>& params = {});

  /// Runs statements without parameters or results (DDL, pragmas); each of
  /// them is checked.
  void execute_script(std::string_view sql);

private:
  friend class savepoint; // a unit of its own inside the closure's work

  void refuse_transaction_control(std::string_view sql) const;

  connection& conn_;
};

} // namespace sasync
