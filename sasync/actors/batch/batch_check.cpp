// The batch's input checks: the same limits the items and array actors and
// sql apply to single operations.
#include "sasync/actors/batch/batch_check.hpp"

#include "sasync/actors/detail/statement_policy.hpp"
#include "sasync/actors/detail/value_limits.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/batch_apply.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <caf/message.hpp>

#include <cstdlib>

namespace sasync {

namespace {

caf::error check_op(batch_op& op, bool allow_ddl) {
  switch (op.kind) {
  case batch_kind::item_set:
  case batch_kind::item_set_if:
    return detail::check_stored(&op.text, op.x);
  case batch_kind::item_delete:
  case batch_kind::item_delete_if:
    return detail::check_name(op.text);
  case batch_kind::cell_set:
  case batch_kind::cell_set_if:
    return detail::check_stored(nullptr, op.x);
  case batch_kind::cell_delete:
  case batch_kind::cell_delete_if:
    return {};
  case batch_kind::statement:
    break;
  default:
    return make_error(errc::invalid_argument, "unknown kind");
  }
  if (op.text.empty())
    return make_error(errc::invalid_argument, "an empty statement");
  if (auto err = detail::check_statement(op.text, allow_ddl))
    return err;
  if (op.named.empty())
    return {};
  if (!op.params.empty())
    return make_error(errc::invalid_argument,
                      "a statement with both `?` and `:name` parameters");
  try {
    auto p = to_positional(op.text, op.named);
    op.text = std::move(p.sql);
    op.params = std::move(p.params);
    op.named.clear();
  } catch (const storage_failure& f) {
    return to_error(f);
  }
  return {};
}

/// `err`'s words after `prefix`, same code.
caf::error prefixed(const caf::error& err, const std::string& prefix) {
  auto& ctx = err.context();
  std::string what;
  if (ctx.match_elements<std::string, bool>())
    what = ctx.get_as<std::string>(0);
  return make_error(static_cast<errc>(err.code()), prefix + what);
}

} // namespace

caf::error check_batch(std::vector<batch_op>& ops, bool allow_ddl) {
  if (ops.empty())
    return make_error(errc::invalid_argument, "an empty batch");
  if (ops.size() > max_batch_ops)
    return make_error(errc::invalid_argument,
                      "a batch of " + std::to_string(ops.size()) +
                          " operations is over the limit of " +
                          std::to_string(max_batch_ops));
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (auto err = check_op(ops[i], allow_ddl))
      return prefixed(err, describe(ops[i], i) + ": ");
  return {};
}

long failed_operation(const caf::error& err) {
  if (!err || err.category() != errc_category)
    return -1;
  auto& ctx = err.context();
  if (ctx.empty() || !ctx.match_element<std::string>(0))
    return -1;
  auto& what = ctx.get_as<std::string>(0);
  static const std::string tag = "operation ";
  if (what.compare(0, tag.size(), tag) != 0)
    return -1;
  char* end = nullptr;
  auto n = std::strtol(what.c_str() + tag.size(), &end, 10);
  if (end == what.c_str() + tag.size() || n < 0 || *end != ' ')
    return -1;
  return n;
}

} // namespace sasync
