// Client helpers for atomic batches: a builder that encodes values like the
// other helpers, and the batch request itself, blocking and event-based,
// through a broker or a node handle alike.
//
//   batch_builder b;
//   b.set_if(1, "from", balance - 10, from_version).set(1, "to", 10);
//   auto done = batch(self, db, b);  // all or nothing
//   if (!done && is(done.error(), errc::conflict))
//     failed_operation(done.error());  // 0: "from" moved on; read again
#pragma once

#include "sasync/actors/batch/batch_check.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/defaults.hpp"
#include "sasync/storage/batch_op.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sasync {

/// Collects the operations of a batch; a value that does not encode is
/// kept as the builder's error, which batch() answers without a request.
class batch_builder {
public:
  template <class T>
  batch_builder& set(std::int64_t group, std::string name, const T& x) {
    return add_value(batch_kind::item_set, group, std::move(name), {}, x, 0);
  }
  template <class T>
  batch_builder& set_if(std::int64_t group, std::string name, const T& x,
                        std::uint64_t expected) {
    return add_value(batch_kind::item_set_if, group, std::move(name), {}, x,
                     expected);
  }
  batch_builder& erase(std::int64_t group, std::string name) {
    return add(batch_kind::item_delete, group, std::move(name), {}, 0);
  }
  batch_builder& erase_if(std::int64_t group, std::string name,
                          std::uint64_t expected) {
    return add(batch_kind::item_delete_if, group, std::move(name), {},
               expected);
  }
  template <class T>
  batch_builder& set(std::int64_t group, coordinates at, const T& x) {
    return add_value(batch_kind::cell_set, group, {}, at, x, 0);
  }
  template <class T>
  batch_builder& set_if(std::int64_t group, coordinates at, const T& x,
                        std::uint64_t expected) {
    return add_value(batch_kind::cell_set_if, group, {}, at, x, expected);
  }
  batch_builder& erase(std::int64_t group, coordinates at) {
    return add(batch_kind::cell_delete, group, {}, at, 0);
  }
  batch_builder& erase_if(std::int64_t group, coordinates at,
                          std::uint64_t expected) {
    return add(batch_kind::cell_delete_if, group, {}, at, expected);
  }
  batch_builder& sql(std::string statement, std::vector<value> params = {}) {
    add(batch_kind::statement, 0, std::move(statement), {}, 0);
    ops_.back().params = std::move(params);
    return *this;
  }
  /// `:name` parameters, as sql_named (client_named.hpp).
  batch_builder& sql_named(std::string statement, named_values params) {
    add(batch_kind::statement, 0, std::move(statement), {}, 0);
    ops_.back().named = std::move(params);
    return *this;
  }

  const std::vector<batch_op>& ops() const noexcept { return ops_; }
  const caf::error& error() const noexcept { return error_; }

private:
  batch_builder& add(batch_kind kind, std::int64_t group, std::string text,
                     coordinates at, std::uint64_t expected) {
    batch_op op;
    op.kind = kind;
    op.group = group;
    op.text = std::move(text);
    op.at = at;
    op.expected = expected;
    ops_.push_back(std::move(op));
    return *this;
  }
  template <class T>
  batch_builder& add_value(batch_kind kind, std::int64_t group,
                           std::string text, coordinates at, const T& x,
                           std::uint64_t expected) {
    add(kind, group, std::move(text), at, expected);
    auto encoded = detail::try_encode(x);
    if (encoded)
      ops_.back().x = std::move(*encoded);
    else if (!error_)
      error_ = make_error(errc::invalid_argument,
                          describe_index(ops_.size() - 1) +
                              in_words_of(encoded.error()));
    return *this;
  }
  static std::string describe_index(std::size_t i) {
    return "operation " + std::to_string(i) + " (its value): ";
  }
  static std::string in_words_of(const caf::error& err) {
    auto& ctx = err.context();
    if (ctx.match_elements<std::string, bool>())
      return ctx.get_as<std::string>(0);
    return "does not encode";
  }

  std::vector<batch_op> ops_;
  caf::error error_;
};

// -- scoped actors ------------------------------------------------------------

/// Runs `ops` in one transaction: one result each, in order, or the first
/// failure (failed_operation(error) is its index) and nothing changed.
caf::expected<std::vector<batch_result>>
batch(caf::scoped_actor& self, const node& db, std::vector<batch_op> ops,
      client_timeout timeout = {}, priority prio = defaults::write_priority);

caf::expected<std::vector<batch_result>>
batch(caf::scoped_actor& self, const node& db, const batch_builder& ops,
      client_timeout timeout = {}, priority prio = defaults::write_priority);

// -- event-based actors -------------------------------------------------------

/// `on_result(std::vector<batch_result>&)`; `on_error(caf::error&)`.
template <class Self, class OnResult, class OnError>
void batch(Self* self, const node& db, std::vector<batch_op> ops,
           OnResult on_result, OnError on_error, client_timeout timeout = {},
           priority prio = defaults::write_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    batch_atom::value, std::move(ops), prio);
}

template <class Self, class OnResult, class OnError>
void batch(Self* self, const node& db, const batch_builder& ops,
           OnResult on_result, OnError on_error, client_timeout timeout = {},
           priority prio = defaults::write_priority) {
  if (ops.error()) {
    auto err = ops.error();
    return on_error(err);
  }
  batch(self, db, ops.ops(), std::move(on_result), std::move(on_error),
        timeout, prio);
}

} // namespace sasync
