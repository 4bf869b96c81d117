// Bulk insert SQL: names quoted and checked, every value a bound parameter.
#include "sasync/storage/row_insert.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/values_list.hpp"

#include <algorithm>
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

std::string insert_statement(const insert_spec& spec, std::size_t rows) {
  std::string names;
  for (auto& col : spec.columns)
    names += (names.empty() ? "" : ", ") + quote_identifier(col);
  std::string tail;
  if (!spec.key.empty())
    tail = " RETURNING " + quote_identifier(spec.key);
  return values_list("INSERT INTO " + quote_identifier(spec.table) + " (" +
                         names + ") VALUES ",
                     rows, spec.columns.size(), tail);
}

namespace {

/// The rows of one statement: a full chunk whenever there are enough rows,
/// else the largest power of two that fits, so that a connection prepares
/// few statement sizes for any number of rows.
std::size_t next_chunk(std::size_t left, std::size_t max_rows) {
  if (left >= max_rows)
    return max_rows;
  std::size_t n = 1;
  while (n * 2 <= left)
    n *= 2;
  return n;
}

} // namespace

void insert_rows(connection& conn, const insert_spec& spec,
                 const std::vector<row>& rows, std::size_t first,
                 std::size_t last, std::vector<value>& keys) {
  auto width = spec.columns.size();
  auto max_rows = std::min<std::size_t>(
      spec.batch_size, max_rows_per_statement(conn.dialect(), width));
  std::vector<value> params;
  for (auto i = first; i < last;) {
    auto n = next_chunk(last - i, max_rows);
    params.clear();
    params.reserve(n * width);
    for (auto k = i; k < i + n; ++k)
      params.insert(params.end(), rows[k].begin(), rows[k].end());
    auto res = conn.execute(insert_statement(spec, n), params);
    // RETURNING answers the rows of a VALUES list in its order on both
    // backends (tests/cursors_backend.ipp checks each key's row).
    if (!spec.key.empty())
      for (auto& r : res.rows)
        keys.emplace_back(std::move(r.at(0)));
    i += n;
  }
}

void insert_rows_singly(connection& conn, const insert_spec& spec,
                        const std::string& statement,
                        const std::vector<row>& rows, std::size_t first,
                        std::size_t last, std::vector<value>& keys) {
  for (auto i = first; i < last; ++i) {
    auto res = conn.execute(statement, rows[i]);
    if (!spec.key.empty())
      keys.emplace_back(res.rows.at(0).at(0));
  }
}

} // namespace sasync
