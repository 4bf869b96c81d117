// The ownership actor: blocking database work on a thread of its own, so
// the node's actors never wait for PostgreSQL. Every request is answered:
// each statement is bounded by the lease, each handshake by a timeout.
#include "sasync/actors/cluster/group_ownership.hpp"

#include "sasync/actors/errc.hpp"
#include "sasync/actors/in_words.hpp"
#include "sasync/actors/net/endpoint.hpp"
#include "sasync/actors/net/node.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/event_log.hpp"
#include "sasync/storage/metrics.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/thread_state.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <tuple>

namespace sasync {

namespace {

struct ownership_state {
  /// First, so it goes last: after the connection has closed.
  thread_state_release release;
  engine_config engine;
  std::chrono::milliseconds lease{5000};
  cluster_membership membership;
  std::unique_ptr<connection> conn;
  /// The other members' node entries, by member id.
  std::map<std::int64_t, caf::actor> peers;
  static inline const char* name = "sasync.group_ownership";
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct ownership_self : group_ownership::stateful_base<ownership_state> {
  using super = group_ownership::stateful_base<ownership_state>;
  using super::super;
};

using ownership_ptr = ownership_self*;

using route =
    std::tuple<std::int64_t, std::int64_t, bool, caf::strong_actor_ptr>;

/// The session, opened (again) when missing or broken; statements bounded
/// by the lease (at least 1 s) so an answer never waits for a silent
/// database longer.
connection& session(ownership_state& st) {
  if (!st.conn || !st.conn->usable()) {
    st.conn.reset();
    st.conn = open_connection(st.engine, access_mode::write);
    auto ms = std::max<std::int64_t>(st.lease.count(), 1000);
    st.conn->execute_script("SET statement_timeout = " + std::to_string(ms));
  }
  return *st.conn;
}

/// How long the members' answers may take: their statements are bounded
/// by the lease, plus room for the network.
caf::duration patience(const ownership_state& st) {
  return caf::duration{std::max(st.lease, std::chrono::milliseconds{1000}) +
                       std::chrono::seconds{5}};
}

/// The membership could not say who is alive (its session is being
/// reopened, say): nothing was decided, so asking again is safe.
caf::error membership_failed(ownership_ptr self, const caf::error& err) {
  if (is_retryable(err))
    return err;
  return make_retryable_error(errc::database_error,
                              "this node cannot tell the cluster's members "
                              "now: " +
                                  self->system().render(err));
}

caf::error not_a_member() {
  return make_retryable_error(errc::unreachable,
                              "this node is not a cluster member now "
                              "(joining or reconnecting); try again");
}

/// Logs a change of owner this node settled, one line, and counts a
/// takeover (from a member counted dead) for /metrics.
void note_new_owner(group_kind kind, std::int64_t group,
                    const std::optional<group_owner>& before,
                    const group_owner& now) {
  auto what = "cluster: group " + std::string{kind_name(kind)} + "/" +
              std::to_string(group);
  auto epoch = " (epoch " + std::to_string(now.epoch) + ")";
  if (!before) {
    log_event(log_level::info, what + " claimed by member " +
                                   std::to_string(now.member) + epoch);
    return;
  }
  log_event(log_level::info, what + " taken over by member " +
                                 std::to_string(now.member) + " from member " +
                                 std::to_string(before->member) +
                                 ", counted dead" + epoch);
  if (metrics::enabled())
    metrics::counter_of("sasync_cluster_takeovers_total",
                        "Groups this node gave a new owner because their "
                        "owner was counted dead.")
        .add();
}

/// The owner of a group as `view` and the database say; takes it for the
/// preferred live member when nobody alive holds it. Throws storage_failure.
group_owner owner_of(ownership_state& st, const cluster_view& view,
                     group_kind kind, std::int64_t group) {
  auto& conn = session(st);
  auto alive = [&](std::int64_t id) {
    return std::any_of(view.members.begin(), view.members.end(),
                       [&](auto& m) { return m.id == id && m.alive; });
  };
  auto known = recorded_owner(conn, kind, group);
  if (known && alive(known->member))
    return *known;
  std::vector<cluster_member> members;
  for (auto& m : view.members)
    members.push_back({m.id, m.address, m.alive});
  auto candidate = preferred_owner(members, kind, group);
  if (!candidate)
    throw storage_failure(failure_kind::busy, "no cluster member is alive", {},
                          true);
  // The database decides: a live owner it knows of stays.
  auto changed = false;
  auto settled =
      settle_owner(conn, kind, group, *candidate, st.lease, &changed);
  if (changed)
    note_new_owner(kind, group, known, settled);
  return settled;
}

/// The node entry of member `id` at `address`: cached, or reached through
/// the middleman with a bounded handshake.
caf::expected<caf::actor> peer(ownership_ptr self, std::int64_t id,
                               const std::string& address) {
  auto& st = self->state;
  if (auto i = st.peers.find(id); i != st.peers.end()) {
    auto ptr = caf::actor_cast<caf::strong_actor_ptr>(i->second);
    if (!ptr->get()->getf(caf::abstract_actor::is_cleaned_up_flag))
      return i->second;
    st.peers.erase(i);
  }
  auto where = parse_endpoint(address);
  if (!where)
    return make_error(errc::unreachable,
                      "member " + std::to_string(id) +
                          " has no usable address: " + address);
  auto& sys = self->system();
  auto tls = sys.has_openssl_manager() && tls_configured(sys.config());
  auto mm = tls ? sys.openssl_manager().actor_handle()
                : sys.middleman().actor_handle();
  caf::scoped_actor asker{sys};
  caf::expected<caf::actor> out{caf::sec::none};
  auto h = asker->request(mm, patience(st), caf::connect_atom::value,
                          where->host, where->port);
  h.receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr,
          std::set<std::string>& ifs) {
        if (!ptr || !sys.assignable<node>(ifs))
          out = make_error(errc::unreachable, "no sasync node at " + address);
        else
          out = caf::actor_cast<caf::actor>(std::move(ptr));
      },
      [&](caf::error& err) {
        out = make_error(errc::unreachable, "cannot reach the owner's node " +
                                                address + ": " +
                                                in_words(sys, err));
      });
  asker->clock().cancel_request_timeout(asker.ptr(), h.id());
  if (out)
    st.peers[id] = *out;
  return out;
}

bool valid_kind(std::int16_t kind) {
  return kind >= 1 && kind <= 3;
}

caf::error bad_kind(std::int16_t kind) {
  return make_error(errc::invalid_argument,
                    "no group kind " + std::to_string(kind));
}

group_ownership::behavior_type ownership_impl(ownership_ptr self,
                                              engine_config engine,
                                              std::chrono::milliseconds lease,
                                              cluster_membership membership) {
  auto& st = self->state;
  st.engine = std::move(engine);
  st.lease = lease;
  st.membership = std::move(membership);
  return {
      [=](own_atom, std::int16_t kind,
          std::int64_t group) -> caf::result<std::int64_t, std::int64_t, bool,
                                             caf::strong_actor_ptr> {
        if (!valid_kind(kind))
          return bad_kind(kind);
        auto rp = self->make_response_promise<std::int64_t, std::int64_t, bool,
                                              caf::strong_actor_ptr>();
        self->request(self->state.membership, patience(self->state),
                      cluster_atom::value)
            .then(
                [=](cluster_view& view) mutable {
                  if (view.self == 0) {
                    rp.deliver(not_a_member());
                    return;
                  }
                  group_owner owner;
                  try {
                    owner = owner_of(self->state, view,
                                     static_cast<group_kind>(kind), group);
                  } catch (const storage_failure& f) {
                    {
                      rp.deliver(to_error(f));
                      return;
                    }
                  }
                  if (owner.member == view.self) {
                    rp.deliver(owner.member, owner.epoch, true,
                               caf::strong_actor_ptr{});
                    return;
                  }
                  std::string address;
                  for (auto& m : view.members)
                    if (m.id == owner.member)
                      address = m.address;
                  auto entry = peer(self, owner.member, address);
                  if (!entry) {
                    rp.deliver(std::move(entry.error()));
                    return;
                  }
                  rp.deliver(owner.member, owner.epoch, false,
                             caf::actor_cast<caf::strong_actor_ptr>(*entry));
                },
                [=](caf::error& err) mutable {
                  rp.deliver(membership_failed(self, err));
                });
        return rp;
      },
      [=](own_atom, std::int16_t kind, std::int64_t group,
          std::int64_t epoch) -> caf::result<std::int64_t> {
        if (!valid_kind(kind))
          return bad_kind(kind);
        auto rp = self->make_response_promise<std::int64_t>();
        self->request(self->state.membership, patience(self->state),
                      cluster_atom::value)
            .then(
                [=](cluster_view& view) mutable {
                  if (view.self == 0) {
                    rp.deliver(not_a_member());
                    return;
                  }
                  try {
                    auto owner =
                        recorded_owner(session(self->state),
                                       static_cast<group_kind>(kind), group);
                    rp.deliver(owner && owner->member == view.self &&
                                       owner->epoch == epoch
                                   ? view.self
                                   : std::int64_t{0});
                  } catch (const storage_failure& f) {
                    rp.deliver(to_error(f));
                  }
                },
                [=](caf::error& err) mutable {
                  rp.deliver(membership_failed(self, err));
                });
        return rp;
      },
  };
}

} // namespace

group_ownership spawn_group_ownership(caf::actor_system& sys,
                                      engine_config engine,
                                      const cluster_config& cfg,
                                      cluster_membership membership) {
  return cfg.detached
             ? sys.spawn<caf::detached>(ownership_impl, std::move(engine),
                                        cfg.lease, std::move(membership))
             : sys.spawn(ownership_impl, std::move(engine), cfg.lease,
                         std::move(membership));
}

} // namespace sasync
