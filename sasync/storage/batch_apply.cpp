// Each batch operation through the same storage functions the items and
// array actors use, so a batch writes exactly what single operations would.
#include "sasync/storage/batch_apply.hpp"

#include "sasync/storage/array_store.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/item_store.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/versioned_store.hpp"

#include <stdexcept>

namespace sasync {

std::string to_string(batch_kind x) {
  switch (x) {
  case batch_kind::item_set:
    return "items set";
  case batch_kind::item_set_if:
    return "items set_if";
  case batch_kind::item_delete:
    return "items delete";
  case batch_kind::item_delete_if:
    return "items delete_if";
  case batch_kind::cell_set:
    return "array set";
  case batch_kind::cell_set_if:
    return "array set_if";
  case batch_kind::cell_delete:
    return "array delete";
  case batch_kind::cell_delete_if:
    return "array delete_if";
  case batch_kind::statement:
    return "sql";
  }
  return "unknown(" + std::to_string(static_cast<int>(x)) + ")";
}

bool is_known(batch_kind x) {
  return x >= batch_kind::item_set && x <= batch_kind::statement;
}

bool on_items(batch_kind x) {
  return x >= batch_kind::item_set && x <= batch_kind::item_delete_if;
}

bool on_cells(batch_kind x) {
  return x >= batch_kind::cell_set && x <= batch_kind::cell_delete_if;
}

std::string describe(const batch_op& op, std::size_t index) {
  // Enough of a name to tell it apart; a refused one may be megabytes.
  constexpr std::size_t shown_name_bytes = 64;
  auto out = "operation " + std::to_string(index) + " (" + to_string(op.kind);
  if (on_items(op.kind))
    out += " group " + std::to_string(op.group) + " '" +
           (op.text.size() > shown_name_bytes
                ? op.text.substr(0, shown_name_bytes) + "..."
                : op.text) +
           "'";
  else if (on_cells(op.kind))
    out += " group " + std::to_string(op.group) + " (" +
           std::to_string(op.at.x) + ", " + std::to_string(op.at.y) + ", " +
           std::to_string(op.at.z) + ")";
  return out + ")";
}

namespace {

std::uint64_t item_version(connection& conn, const batch_op& op) {
  auto found = find_item_versioned(conn, op.group, op.text);
  return found ? found->version : 0;
}

std::uint64_t cell_version(connection& conn, const batch_op& op) {
  auto found = find_cell_versioned(conn, op.group, op.at);
  return found ? found->version : 0;
}

batch_result apply_one(connection& conn, const batch_op& op) {
  batch_result out;
  switch (op.kind) {
  case batch_kind::item_set:
    put_item(conn, op.group, op.text, op.x);
    out.version = item_version(conn, op);
    out.rows_affected = 1;
    break;
  case batch_kind::item_set_if:
    out.version = put_item_if(conn, op.group, op.text, op.x, op.expected);
    out.rows_affected = 1;
    break;
  case batch_kind::item_delete:
    out.rows_affected = static_cast<std::int64_t>(
        erase_items(conn, op.group, {op.text}));
    break;
  case batch_kind::item_delete_if:
    erase_item_if(conn, op.group, op.text, op.expected);
    out.rows_affected = op.expected == 0 ? 0 : 1;
    break;
  case batch_kind::cell_set:
    put_cell(conn, op.group, op.at, op.x);
    out.version = cell_version(conn, op);
    out.rows_affected = 1;
    break;
  case batch_kind::cell_set_if:
    out.version = put_cell_if(conn, op.group, op.at, op.x, op.expected);
    out.rows_affected = 1;
    break;
  case batch_kind::cell_delete:
    out.rows_affected = erase_cell(conn, op.group, op.at) ? 1 : 0;
    break;
  case batch_kind::cell_delete_if:
    erase_cell_if(conn, op.group, op.at, op.expected);
    out.rows_affected = op.expected == 0 ? 0 : 1;
    break;
  case batch_kind::statement:
    out.rows_affected = conn.execute(op.text, op.params).rows_affected;
    break;
  default:
    throw_invalid("unknown kind " +
                  std::to_string(static_cast<int>(op.kind)));
  }
  return out;
}

} // namespace

std::vector<batch_result> apply_batch(connection& conn,
                                      const std::vector<batch_op>& ops) {
  std::vector<batch_result> out;
  out.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    auto prefix = [&] { return describe(ops[i], i) + ": "; };
    try {
      out.push_back(apply_one(conn, ops[i]));
    } catch (const version_conflict& c) {
      throw version_conflict(prefix() + c.what(), c.current());
    } catch (const storage_failure& f) {
      throw storage_failure(f.kind(), prefix() + f.what(), f.code(),
                            f.retryable());
    } catch (const std::exception& e) {
      throw std::runtime_error(prefix() + e.what());
    }
  }
  return out;
}

} // namespace sasync
