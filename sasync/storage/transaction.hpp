// A transaction as an object with a clear end: commit() or rollback when it
// goes out of scope.
#pragma once

#include "sasync/storage/connection.hpp"

namespace sasync {

class transaction {
public:
  transaction(connection& conn, access_mode mode) : conn_(conn) {
    conn_.begin(mode);
  }

  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  ~transaction() {
    if (!done_)
      conn_.rollback();
  }

  void commit() {
    done_ = true; // a failed COMMIT leaves nothing to roll back by hand
    conn_.commit();
  }

private:
  connection& conn_;
  bool done_ = false;
};

} // namespace sasync
