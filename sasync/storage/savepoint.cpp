// Savepoint statements, one round trip where one unit ends and the next
// begins.
#include "sasync/storage/savepoint.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/transaction_scope.hpp"

#include <utility>

namespace sasync {

savepoint::savepoint(connection& conn, std::string name)
    : conn_(conn), name_(std::move(name)) {
  conn_.savepoint(name_);
}

savepoint::savepoint(transaction_scope& scope, std::string name)
    : savepoint(scope.conn_, std::move(name)) {}

savepoint::~savepoint() {
  if (!active_)
    return;
  try {
    conn_.rollback_to(name_);
    conn_.release(name_);
  } catch (...) {
    // The transaction is lost; the owner's rollback ends it.
  }
}

void savepoint::release() {
  active_ = false; // a failed RELEASE leaves nothing to undo by hand
  conn_.release(name_);
}

void savepoint::rollback() {
  active_ = false;
  conn_.rollback_to(name_);
  conn_.release(name_);
}

void savepoint::renew() {
  if (!active_) {
    conn_.savepoint(name_);
    active_ = true;
    return;
  }
  conn_.renew_savepoint(name_);
}

void savepoint::rollback_to() { conn_.rollback_to(name_); }

} // namespace sasync
