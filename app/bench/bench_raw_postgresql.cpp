// PostgreSQL baselines on one connection: libpqxx as a user without sasync
// would write it (one transaction per operation), and libpq's pipeline mode,
// which keeps the connection busy without waiting for each answer.
#include "bench_raw.hpp"

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace sasync::bench {

namespace {

constexpr auto insert_sql = "INSERT INTO sasync_items (group_id, name, type, "
                            "value) VALUES ($1, $2, $3, $4)";
constexpr auto upsert_sql =
    "INSERT INTO sasync_items (group_id, name, type, value) VALUES ($1, $2, "
    "$3, $4) ON CONFLICT (group_id, name) DO UPDATE SET type = "
    "excluded.type, value = excluded.value";
constexpr auto select_sql =
    "SELECT type, value FROM sasync_items WHERE group_id = $1 AND name = $2";

constexpr std::int64_t tx_each_group = 102;
constexpr std::int64_t pipeline_group = 103;
constexpr std::int64_t wave_group = 104;

baseline libpqxx_each(const engine_config& engine, const workload& w,
                      const char* name, std::uint64_t ops) {
  pqxx::connection conn{engine.libpq_conninfo()};
  conn.prepare("insert", insert_sql);
  conn.prepare("upsert", upsert_sql);
  conn.prepare("select", select_sql);
  pqxx::binarystring bytes{w.encoded.bytes.data(), w.encoded.bytes.size()};
  baseline out{name, {ops, 0}, {}};
  measure(out.rate, [&] {
    for (std::uint64_t i = 0; i < ops; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      if (w.writes(i)) {
        pqxx::work tx{conn};
        if (w.op == operation::set)
          tx.exec_prepared("insert", tx_each_group, w.name(i), w.encoded.type,
                           bytes);
        else
          tx.exec_prepared("upsert", sasync_group, w.name(i), w.encoded.type,
                           bytes);
        tx.commit();
      } else {
        pqxx::nontransaction tx{conn};
        auto res = tx.exec_prepared("select", sasync_group, w.name(i));
        if (res.size() != 1)
          throw std::runtime_error("raw point select missed " + w.name(i));
      }
      out.lat.add(std::chrono::steady_clock::now() - t0);
    }
  });
  return out;
}

using pg_conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

void expect(PGresult* res, ExecStatusType status, const char* what) {
  auto got = PQresultStatus(res);
  std::string message = res ? PQresultErrorMessage(res) : "no result";
  PQclear(res);
  if (got != status)
    throw std::runtime_error(std::string{"libpq pipeline: "} + what + ": " +
                             message);
}

void prepare(PGconn* conn, const char* name, const char* sql, int params) {
  expect(PQprepare(conn, name, sql, params, nullptr), PGRES_COMMAND_OK,
         "prepare");
}

/// Every operation sent without waiting, a sync point (and so a commit)
/// after each window of `window` operations (0: small enough that neither
/// side's socket buffer fills while the other is still writing), on the
/// rows of `group_id` for sets.
baseline libpq_pipeline(const engine_config& engine, const workload& w,
                        std::string name, std::uint64_t window,
                        std::int64_t group_id, std::uint64_t ops) {
  pg_conn conn{PQconnectdb(engine.libpq_conninfo().c_str()), &PQfinish};
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string{"libpq: "} +
                             PQerrorMessage(conn.get()));
  auto* c = conn.get();
  prepare(c, "insert", insert_sql, 4);
  prepare(c, "upsert", upsert_sql, 4);
  prepare(c, "select", select_sql, 2);
  if (window == 0)
    window = std::clamp<std::uint64_t>(
        64 * 1024 / (w.encoded.bytes.size() + 200), 1, 1000);
  auto group = std::to_string(w.op == operation::set ? group_id : sasync_group);
  baseline out{std::move(name), {ops, 0}, {}};
  measure(out.rate, [&] {
    if (PQenterPipelineMode(c) != 1)
      throw std::runtime_error("libpq: cannot enter pipeline mode");
    for (std::uint64_t start = 0; start < ops; start += window) {
      auto end = std::min(ops, start + window);
      for (auto i = start; i < end; ++i) {
        auto name = w.name(i);
        const char* values[4] = {
            group.c_str(), name.c_str(), w.encoded.type.c_str(),
            reinterpret_cast<const char*>(w.encoded.bytes.data())};
        int lengths[4] = {0, 0, 0, static_cast<int>(w.encoded.bytes.size())};
        int formats[4] = {0, 0, 0, 1};
        int sent = 0;
        if (w.writes(i))
          sent = PQsendQueryPrepared(
              c, w.op == operation::set ? "insert" : "upsert", 4, values,
              lengths, formats, 1);
        else
          sent =
              PQsendQueryPrepared(c, "select", 2, values, lengths, formats, 1);
        if (sent != 1)
          throw std::runtime_error(std::string{"libpq: "} + PQerrorMessage(c));
      }
      if (PQpipelineSync(c) != 1)
        throw std::runtime_error("libpq: pipeline sync failed");
      for (auto i = start; i < end; ++i) {
        auto* res = PQgetResult(c);
        if (w.writes(i)) {
          expect(res, PGRES_COMMAND_OK, "insert");
        } else {
          if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) != 1) {
            PQclear(res);
            throw std::runtime_error("raw pipeline select missed " + w.name(i));
          }
          expect(res, PGRES_TUPLES_OK, "select");
        }
        PQclear(PQgetResult(c)); // the null that ends each query's results
      }
      expect(PQgetResult(c), PGRES_PIPELINE_SYNC, "sync");
    }
    PQexitPipelineMode(c);
  });
  return out;
}

} // namespace

std::vector<baseline> postgresql_baselines(const engine_config& engine,
                                           const workload& w) {
  std::vector<baseline> out;
  switch (w.op) {
  case operation::set:
    out.emplace_back(
        libpqxx_each(engine, w, "raw_libpqxx_tx_per_insert", w.durable_ops));
    break;
  case operation::get:
    out.emplace_back(
        libpqxx_each(engine, w, "raw_libpqxx_point_select", w.durable_ops));
    break;
  case operation::mixed:
    out.emplace_back(
        libpqxx_each(engine, w, "raw_libpqxx_mixed", w.durable_ops));
    break;
  }
  out.emplace_back(libpq_pipeline(engine, w, "raw_libpq_pipeline", 0,
                                  pipeline_group, w.ops));
  // A commit per wave of writes, one per client: what any design reaches at
  // best on one connection when each client waits for its own commit.
  if (w.op == operation::set)
    out.emplace_back(libpq_pipeline(engine, w, "raw_libpq_pipeline_per_wave",
                                    w.wave, wave_group, w.wave_ops()));
  return out;
}

} // namespace sasync::bench
