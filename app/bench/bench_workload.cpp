#include "bench_workload.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/dialect.hpp"
#include "sasync/storage/item_store.hpp"
#include "sasync/storage/object_tables.hpp"

namespace sasync::bench {

const char* to_string(operation op) {
  switch (op) {
  case operation::set:
    return "set";
  case operation::get:
    return "get";
  case operation::mixed:
    return "mixed";
  }
  return "?";
}

void prepare_items(const engine_config& engine, const workload& w) {
  auto conn = open_connection(engine, access_mode::write);
  create_object_tables(*conn);
  if (w.op == operation::set)
    return;
  conn->begin(access_mode::write);
  for (std::uint64_t i = 0; i < w.keys; ++i)
    put_item(*conn, sasync_group, "k" + std::to_string(i), w.encoded);
  conn->commit();
  if (engine.dialect == dialect_kind::postgresql)
    conn->execute_script("ANALYZE sasync_items");
}

} // namespace sasync::bench
