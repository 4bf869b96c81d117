// SQL for ordered bulk inserts (sAsync's produceRows): rows go in in input
// order, each answering its key.
#pragma once

#include "sasync/storage/fwd.hpp"
#include "sasync/storage/value.hpp"
#include "sasync/storage/wire_types.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sasync {

constexpr std::uint32_t max_insert_batch = 100'000;

/// Throws storage_failure(invalid_argument) naming the first problem: a
/// name that is not an identifier, no or duplicate columns, a batch size
/// outside 1..max_insert_batch.
void validate(const insert_spec& spec);

/// Throws storage_failure(invalid_argument) naming the first row whose
/// width differs from the spec's columns.
void check_widths(const insert_spec& spec, const std::vector<row>& rows);

/// INSERT INTO "t" ("a", "b") VALUES (?, ?)[, (?, ?)...] [RETURNING "k"]
/// for `rows` rows.
std::string insert_statement(const insert_spec& spec, std::size_t rows = 1);

/// Inserts rows [first, last) in order, as few multi-row statements as the
/// backend's parameter limit allows (statements prepared once per
/// connection and size), appending each row's key to `keys` when the spec
/// names one. If the database refuses a statement, it throws that
/// statement's storage_failure after `keys` got those of the statements
/// before it: the caller rolls back and runs insert_rows_singly to learn
/// which row it refuses.
void insert_rows(connection& conn, const insert_spec& spec,
                 const std::vector<row>& rows, std::size_t first,
                 std::size_t last, std::vector<value>& keys);

/// The same, one statement per row (`statement`: insert_statement(spec)):
/// what fails names the row the database refuses.
void insert_rows_singly(connection& conn, const insert_spec& spec,
                        const std::string& statement,
                        const std::vector<row>& rows, std::size_t first,
                        std::size_t last, std::vector<value>& keys);

} // namespace sasync
