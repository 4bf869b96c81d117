// A dict and an items actor on one group agree, on a real SQLite file (see
// dict_items_backend.ipp).
#define CAF_SUITE actors.dict_items_sqlite

#include "backends.hpp"

namespace {

struct backend : sasync::test::sqlite_file {
  backend() : sqlite_file("dict_items") {}
};

} // namespace

#include "dict_items_backend.ipp"
