#include "bench_cluster.hpp"

#include "bench_node.hpp"

#include "sasync/actors/client.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/storage/cluster_store.hpp"
#include "sasync/storage/connection.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>

namespace sasync::bench {

namespace {

/// The group every run uses: sets insert into it (emptied before each
/// run), gets and mixed runs read the names prepare_items filled.
std::int64_t group_of(const workload& w) {
  return w.op == operation::set ? remote_group : sasync_group;
}

sasync::node connect_to(caf::actor_system& sys, std::uint16_t port) {
  auto db = connect_node(sys, "127.0.0.1", port);
  if (!db)
    throw std::runtime_error("connect_node: " + sys.render(db.error()));
  return *db;
}

items items_through(caf::actor_system& sys, const sasync::node& db,
                    std::int64_t group) {
  caf::scoped_actor self{sys};
  auto store = items_of(self, db, group);
  if (!store)
    throw std::runtime_error("items_of: " + sys.render(store.error()));
  return *store;
}

/// The workload through the node at `via`'s port, whose group lives on
/// `owner`: what both nodes used for it.
through_node_result run_through(caf::actor_system& sys,
                                const engine_config& engine, local_node& via,
                                local_node& owner, const workload& w,
                                std::size_t clients) {
  auto group = group_of(w);
  if (w.op == operation::set) {
    auto conn = open_connection(engine, access_mode::write);
    conn->execute("DELETE FROM sasync_items WHERE group_id = ?",
                  {value{group}});
  }
  auto db = connect_to(sys, via.port());
  auto store = items_through(sys, db, group);
  auto owner_before = owner.usage();
  auto via_before = via.usage();
  through_node_result out;
  out.load = run_load(sys, store, w, clients);
  out.owner_used = owner.usage() - owner_before;
  if (&via != &owner)
    out.relay_used = via.usage() - via_before;
  disconnect_node(db);
  return out;
}

void stop(local_node& node) {
  if (auto code = node.stop(); code != 0)
    throw std::runtime_error("sasyncd exited with " + std::to_string(code));
}

/// Starts the cluster from no members and no owners.
void drop_cluster_tables(const engine_config& engine) {
  auto conn = open_connection(engine, access_mode::write);
  conn->execute_script("DROP TABLE IF EXISTS sasync_owners");
  conn->execute_script("DROP TABLE IF EXISTS sasync_members");
}

} // namespace

cluster_result run_cluster(caf::actor_system& sys, const engine_config& engine,
                           const std::vector<std::string>& node_opts,
                           std::size_t nodes, const workload& w,
                           std::size_t clients) {
  cluster_result out;
  {
    local_node single{node_opts};
    out.single = run_through(sys, engine, single, single, w, clients);
    stop(single);
  }
  drop_cluster_tables(engine);
  auto cluster_opts = node_opts;
  cluster_opts.emplace_back("--cluster.enabled"); // a flag in CAF 0.17
  std::vector<std::unique_ptr<local_node>> members;
  for (std::size_t i = 0; i < nodes; ++i)
    members.emplace_back(std::make_unique<local_node>(cluster_opts));
  // The first request for the group settles its owner.
  auto group = group_of(w);
  {
    auto db = connect_to(sys, members[0]->port());
    items_through(sys, db, group);
    disconnect_node(db);
  }
  auto conn = open_connection(engine, access_mode::write);
  auto recorded = recorded_owner(*conn, group_kind::items, group);
  if (!recorded)
    throw std::runtime_error("the group has no recorded owner");
  for (auto& m : cluster_members(*conn, std::chrono::seconds(5)))
    if (m.id == recorded->member)
      out.owner_address = m.address;
  local_node* owner = nullptr;
  local_node* other = nullptr;
  for (auto& m : members)
    if (out.owner_address == "127.0.0.1:" + std::to_string(m->port()))
      owner = m.get();
    else if (!other)
      other = m.get();
  if (!owner)
    throw std::runtime_error("the group's owner " + out.owner_address +
                             " is none of the nodes started");
  out.owner = run_through(sys, engine, *owner, *owner, w, clients);
  if (other)
    out.other = run_through(sys, engine, *other, *owner, w, clients);
  for (auto& m : members)
    stop(*m);
  return out;
}

} // namespace sasync::bench
