// Who owns each group in cluster mode, decided through PostgreSQL: a
// detached actor with a session of its own that finds a group's owner
// (taking it for the preferred live member on first use) and reaches the
// owner's node.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/cluster/cluster_membership.hpp"
#include "sasync/storage/engine_config.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>

namespace sasync {

/// own(kind, group) -> (member, epoch, local, peer)
///   the group's owner and its epoch: the recorded owner while it is alive,
///   else the live member rendezvous hashing prefers (settle_owner).
///   `local`: this node owns it; else `peer` is the owner's node entry.
///   unreachable when this node is not a member now or the owner's node
///   does not answer; database_error when the database cannot say.
/// own(kind, group, epoch) -> member
///   this node's member id if the database records it as the group's owner
///   at `epoch`, else 0: the owner's check before it hands out the group.
/// kind is sasync::group_kind (1 items, 2 dict, 3 array).
using group_ownership = caf::typed_actor<
    caf::replies_to<own_atom, std::int16_t, std::int64_t>::with<
        std::int64_t, std::int64_t, bool, caf::strong_actor_ptr>,
    caf::replies_to<own_atom, std::int16_t, std::int64_t,
                    std::int64_t>::with<std::int64_t>>;

/// Spawns the ownership of a node whose membership is `membership`, on the
/// database of `engine`.
group_ownership spawn_group_ownership(caf::actor_system& sys,
                                      engine_config engine,
                                      const cluster_config& cfg,
                                      cluster_membership membership);

} // namespace sasync
