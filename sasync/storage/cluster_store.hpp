// A cluster's shared state in PostgreSQL: its members, the owner of each
// group, and the fence every write for a group passes.
#pragma once

#include "sasync/storage/fwd.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sasync {

/// The kinds of group a cluster gives one owner each.
/// Items and dict of one group share their rows, and so one owner.
enum class group_kind : std::int16_t { items = 1, dict = 2, array = 3 };

/// "items", "dict" or "array" (as in log lines and errors).
const char* kind_name(group_kind kind);

/// One node of the cluster as the database knows it. A member is alive while
/// its session holds the member's advisory lock (a killed process or a
/// terminated session lets go at once) and it has reported within the lease
/// (a frozen process keeps its session, so its reports stop instead).
struct cluster_member {
  std::int64_t id = 0;
  std::string address; ///< HOST:PORT, where nodes and clients reach it
  bool alive = false;
};

/// Who owns a group and since which change of owner. The epoch rises with
/// every change, so a write that names the epoch it was given commits only
/// while that ownership lasts.
struct group_owner {
  std::int64_t member = 0;
  std::int64_t epoch = 0;
};

/// Creates sasync_members and sasync_owners if they are missing; nodes that
/// start at once on a cold database take turns (one transaction-scoped lock
/// with the object tables).
void create_cluster_tables(connection& conn);

/// Adds a member at `address` and takes its advisory lock on `session`,
/// which must stay open, outside any transaction, for as long as the
/// member lives. Returns the new member's id.
std::int64_t join_cluster(connection& session, const std::string& address);

/// Reports the member alive. Throws storage_failure(fenced) if the cluster
/// already counts it dead (it reported too late, or left): it must then
/// drop every group it owned and join again.
void report_alive(connection& session, std::int64_t member,
                  std::chrono::milliseconds lease);

/// Hands every group of `member` back (each epoch rises) and removes it;
/// its session's lock goes too. Returns how many groups it handed back.
std::int64_t leave_cluster(connection& session, std::int64_t member);

/// The members that have not left, alive or not, by id.
std::vector<cluster_member> cluster_members(connection& conn,
                                            std::chrono::milliseconds lease);

/// The member that should own a group when nobody does: the highest
/// rendezvous score among `alive` ones, so groups spread evenly and few
/// move when members come and go. Nullopt when none is alive.
std::optional<std::int64_t>
preferred_owner(const std::vector<cluster_member>& members, group_kind kind,
                std::int64_t group);

/// The group's owner: the current one while it is alive, else `candidate`
/// (with a higher epoch). Runs in a transaction of its own. `changed`, when
/// given, tells whether this call gave the group to `candidate`.
group_owner settle_owner(connection& conn, group_kind kind, std::int64_t group,
                         std::int64_t candidate,
                         std::chrono::milliseconds lease,
                         bool* changed = nullptr);

/// The group's owner as recorded, alive or not.
std::optional<group_owner> recorded_owner(connection& conn, group_kind kind,
                                          std::int64_t group);

/// Inside the transaction of a write for the group: throws
/// storage_failure(fenced) unless `owner` still holds it. The row lock it
/// takes makes a takeover wait for this transaction's end, so a write either
/// commits before the takeover or fails: never after it.
void fence_group(connection& conn, group_kind kind, std::int64_t group,
                 const group_owner& owner);

/// How many groups each member owns, by member id (members that own none
/// are absent).
std::map<std::int64_t, std::int64_t> owned_group_counts(connection& conn);

/// Hands one group back (its epoch rises), if `owner` still holds it.
void release_group(connection& conn, group_kind kind, std::int64_t group,
                   const group_owner& owner);

} // namespace sasync
