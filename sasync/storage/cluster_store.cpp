// The cluster's tables and the statements on them. Liveness and ownership
// are decided by the database alone (its clock, its locks), so members
// never compare clocks of their own.
#include "sasync/storage/cluster_store.hpp"

#include "sasync/storage/connection.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/transaction.hpp"
#include "sasync/storage/value.hpp"

#include <algorithm>

namespace sasync {

namespace {

// A member's advisory lock: the two-key form, the first key naming the
// cluster by its members table (two clusters in one database, in schemas of
// their own, number their members alike), the member id folded into the
// second.
const std::string member_lock_space =
    "(('sasync_members'::regclass)::oid::bigint % 2147483647)::int4";
const std::string member_lock_key =
    member_lock_space + ", (? % 2147483647)::int4";

/// SQL true while member row `m` holds its lock in this database.
std::string lock_held(const char* m) {
  return std::string{"EXISTS (SELECT 1 FROM pg_locks l WHERE "
                     "l.locktype = 'advisory' AND l.granted AND "
                     "l.objsubid = 2 AND l.classid = ("} +
         member_lock_space + ")::oid AND l.objid = (" + m +
         ".id % 2147483647)::int4::oid AND l.database = (SELECT oid FROM "
         "pg_database WHERE datname = current_database()))";
}

/// SQL true while member `id_sql` holds its lock and reported within the
/// lease (a parameter in seconds, after id_sql's own).
std::string member_alive(const std::string& id_sql) {
  return "EXISTS (SELECT 1 FROM sasync_members m WHERE m.id = " + id_sql +
         " AND " + lock_held("m") +
         " AND m.seen_at > now() - make_interval(secs => ?))";
}

value seconds(std::chrono::milliseconds lease) {
  return value{static_cast<double>(lease.count()) / 1000.0};
}

std::string group_name(group_kind kind, std::int64_t group) {
  return std::string{kind_name(kind)} + " group " + std::to_string(group);
}

void require_postgresql(const connection& conn) {
  if (conn.dialect() != dialect_kind::postgresql)
    throw_invalid("a cluster needs PostgreSQL");
}

/// Runs `work` in a transaction of its own, rolled back if it throws.
template <class Work> auto in_transaction(connection& conn, Work work) {
  if (conn.in_transaction())
    throw_invalid("cluster bookkeeping runs in a transaction of its own");
  transaction tx{conn, access_mode::write};
  auto out = work();
  tx.commit();
  return out;
}

/// The kind whose owner row a group uses: items and dict of one group
/// share their rows in sasync_items, so they share one owner (and the two
/// actors, on that node, agree on the group).
group_kind owning_kind(group_kind kind) {
  return kind == group_kind::dict ? group_kind::items : kind;
}

value kind_value(group_kind kind) {
  return value{static_cast<std::int64_t>(owning_kind(kind))};
}

} // namespace

const char* kind_name(group_kind kind) {
  switch (kind) {
  case group_kind::items:
    return "items";
  case group_kind::dict:
    return "dict";
  case group_kind::array:
    return "array";
  }
  return "group";
}

void create_cluster_tables(connection& conn) {
  require_postgresql(conn);
  auto create = [&] {
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('sasync.ddl'))");
    conn.execute_script("CREATE TABLE IF NOT EXISTS sasync_members ("
                        "id bigserial PRIMARY KEY, "
                        "address text NOT NULL, "
                        "joined_at timestamptz NOT NULL DEFAULT now(), "
                        "seen_at timestamptz NOT NULL DEFAULT now())");
    // member NULL: handed back, nobody owns the group until it is settled.
    conn.execute_script("CREATE TABLE IF NOT EXISTS sasync_owners ("
                        "kind smallint NOT NULL, "
                        "grp bigint NOT NULL, "
                        "member bigint, "
                        "epoch bigint NOT NULL, "
                        "PRIMARY KEY (kind, grp))");
    conn.execute_script("CREATE INDEX IF NOT EXISTS sasync_owners_member "
                        "ON sasync_owners (member)");
    return 0;
  };
  if (conn.in_transaction())
    create();
  else
    in_transaction(conn, create);
}

std::int64_t join_cluster(connection& session, const std::string& address) {
  require_postgresql(session);
  if (session.in_transaction())
    throw_invalid("a member's session holds its lock outside transactions");
  // The id comes first and its lock before its row: a row without a held
  // lock is a dead member's, which joiners forget below, so a member's row
  // must never exist before its lock.
  auto id = session
                .execute("SELECT nextval(pg_get_serial_sequence("
                         "'sasync_members', 'id'))")
                .rows.at(0)
                .at(0)
                .as_integer();
  auto locked = session
                    .execute("SELECT pg_try_advisory_lock(" + member_lock_key +
                                 ")",
                             {value{id}})
                    .rows.at(0)
                    .at(0);
  if (locked.as_integer() == 0)
    throw storage_failure(failure_kind::busy,
                          "member " + std::to_string(id) +
                              "'s lock is held by another session");
  try {
    // Members whose session ended and that own nothing are forgotten as
    // others join.
    session.execute("DELETE FROM sasync_members d WHERE NOT " + lock_held("d") +
                    " AND NOT EXISTS (SELECT 1 FROM sasync_owners o "
                    "WHERE o.member = d.id)");
    session.execute("INSERT INTO sasync_members (id, address) VALUES (?, ?)",
                    {value{id}, value{address}});
  } catch (...) {
    try {
      session.execute("SELECT pg_advisory_unlock(" + member_lock_key + ")",
                      {value{id}});
    } catch (...) {
      // the session is gone, and its lock with it
    }
    throw;
  }
  return id;
}

void report_alive(connection& session, std::int64_t member,
                  std::chrono::milliseconds lease) {
  auto rs = session.execute("UPDATE sasync_members SET seen_at = now() "
                            "WHERE id = ? AND " +
                                member_alive("?"),
                            {value{member}, value{member}, seconds(lease)});
  if (rs.rows_affected == 0)
    throw storage_failure(failure_kind::fenced,
                          "the cluster counts member " +
                              std::to_string(member) +
                              " dead: it reported later than its lease or "
                              "its session ended");
}

std::int64_t leave_cluster(connection& session, std::int64_t member) {
  auto handed = in_transaction(session, [&] {
    auto rs = session.execute(
        "UPDATE sasync_owners SET member = NULL, epoch = epoch + 1 "
        "WHERE member = ?",
        {value{member}});
    session.execute("DELETE FROM sasync_members WHERE id = ?", {value{member}});
    return rs.rows_affected;
  });
  session.execute("SELECT pg_advisory_unlock(" + member_lock_key + ")",
                  {value{member}});
  return handed;
}

std::vector<cluster_member> cluster_members(connection& conn,
                                            std::chrono::milliseconds lease) {
  auto rs = conn.execute("SELECT s.id, s.address, " + member_alive("s.id") +
                             " FROM sasync_members s ORDER BY s.id",
                         {seconds(lease)});
  std::vector<cluster_member> out;
  out.reserve(rs.rows.size());
  for (auto& r : rs.rows)
    out.push_back({r.at(0).as_integer(), r.at(1).as_text(),
                   r.at(2).as_integer() != 0});
  return out;
}

namespace {

/// splitmix64's finaliser: a well-spread 64-bit hash of `x`.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

} // namespace

std::optional<std::int64_t>
preferred_owner(const std::vector<cluster_member>& members, group_kind kind,
                std::int64_t group) {
  std::optional<std::int64_t> best;
  std::uint64_t best_score = 0;
  auto key = mix(static_cast<std::uint64_t>(group) ^
                 (static_cast<std::uint64_t>(owning_kind(kind)) << 56));
  for (auto& m : members) {
    if (!m.alive)
      continue;
    auto score = mix(key ^ static_cast<std::uint64_t>(m.id));
    if (!best || score > best_score || (score == best_score && m.id < *best)) {
      best = m.id;
      best_score = score;
    }
  }
  return best;
}

group_owner settle_owner(connection& conn, group_kind kind, std::int64_t group,
                         std::int64_t candidate,
                         std::chrono::milliseconds lease, bool* changed) {
  require_postgresql(conn);
  return in_transaction(conn, [&] {
    if (changed != nullptr)
      *changed = false;
    // A write of the old owner holds the row (fence_group) until it ends;
    // a frozen one must not hold the takeover forever.
    conn.execute_script("SET LOCAL lock_timeout = " +
                        std::to_string(std::max<std::int64_t>(
                            lease.count(), 1)));
    conn.execute("INSERT INTO sasync_owners (kind, grp, member, epoch) "
                 "VALUES (?, ?, NULL, 0) ON CONFLICT DO NOTHING",
                 {kind_value(kind), value{group}});
    auto rs = conn.execute("SELECT o.member, o.epoch, o.member IS NOT NULL "
                           "AND " +
                               member_alive("o.member") + ", " +
                               member_alive("?") +
                               " FROM sasync_owners o WHERE o.kind = ? AND "
                               "o.grp = ? FOR UPDATE",
                           {seconds(lease), value{candidate}, seconds(lease),
                            kind_value(kind), value{group}});
    auto& r = rs.rows.at(0);
    auto epoch = r.at(1).as_integer();
    if (r.at(2).as_integer() != 0)
      return group_owner{r.at(0).as_integer(), epoch};
    if (r.at(3).as_integer() == 0)
      throw storage_failure(failure_kind::busy,
                            "member " + std::to_string(candidate) +
                                " cannot take " + group_name(kind, group) +
                                ": it is not alive",
                            {}, true);
    conn.execute("UPDATE sasync_owners SET member = ?, epoch = ? "
                 "WHERE kind = ? AND grp = ?",
                 {value{candidate}, value{epoch + 1}, kind_value(kind),
                  value{group}});
    if (changed != nullptr)
      *changed = true;
    return group_owner{candidate, epoch + 1};
  });
}

std::optional<group_owner> recorded_owner(connection& conn, group_kind kind,
                                          std::int64_t group) {
  auto rs = conn.execute("SELECT member, epoch FROM sasync_owners "
                         "WHERE kind = ? AND grp = ? AND member IS NOT NULL",
                         {kind_value(kind), value{group}});
  if (rs.rows.empty())
    return std::nullopt;
  return group_owner{rs.rows[0].at(0).as_integer(),
                     rs.rows[0].at(1).as_integer()};
}

void fence_group(connection& conn, group_kind kind, std::int64_t group,
                 const group_owner& owner) {
  if (!conn.in_transaction())
    throw_invalid("a fence belongs in the transaction of the write it guards");
  auto rs = conn.execute("SELECT 1 FROM sasync_owners WHERE kind = ? AND "
                         "grp = ? AND member = ? AND epoch = ? FOR SHARE",
                         {kind_value(kind), value{group}, value{owner.member},
                          value{owner.epoch}});
  if (rs.rows.empty())
    throw storage_failure(failure_kind::fenced,
                          "member " + std::to_string(owner.member) +
                              " no longer owns " + group_name(kind, group) +
                              " (epoch " + std::to_string(owner.epoch) +
                              "): nothing of this write committed");
}

std::map<std::int64_t, std::int64_t> owned_group_counts(connection& conn) {
  auto rs = conn.execute("SELECT member, count(*) FROM sasync_owners "
                         "WHERE member IS NOT NULL GROUP BY member");
  std::map<std::int64_t, std::int64_t> out;
  for (auto& r : rs.rows)
    out.emplace(r.at(0).as_integer(), r.at(1).as_integer());
  return out;
}

void release_group(connection& conn, group_kind kind, std::int64_t group,
                   const group_owner& owner) {
  conn.execute("UPDATE sasync_owners SET member = NULL, epoch = epoch + 1 "
               "WHERE kind = ? AND grp = ? AND member = ? AND epoch = ?",
               {kind_value(kind), value{group}, value{owner.member},
                value{owner.epoch}});
}

} // namespace sasync
