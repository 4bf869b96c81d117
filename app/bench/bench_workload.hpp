// What a sasync-bench run does, shared by the raw baselines and the sasync
// clients so that both sides touch the same rows.
#pragma once

#include "sasync/storage/engine_config.hpp"
#include "sasync/storage/stored_value.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace sasync::bench {

enum class operation { set, get, mixed };

/// Groups of sasync_items: sasync's runs read and write `sasync_group`
/// (`remote_group` for remote sets, so those insert too); every raw
/// baseline that writes has a group of its own for the same reason.
constexpr std::int64_t sasync_group = 1;
constexpr std::int64_t remote_group = 2;

struct workload {
  operation op = operation::set;
  std::uint64_t ops = 0;
  /// Names filled before a get or mixed run: k0 .. k{keys-1}.
  std::uint64_t keys = 0;
  /// The string every write stores, and its encoding (what raw writes).
  std::string payload;
  stored_value encoded;
  /// Operations for baselines that commit each operation on its own: they
  /// run at disk-flush speed, so a slice of `ops` measures them.
  std::uint64_t durable_ops = 0;
  /// One write per client (--concurrency): the most one commit can hold
  /// when every client waits for its own write's commit before the next.
  std::uint64_t wave = 1;

  /// Operations for baselines that commit every wave: 5,000 waves at most.
  std::uint64_t wave_ops() const { return std::min(ops, durable_ops * wave); }

  /// Mixed runs write every fifth operation and read the rest.
  bool writes(std::uint64_t i) const {
    return op == operation::set || (op == operation::mixed && i % 5 == 4);
  }

  /// Sets insert new names; reads (and mixed writes) cycle over the filled
  /// ones.
  std::string name(std::uint64_t i) const {
    return "k" + std::to_string(op == operation::set ? i : i % keys);
  }
};

const char* to_string(operation op);

/// Creates sasync_items if missing and, for get and mixed, fills `keys`
/// names of sasync_group.
void prepare_items(const engine_config& engine, const workload& w);

} // namespace sasync::bench
