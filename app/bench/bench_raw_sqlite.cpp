// SQLite baselines with SQLiteCpp: what a user without sasync would write,
// on the same file with the same synchronous and journal_mode settings.
#include "bench_raw.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <stdexcept>

namespace sasync::bench {

namespace {

constexpr auto insert_sql = "INSERT INTO sasync_items (group_id, name, type, "
                            "value) VALUES (?, ?, ?, ?)";
constexpr auto upsert_sql =
    "INSERT INTO sasync_items (group_id, name, type, value) VALUES (?, ?, ?, "
    "?) ON CONFLICT (group_id, name) DO UPDATE SET type = excluded.type, "
    "value = excluded.value";
constexpr auto select_sql =
    "SELECT type, value FROM sasync_items WHERE group_id = ? AND name = ?";

/// Each raw writer's own group, so that its rows are new as sasync's are.
constexpr std::int64_t one_tx_group = 101;
constexpr std::int64_t tx_each_group = 102;
constexpr std::int64_t wave_group = 104;

SQLite::Database open(const engine_config& engine) {
  SQLite::Database db{engine.path, SQLite::OPEN_READWRITE};
  db.exec("PRAGMA journal_mode=" + engine.journal_mode);
  db.exec("PRAGMA synchronous=" + engine.synchronous);
  db.exec("PRAGMA busy_timeout=5000");
  return db;
}

void write(SQLite::Statement& stmt, std::int64_t group, const workload& w,
           std::uint64_t i) {
  stmt.reset();
  stmt.bind(1, static_cast<int64_t>(group));
  stmt.bind(2, w.name(i));
  stmt.bind(3, w.encoded.type);
  stmt.bind(4, w.encoded.bytes.data(),
            static_cast<int>(w.encoded.bytes.size()));
  if (stmt.exec() != 1)
    throw std::runtime_error("raw insert wrote no row for " + w.name(i));
}

/// Reads one value and checks it is the one written.
void read(SQLite::Statement& stmt, const workload& w, std::uint64_t i) {
  stmt.reset();
  stmt.bind(1, static_cast<int64_t>(sasync_group));
  stmt.bind(2, w.name(i));
  if (!stmt.executeStep() ||
      static_cast<std::size_t>(stmt.getColumn(1).getBytes()) !=
          w.encoded.bytes.size())
    throw std::runtime_error("raw point select missed " + w.name(i));
}

baseline one_tx(const engine_config& engine, const workload& w) {
  auto db = open(engine);
  SQLite::Statement stmt{db, insert_sql};
  baseline out{"raw_one_tx", {w.ops, 0}, {}};
  measure(out.rate, [&] {
    SQLite::Transaction tx{db};
    for (std::uint64_t i = 0; i < w.ops; ++i)
      write(stmt, one_tx_group, w, i);
    tx.commit();
  });
  return out;
}

/// Transactions of one wave of inserts each, back to back: what any design
/// reaches at best when each client waits for its own commit, as no commit
/// can hold more than one write per client. The gap between it and
/// raw_one_tx is what those commits cost on this disk.
baseline tx_per_wave(const engine_config& engine, const workload& w) {
  auto db = open(engine);
  SQLite::Statement stmt{db, insert_sql};
  auto ops = w.wave_ops();
  baseline out{"raw_tx_per_wave", {ops, 0}, {}};
  measure(out.rate, [&] {
    for (std::uint64_t start = 0; start < ops; start += w.wave) {
      SQLite::Transaction tx{db};
      for (auto i = start; i < std::min(ops, start + w.wave); ++i)
        write(stmt, wave_group, w, i);
      tx.commit();
    }
  });
  return out;
}

/// One operation at a time in autocommit: every write its own transaction.
baseline each_alone(const engine_config& engine, const workload& w,
                    const char* name, std::uint64_t ops) {
  auto db = open(engine);
  SQLite::Statement insert{db, insert_sql};
  SQLite::Statement upsert{db, upsert_sql};
  SQLite::Statement select{db, select_sql};
  baseline out{name, {ops, 0}, {}};
  measure(out.rate, [&] {
    for (std::uint64_t i = 0; i < ops; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      if (w.op == operation::set)
        write(insert, tx_each_group, w, i);
      else if (w.writes(i))
        write(upsert, sasync_group, w, i);
      else
        read(select, w, i);
      out.lat.add(std::chrono::steady_clock::now() - t0);
    }
  });
  return out;
}

} // namespace

std::vector<baseline> sqlite_baselines(const engine_config& engine,
                                       const workload& w) {
  std::vector<baseline> out;
  switch (w.op) {
  case operation::set:
    out.emplace_back(one_tx(engine, w));
    out.emplace_back(tx_per_wave(engine, w));
    out.emplace_back(each_alone(engine, w, "raw_tx_per_insert", w.durable_ops));
    break;
  case operation::get:
    out.emplace_back(each_alone(engine, w, "raw_point_select", w.ops));
    break;
  case operation::mixed:
    out.emplace_back(each_alone(engine, w, "raw_mixed", w.durable_ops));
    break;
  }
  return out;
}

} // namespace sasync::bench
