// The names of statements, checked as they are defined.
#include "sasync/storage/statement_registry.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/storage_failure.hpp"

namespace sasync {

void statement_registry::define(const std::string& name, std::string sql) {
  validate_identifier("statement", name);
  if (sql.empty())
    throw_invalid("statement '" + name + "' is empty");
  auto i = statements_.find(name);
  if (i != statements_.end()) {
    if (i->second == sql)
      return;
    throw_invalid("statement '" + name +
                  "' is already defined as: " + statement_excerpt(i->second));
  }
  if (statements_.size() >= capacity_)
    throw_invalid("more than " + std::to_string(capacity_) +
                  " named statements");
  statements_.emplace(name, std::move(sql));
}

const std::string* statement_registry::find(const std::string& name) const {
  auto i = statements_.find(name);
  return i == statements_.end() ? nullptr : &i->second;
}

} // namespace sasync
