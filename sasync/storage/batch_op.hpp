// One operation of an atomic batch and its result: data only, so a batch
// crosses nodes like any other request (broker.hpp: batch).
#pragma once

#include "sasync/storage/named_params.hpp"
#include "sasync/storage/stored_value.hpp"
#include "sasync/storage/value.hpp"
#include "sasync/storage/wire_types.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sasync {

/// The most operations one batch may hold; more is invalid_argument.
constexpr std::size_t max_batch_ops = 10'000;

enum class batch_kind : std::uint8_t {
  item_set = 1,    ///< stores `x` under (group, name)
  item_set_if,     ///< the same only at version `expected` (0: absent)
  item_delete,     ///< deletes (group, name); fine when it does not exist
  item_delete_if,  ///< deletes only at version `expected`
  cell_set,        ///< stores `x` at (group, at)
  cell_set_if,     ///< the same only at version `expected` (0: absent)
  cell_delete,     ///< deletes the cell; fine when it does not exist
  cell_delete_if,  ///< deletes only at version `expected`
  statement,       ///< runs `text` with `params` (`?`) or `named` (`:name`)
};

/// "items set", "array delete_if", "sql", ...; "unknown(N)" otherwise.
std::string to_string(batch_kind x);

/// True for the kinds above; a peer may send any byte.
bool is_known(batch_kind x);

/// True for the item kinds, false for the cell kinds and statements.
bool on_items(batch_kind x);
bool on_cells(batch_kind x);

struct batch_op {
  batch_kind kind = batch_kind::item_set;
  std::int64_t group = 0;
  /// An item's name, or a statement's text.
  std::string text;
  coordinates at;
  stored_value x;
  std::uint64_t expected = 0;
  std::vector<value> params;
  named_values named;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_op& x) {
  return f(caf::meta::type_name("sasync::batch_op"), x.kind, x.group, x.text,
           x.at, x.x, x.expected, x.params, x.named);
}

/// What one operation did: the row's new version for a set (0 for a
/// delete); rows the operation changed (a delete: 1 if the row existed;
/// a statement: its rows_affected).
struct batch_result {
  std::uint64_t version = 0;
  std::int64_t rows_affected = 0;

  friend bool operator==(const batch_result& a, const batch_result& b) {
    return a.version == b.version && a.rows_affected == b.rows_affected;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_result& x) {
  return f(caf::meta::type_name("sasync::batch_result"), x.version,
           x.rows_affected);
}

} // namespace sasync
