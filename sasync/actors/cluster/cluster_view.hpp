// The cluster as one node reports it: plain data that travels to clients.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sasync {

/// One member as the database knows it.
struct member_view {
  std::int64_t id = 0;
  std::string address; ///< HOST:PORT, where nodes and clients reach it
  /// Holds its session's lock and reported within the lease. A member that
  /// is not alive stays listed (as dead) until it owns no group and another
  /// member joins; a member that left cleanly is not listed.
  bool alive = false;
  std::int64_t groups = 0; ///< groups it owns (sasync_owners)
};

/// "alive" or "dead".
inline std::string state_of(const member_view& m) {
  return m.alive ? "alive" : "dead";
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_view& x) {
  return f(x.id, x.address, x.alive, x.groups);
}

/// The answer to cluster_atom: the members by id, and which of them is the
/// node that answered (0 while it is not a member, e.g. reconnecting).
struct cluster_view {
  std::int64_t self = 0;
  std::vector<member_view> members;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_view& x) {
  return f(x.self, x.members);
}

} // namespace sasync
