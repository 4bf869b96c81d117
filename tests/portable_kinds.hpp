// What kind of value an expression's result is, the same on SQLite and on
// PostgreSQL: PostgreSQL's numeric (sum of bigints, avg, decimal literals)
// reads as an integer when it is a whole number without a decimal point that
// fits 64 bits, else as a real, as SQLite's own arithmetic answers.
#pragma once

#include "sasync/storage/connection.hpp"

#include <caf/test/unit_test.hpp>

#include <utility>
#include <vector>

namespace sasync::test {

/// (expression over one column x of two rows, 1 and 2; its kind).
inline std::vector<std::pair<const char*, value::kind>> portable_kinds() {
  using k = value::kind;
  return {{"sum(x)", k::integer},
          {"count(*)", k::integer},
          {"max(x)", k::integer},
          {"avg(x)", k::real},
          {"2.5", k::real},
          {"1.0 * 3", k::real},
          {"CAST(7 AS NUMERIC)", k::integer},
          {"CAST(2.5 AS NUMERIC)", k::real},
          {"max(x) / 2", k::integer},
          {"sum(x) * 0.5", k::real}};
}

/// Checks every expression of portable_kinds() on `conn`.
inline void check_portable_kinds(connection& conn) {
  for (auto& [expr, want] : portable_kinds()) {
    auto rs = conn.execute(std::string{"SELECT "} + expr +
                           " FROM (SELECT CAST(1 AS BIGINT) AS x UNION ALL "
                           "SELECT CAST(2 AS BIGINT)) AS t");
    auto& got = rs.rows.at(0).at(0);
    CAF_MESSAGE(expr << " -> " << to_string(got.type()) << " "
                     << to_display(got));
    CAF_CHECK_EQUAL(to_string(got.type()), std::string{to_string(want)});
    // Reading as a real works for every number on both backends.
    CAF_CHECK(got.as_real() > 0);
  }
}

} // namespace sasync::test
