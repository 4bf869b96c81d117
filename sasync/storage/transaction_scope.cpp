// Statements checked before they reach the shared transaction.
#include "sasync/storage/transaction_scope.hpp"

#include "sasync/storage/statement_kind.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <string>

namespace sasync {

result_set transaction_scope::execute(std::string_view sql,
                                      const std::vector<value>& params) {
  refuse_transaction_control(sql);
  return conn_.execute(sql, params);
}

void transaction_scope::execute_script(std::string_view sql) {
  refuse_transaction_control(sql);
  conn_.execute_script(sql);
}

void transaction_scope::refuse_transaction_control(std::string_view sql) const {
  auto keyword = transaction_control_keyword(sql, conn_.dialect());
  if (keyword.empty())
    return;
  throw_invalid("a transaction closure cannot run " + keyword +
                ": sasync begins and ends its transaction, which other "
                "closures may share (return to commit, throw to roll back) "
                "[in: " +
                statement_excerpt(sql) + "]");
}

} // namespace sasync
