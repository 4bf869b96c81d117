// A node's requests for a group in cluster mode: answered with the group's
// actor on its owner, which the owner's node hands out only while the
// database records it as the owner at the epoch the asker found.
#pragma once

#include "sasync/actors/cluster/group_ownership.hpp"
#include "sasync/actors/detail/broker_impl.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/cluster_store.hpp"

#include <caf/actor_cast.hpp>
#include <caf/message_view.hpp>
#include <caf/result.hpp>
#include <caf/scheduled_actor.hpp>

#include <chrono>
#include <cstdint>

namespace sasync::detail {

/// Bounds each step of a route: the ownership actor's statements are
/// bounded by the lease, a peer's by its own; this only ends the wait for
/// one that went silent.
constexpr auto routing_patience = std::chrono::seconds{30};

/// The group's actor on this node, under the ownership (member, epoch).
template <class Self, class Promise>
void own_locally(Self self, const node& db, std::int16_t kind,
                 std::int64_t group, std::int64_t member, std::int64_t epoch,
                 Promise rp) {
  self->request(caf::actor_cast<broker_impl>(db), caf::infinite,
                own_atom::value, kind, group, member, epoch)
      .then([=](caf::strong_actor_ptr& x) mutable { rp.deliver(std::move(x)); },
            [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

/// Why a peer did not hand out a group, for the requester.
inline caf::error owner_refused(caf::error err, std::int64_t member) {
  if (err.category() == errc_category)
    return err;
  return make_retryable_error(
      errc::unreachable, "the owner's node (member " + std::to_string(member) +
                             ") did not hand out the group: " + to_string(err));
}

/// Answers a request for the actor of `group` with its public handle on the
/// group's owner: here when this node owns it, else the owner's (a proxy;
/// the requester then talks to the owner).
template <class Public, class Self>
caf::result<Public> route_group(Self self, const group_ownership& ownership,
                                const node& db, sasync::group_kind kind,
                                std::int64_t group) {
  auto rp = self->template make_response_promise<Public>();
  auto k = static_cast<std::int16_t>(kind);
  self->request(ownership, routing_patience, own_atom::value, k, group)
      .then(
          [=](std::int64_t member, std::int64_t epoch, bool local,
              caf::strong_actor_ptr& peer) mutable {
            struct as_public {
              caf::typed_response_promise<Public> rp;
              void deliver(caf::strong_actor_ptr x) {
                rp.deliver(caf::actor_cast<Public>(std::move(x)));
              }
              void deliver(caf::error err) { rp.deliver(std::move(err)); }
            };
            if (local) {
              own_locally(self, db, k, group, member, epoch, as_public{rp});
              return;
            }
            self->request(caf::actor_cast<caf::actor>(peer), routing_patience,
                          own_atom::value, k, group, epoch)
                .then(
                    [=](caf::strong_actor_ptr& x) mutable {
                      rp.deliver(caf::actor_cast<Public>(std::move(x)));
                    },
                    [=](caf::error& err) mutable {
                      rp.deliver(owner_refused(std::move(err), member));
                    });
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// The default handler of a node in cluster mode: a peer's
/// `own(kind, group, epoch)` gets the group's actor here if this node owns
/// it at that epoch (else a retryable unreachable: the group moved); any
/// other unexpected message is dropped as before.
template <class Self>
caf::result<caf::message> answer_own(Self self,
                                     const group_ownership& ownership,
                                     const node& db, caf::message_view& x) {
  if (!x.content()
           .template match_elements<own_atom, std::int16_t, std::int64_t,
                                    std::int64_t>())
    return caf::drop(self, x);
  auto msg = x.move_content_to_message();
  auto kind = msg.get_as<std::int16_t>(1);
  auto group = msg.get_as<std::int64_t>(2);
  auto epoch = msg.get_as<std::int64_t>(3);
  auto rp = self->make_response_promise();
  self->request(ownership, routing_patience, own_atom::value, kind, group,
                epoch)
      .then(
          [=](std::int64_t member) mutable {
            if (member == 0) {
              rp.deliver(make_retryable_error(
                  errc::unreachable,
                  "group " + std::to_string(group) +
                      " has another owner now; ask a node again"));
              return;
            }
            own_locally(self, db, kind, group, member, epoch, rp);
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace sasync::detail
