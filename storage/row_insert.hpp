// SQL for ordered bulk inserts (sAsync's produceRows): rows go in in input
// order, each answering its key.
#pragma once

#include "storage/fwd.hpp"
#include "storage/value.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sasync {

/// Where a bulk insert writes, and how many rows each transaction takes.
struct insert_spec {
  std::string table;
  std::vector<std::string> columns;
  /// The column whose value each inserted row answers (RETURNING), e.g. an
  /// autoincrement key; empty answers no keys.
  std::string key;
  std::uint32_t batch_size = 1000;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, insert_spec& x) {
  return f(x.table, x.columns, x.key, x.batch_size);
}

constexpr std::uint32_t max_insert_batch = 100'000;

/// Throws storage_failure(invalid_argument) naming the first problem: a
/// name that is not an identifier, no or duplicate columns, a batch size
/// outside 1..max_insert_batch.
void validate(const insert_spec& spec);

/// Throws storage_failure(invalid_argument) naming the first row whose
/// width differs from the spec's columns.
void check_widths(const insert_spec& spec, const std::vector<row>& rows);

/// INSERT INTO "t" ("a", "b") VALUES (?, ?) [RETURNING "k"]
std::string insert_statement(const insert_spec& spec);

/// Inserts rows [first, last) in order with `statement` (prepared once per
/// connection), appending each row's key to `keys` when the spec names one.
void insert_rows(connection& conn, const insert_spec& spec,
                 const std::string& statement, const std::vector<row>& rows,
                 std::size_t first, std::size_t last, std::vector<value>& keys);

} // namespace sasync
