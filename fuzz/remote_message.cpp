// Fuzzes what a peer's bytes become at a node: CAF's binary deserializer
// reading sasync's message types (as BASP does), then the checks the node
// and the group actors run before any work: the request limits, the
// stored-value limits, binding :name parameters, an insert spec's
// validation, a table's DDL, a batch's operations and a relay's records;
// and on a client, a cursor's batch of rows as a node answers it.
// Malformed bytes are an error, never a crash, a sanitizer report or an
// allocation beyond the input's size.
#include "sasync/actors/batch/batch_check.hpp"
#include "sasync/actors/detail/priority_check.hpp"
#include "sasync/actors/detail/value_limits.hpp"
#include "sasync/actors/net/detail/relay.hpp"
#include "sasync/actors/net/node.hpp"
#include "sasync/actors/net/wire_guard.hpp"
#include "sasync/actors/query/row_batch.hpp"
#include "sasync/storage/batch_apply.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/named_params.hpp"
#include "sasync/storage/row_insert.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/table_def.hpp"
#include "sasync/storage/versioned_value.hpp"

#include <caf/binary_deserializer.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace {

/// Runs `check` on what the bytes deserialise to, unless they do not.
template <class... Ts, class Check>
void read_then(const char* data, std::size_t size, Check check) {
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr),
                                  data, size};
  std::tuple<Ts...> xs;
  auto err = std::apply([&](auto&... x) { return source(x...); }, xs);
  if (err)
    return;
  try {
    std::apply(check, xs);
  } catch (const sasync::storage_failure&) {
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  // What the node's wire guard looks for comes first, as on the node.
  (void)sasync::refuse_payload({reinterpret_cast<const char*>(data), size});
  auto bytes = reinterpret_cast<const char*>(data) + 1;
  auto len = size - 1;
  sasync::node_limits limits;
  limits.statement_bytes = 4096; // small, so that the fuzzer reaches them
  limits.parameters = 16;
  limits.value_bytes = 1024;
  switch (data[0] % 10) {
  case 0: // sql, execute, query: a statement and its parameters
    read_then<std::string, std::vector<sasync::value>>(
        bytes, len, [&](auto& stmt, auto& params) {
          (void)sasync::check_request(limits, stmt, params);
        });
    break;
  case 1: // set on items or dict: a name and a stored value; a relay's
          // records of such requests, as the node asks its group actor, and
          // their answers, as a client hands them on
    read_then<std::string, sasync::stored_value>(
        bytes, len, [](auto& name, auto& x) {
          (void)sasync::detail::check_stored(&name, x);
        });
    read_then<std::vector<sasync::detail::relayed_request>>(
        bytes, len, [](auto& requests) {
          for (auto& request : requests)
            (void)sasync::detail::to_message(std::move(request));
        });
    read_then<std::vector<sasync::detail::relayed_answer>>(
        bytes, len, [](auto& answers) {
          for (auto& answer : answers)
            (void)sasync::detail::to_message(std::move(answer));
        });
    break;
  case 2: // set on an array: coordinates and a stored value
    read_then<std::int64_t, std::int64_t, std::int64_t, sasync::stored_value>(
        bytes, len, [](auto&, auto&, auto&, auto& x) {
          (void)sasync::detail::check_stored(nullptr, x);
        });
    break;
  case 4: // sql, execute, query with a map of :name parameters
    read_then<std::string, sasync::named_values>(
        bytes, len, [&](auto& stmt, auto& params) {
          if (!sasync::check_request(limits, stmt, params))
            (void)sasync::to_positional(stmt, params);
        });
    break;
  case 5: // set_if on items, and the versioned value a get answers
    read_then<std::string, sasync::stored_value, std::uint64_t>(
        bytes, len, [](auto& name, auto& x, auto&) {
          (void)sasync::detail::check_stored(&name, x);
        });
    read_then<sasync::versioned_value>(bytes, len, [](auto&) {});
    break;
  case 3: // insert: a bulk insert's spec
    read_then<sasync::insert_spec>(bytes, len, [](auto& spec) {
      sasync::validate(spec);
      (void)sasync::insert_statement(spec);
    });
    break;
  case 6: // the trailing priority any request may carry
    read_then<sasync::priority>(bytes, len, [](auto& prio) {
      (void)sasync::detail::check_priority(prio);
      (void)sasync::to_string(prio);
    });
    break;
  case 8: // batch: its operations, checked as the node checks them
    read_then<std::vector<sasync::batch_op>>(bytes, len, [&](auto& ops) {
      if (sasync::check_batch(ops, limits.allow_ddl))
        return;
      for (std::size_t i = 0; i < ops.size(); ++i) {
        (void)sasync::describe(ops[i], i);
        if (ops[i].kind == sasync::batch_kind::statement)
          (void)sasync::check_request(limits, ops[i].text, ops[i].params);
      }
    });
    break;
  case 9: // fetch's answer on a client: every cell of every row is read
    read_then<sasync::row_batch>(bytes, len, [](auto& batch) {
      std::size_t cells = 0;
      for (auto& r : batch.rows)
        for (auto& cell : r)
          cells += sasync::to_display(cell).size() > 0 ? 1 : 0;
      (void)cells;
    });
    break;
  default: // table: a table definition, as DDL for both backends
    read_then<sasync::table_def>(bytes, len, [](auto& def) {
      for (auto dialect :
           {sasync::dialect_kind::sqlite, sasync::dialect_kind::postgresql})
        (void)sasync::create_statements(dialect, def);
    });
  }
  return 0;
}
