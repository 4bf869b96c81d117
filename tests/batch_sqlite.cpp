// Atomic batches on a real SQLite file (see batch_backend.ipp).
#define CAF_SUITE actors.batch_sqlite

#include "backends.hpp"

namespace {

struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("batch") {}
};

} // namespace

#include "batch_backend.ipp"
