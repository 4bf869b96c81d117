// Which statements sql, query and prepare take: none that would break a
// connection other clients share, and DDL from peers only where allowed.
#pragma once

#include "sasync/actors/errc.hpp"
#include "sasync/storage/statement_kind.hpp"

#include <string>

namespace sasync::detail {

/// invalid_argument for a statement that would end sasync's transaction,
/// change a shared connection or reach files; unless `allow_ddl`, also for
/// DDL. No error otherwise.
inline caf::error check_statement(const std::string& sql, bool allow_ddl) {
  auto found = classify_statement(sql);
  if (found.kind == statement_kind::session)
    return make_error(errc::invalid_argument,
                      "sql refuses " + found.keyword + ": " + found.why);
  if (found.kind == statement_kind::schema && !allow_ddl)
    return make_error(errc::invalid_argument,
                      "the node takes no DDL (" + found.keyword +
                          ") from peers; its operator may allow it with "
                          "[node] allow-ddl=true");
  return {};
}

} // namespace sasync::detail
