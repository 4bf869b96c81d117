// Bulk insert SQL: names quoted and checked, every value a bound parameter.
#include "storage/row_insert.hpp"

#include "storage/connection.hpp"
#include "storage/dialect.hpp"
#include "storage/storage_failure.hpp"

#include <set>

namespace sasync {

void validate(const insert_spec& spec) {
  validate_identifier("table", spec.table);
  if (spec.columns.empty())
    throw_invalid("an insert into '" + spec.table + "' names no columns");
  std::set<std::string> seen;
  for (auto& col : spec.columns) {
    validate_identifier("column", col);
    if (!seen.insert(col).second)
      throw_invalid("column '" + col + "' appears twice");
  }
  if (!spec.key.empty())
    validate_identifier("key column", spec.key);
  if (spec.batch_size == 0 || spec.batch_size > max_insert_batch)
    throw_invalid("batch size " + std::to_string(spec.batch_size) +
                  " is outside 1.." + std::to_string(max_insert_batch));
}

void check_widths(const insert_spec& spec, const std::vector<row>& rows) {
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].size() != spec.columns.size())
      throw_invalid("row " + std::to_string(i) + " has " +
                    std::to_string(rows[i].size()) + " values; the insert " +
                    "into '" + spec.table + "' names " +
                    std::to_string(spec.columns.size()) + " columns");
}

std::string insert_statement(const insert_spec& spec) {
  std::string names;
  std::string marks;
  for (auto& col : spec.columns) {
    if (!names.empty()) {
      names += ", ";
      marks += ", ";
    }
    names += quote_identifier(col);
    marks += '?';
  }
  auto out = "INSERT INTO " + quote_identifier(spec.table) + " (" + names +
             ") VALUES (" + marks + ")";
  if (!spec.key.empty())
    out += " RETURNING " + quote_identifier(spec.key);
  return out;
}

void insert_rows(connection& conn, const insert_spec& spec,
                 const std::string& statement, const std::vector<row>& rows,
                 std::size_t first, std::size_t last,
                 std::vector<value>& keys) {
  for (auto i = first; i < last; ++i) {
    auto res = conn.execute(statement, rows[i]);
    if (!spec.key.empty())
      keys.emplace_back(res.rows.at(0).at(0));
  }
}

} // namespace sasync
