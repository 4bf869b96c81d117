// The member actor: a detached actor that owns one PostgreSQL session
// outside the broker's pool. Its lock is the member's life in the database,
// so the session stays open and outside transactions for as long as the
// member lives; every failure ends in a retry, never in the node's crash.
#include "sasync/actors/cluster/cluster_membership.hpp"

#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/request_metrics.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/event_log.hpp"
#include "sasync/storage/metrics.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/thread_state.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <memory>

namespace sasync {

namespace {

/// tick: the next step of joining or reporting; rejoin: the address to
/// join at, which starts the ticks.
using cluster_membership_impl =
    cluster_membership::extend<caf::reacts_to<tick_atom>,
                               caf::reacts_to<rejoin_atom, std::string>>;

struct member_state {
  /// First, so it goes last: after the session has closed.
  thread_state_release release;
  engine_config engine;
  std::string address;
  std::chrono::milliseconds lease{5000};
  std::unique_ptr<connection> session;
  std::int64_t id = 0; ///< 0 while not a member
  /// Wait before the next attempt to connect; doubles up to the lease.
  std::chrono::milliseconds backoff{0};
  bool leaving = false;
  static inline const char* name = "sasync.cluster_membership";
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct member_self : cluster_membership_impl::stateful_base<member_state> {
  using super = cluster_membership_impl::stateful_base<member_state>;
  using super::super;
};

using member_ptr = member_self*;

/// Whether the message being handled comes from this process: a peer that
/// learned the actor from an answer must not make the node leave.
bool sent_locally(member_ptr self) {
  auto& from = self->current_sender();
  return from == nullptr || from->node() == self->node();
}

/// One line of the operator's log: membership changes are info, trouble
/// is a warning.
void say(const std::string& line, log_level level = log_level::info) {
  log_event(level, "cluster: " + line);
}

std::chrono::milliseconds report_interval(const member_state& st) {
  return std::max(st.lease / 3, std::chrono::milliseconds{1});
}

/// Bounds every statement of the session, so a silent database delays a
/// report or an answer by at most the lease, not forever.
void bound_statements(connection& session, std::chrono::milliseconds lease) {
  auto ms = std::max<std::int64_t>(lease.count(), 1000);
  session.execute_script("SET statement_timeout = " + std::to_string(ms));
}

/// Opens the session, creates the tables and joins. Throws storage_failure.
void join(member_state& st) {
  if (!st.session || !st.session->usable()) {
    st.session.reset();
    st.session = open_connection(st.engine, access_mode::write);
    bound_statements(*st.session, st.lease);
    create_cluster_tables(*st.session);
  }
  st.id = join_cluster(*st.session, st.address);
}

/// Drops the session after a failure; its lock goes with it.
void lose_session(member_state& st, const std::string& why) {
  say("member " + std::to_string(st.id) + " at " + st.address +
          " lost its database session (" + why + "); reconnecting",
      log_level::warn);
  st.session.reset();
  st.id = 0;
}

cluster_view view_of(member_state& st);

/// One step of the member's life: join if it is not a member, else report.
/// Returns how long to wait before the next step.
std::chrono::milliseconds step(member_state& st) {
  using namespace std::chrono_literals;
  try {
    if (st.id == 0) {
      join(st);
      st.backoff = 0ms;
      say("member " + std::to_string(st.id) + " joined at " + st.address);
      return report_interval(st);
    }
    report_alive(*st.session, st.id, st.lease);
    // The gauges stay current between views others ask for; a failure
    // here shows in the next report.
    if (metrics::enabled()) {
      try {
        view_of(st);
      } catch (const storage_failure&) {
      }
    }
    return report_interval(st);
  } catch (const storage_failure& f) {
    if (f.kind() == failure_kind::fenced && st.session &&
        st.session->usable()) {
      // Counted dead (a frozen process thawed): its lock may still be held
      // by this session, so it leaves before it joins as a new member.
      auto old = st.id;
      try {
        leave_cluster(*st.session, old);
      } catch (const storage_failure&) {
        st.session.reset(); // the next step reconnects
      }
      st.id = 0;
      say("member " + std::to_string(old) +
              " was counted dead by the cluster; joining as a new member",
          log_level::warn);
      return 0ms;
    }
    if (st.id != 0)
      lose_session(st, f.what());
    else {
      st.session.reset();
      say("cannot join at " + st.address + ": " + f.what(), log_level::warn);
    }
  } catch (const std::exception& e) {
    st.session.reset();
    st.id = 0;
    say(std::string{"cluster bookkeeping failed: "} + e.what(),
        log_level::warn);
  }
  st.backoff = std::min(std::max(st.backoff * 2, 100ms), st.lease);
  return st.backoff;
}

/// Sets the cluster's gauges for /metrics from `view`.
void show(const cluster_view& view) {
  constexpr auto help = "Cluster members by state: alive or dead (not "
                        "reported within the lease, not yet taken out).";
  static auto& alive =
      metrics::gauge_of("sasync_cluster_members", help, {{"state", "alive"}});
  static auto& dead =
      metrics::gauge_of("sasync_cluster_members", help, {{"state", "dead"}});
  static auto& owned = metrics::gauge_of("sasync_cluster_groups_owned",
                                         "Groups this node owns.");
  double up = 0;
  double down = 0;
  double mine = 0;
  for (auto& m : view.members) {
    (m.alive ? up : down) += 1;
    if (m.id == view.self)
      mine = static_cast<double>(m.groups);
  }
  alive.set(up);
  dead.set(down);
  owned.set(mine);
}

/// The members with the groups each owns.
cluster_view view_of(member_state& st) {
  cluster_view out;
  out.self = st.id;
  auto counts = owned_group_counts(*st.session);
  for (auto& m : cluster_members(*st.session, st.lease)) {
    auto i = counts.find(m.id);
    out.members.push_back(
        {m.id, m.address, m.alive, i == counts.end() ? 0 : i->second});
  }
  if (metrics::enabled())
    show(out);
  return out;
}

cluster_membership_impl::behavior_type
member_impl(member_ptr self, engine_config engine,
            std::chrono::milliseconds lease) {
  auto& st = self->state;
  st.engine = std::move(engine);
  st.lease = lease;
  return {
      [=](rejoin_atom, std::string& address) {
        auto& st = self->state;
        if (!sent_locally(self))
          return;
        if (!st.address.empty() || address.empty())
          return; // started already
        st.address = std::move(address);
        self->send(self, tick_atom::value);
      },
      [=](tick_atom) {
        auto& st = self->state;
        if (!detail::sent_by_itself(self))
          return;
        if (st.leaving)
          return;
        self->delayed_send(self, step(st), tick_atom::value);
      },
      [=](cluster_atom) -> caf::result<cluster_view> {
        auto& st = self->state;
        auto meter = detail::request_meter::start(self);
        if (!st.session || !st.session->usable())
          return detail::refused(
              meter, make_error(errc::database_error,
                                "the node has no database session for the "
                                "cluster now; it is reconnecting"));
        try {
          auto view = view_of(st);
          meter.answered();
          return view;
        } catch (const storage_failure& f) {
          return detail::refused(meter, to_error(f));
        }
      },
      [=](leave_atom) -> caf::result<void> {
        auto& st = self->state;
        if (!sent_locally(self))
          return detail::refused_private_message();
        st.leaving = true;
        if (st.id != 0 && st.session && st.session->usable()) {
          try {
            auto handed = leave_cluster(*st.session, st.id);
            say("member " + std::to_string(st.id) + " left; " +
                std::to_string(handed) + " groups handed back");
          } catch (const storage_failure& f) {
            say("member " + std::to_string(st.id) +
                    " could not leave (its lease ends it): " + f.what(),
                log_level::warn);
          }
        }
        st.session.reset();
        st.id = 0;
        self->quit();
        return caf::unit;
      },
  };
}

} // namespace

cluster_membership spawn_cluster_membership(caf::actor_system& sys,
                                            engine_config engine,
                                            const cluster_config& cfg) {
  auto h = cfg.detached ? sys.spawn<caf::detached>(member_impl,
                                                   std::move(engine), cfg.lease)
                        : sys.spawn(member_impl, std::move(engine), cfg.lease);
  return caf::actor_cast<cluster_membership>(h);
}

void start_cluster_membership(const cluster_membership& member,
                              std::string address) {
  caf::anon_send(caf::actor_cast<cluster_membership_impl>(member),
                 rejoin_atom::value, std::move(address));
}

} // namespace sasync
