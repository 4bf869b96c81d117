// The array actor: each request becomes a job on the broker's queue;
// operations on one cell keep their order and clear is a barrier.
#include "sasync/actors/objects/array.hpp"

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/value_limits.hpp"
#include "sasync/actors/objects/detail/group_hold.hpp"
#include "sasync/actors/objects/detail/group_request.hpp"
#include "sasync/storage/array_store.hpp"
#include "sasync/storage/versioned_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <functional>
#include <set>

namespace sasync {

namespace {

/// Mixes the three coordinates for the sequencer's lanes (boost's
/// hash_combine step).
struct coordinates_hash {
  std::size_t operator()(const coordinates& c) const noexcept {
    std::size_t h = 0;
    for (auto part : {c.x, c.y, c.z})
      h ^= std::hash<std::int64_t>{}(part) + 0x9e3779b97f4a7c15u + (h << 6) +
           (h >> 2);
    return h;
  }
};

struct array_state {
  detail::group_config cfg;
  detail::op_sequencer<coordinates, coordinates_hash> order;
  detail::open_requests requests;
  std::set<std::uint64_t> holds; ///< a batch's (group_hold.hpp)
  static inline const char* name = "sasync.array";
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct array_self : detail::array_impl::stateful_base<array_state> {
  using super = detail::array_impl::stateful_base<array_state>;
  using super::super;
};

using array_ptr = array_self*;

constexpr const char* kind = "array";

detail::array_impl::behavior_type array_behavior(array_ptr self,
                                                 detail::group_config cfg) {
  using cells = std::vector<coordinates>;
  using detail::ordered_request;
  constexpr auto reads = defaults::read_priority;
  constexpr auto writes = defaults::write_priority;
  detail::start_group(self, std::move(cfg));
  auto group = self->state.cfg.group;
  // Each operation with its priority; the forms without one use the
  // defaults (defaults.hpp).
  auto set = [=](coordinates at, stored_value& v,
                 priority prio) -> caf::result<void> {
    if (auto err = detail::check_stored(nullptr, v))
      return detail::refused_now(self, std::move(err));
    return ordered_request<void>(
        self, kind, cells{at}, access_mode::write,
        [=](connection& c) { put_cell(c, group, at, v); }, prio);
  };
  auto get = [=](coordinates at, priority prio) {
    return ordered_request<caf::optional<stored_value>>(
        self, kind, cells{at}, access_mode::read,
        [=](connection& c) -> caf::optional<stored_value> {
          if (auto v = find_cell(c, group, at))
            return std::move(*v);
          return caf::none;
        },
        prio);
  };
  auto erase = [=](coordinates at, priority prio) {
    return ordered_request<bool>(
        self, kind, cells{at}, access_mode::write,
        [=](connection& c) { return erase_cell(c, group, at); }, prio);
  };
  // No cells named: it waits for everything before it.
  auto clear = [=](priority prio) {
    return ordered_request<std::uint64_t>(
        self, kind, cells{}, access_mode::write,
        [=](connection& c) { return clear_cells(c, group); }, prio);
  };
  auto get_versioned = [=](coordinates at, priority prio) {
    return ordered_request<caf::optional<versioned_value>>(
        self, kind, cells{at}, access_mode::read,
        [=](connection& c) -> caf::optional<versioned_value> {
          if (auto v = find_cell_versioned(c, group, at))
            return std::move(*v);
          return caf::none;
        },
        prio);
  };
  auto set_if = [=](coordinates at, stored_value& v, std::uint64_t expected,
                    priority prio) -> caf::result<std::uint64_t> {
    if (auto err = detail::check_stored(nullptr, v))
      return detail::refused_now(self, std::move(err));
    return ordered_request<std::uint64_t>(
        self, kind, cells{at}, access_mode::write,
        [=](connection& c) { return put_cell_if(c, group, at, v, expected); },
        prio);
  };
  auto delete_if = [=](coordinates at, std::uint64_t expected, priority prio) {
    return ordered_request<void>(
        self, kind, cells{at}, access_mode::write,
        [=](connection& c) { erase_cell_if(c, group, at, expected); }, prio);
  };
  return {
      [=](set_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          stored_value& v) {
        return set({x, y, z}, v, writes);
      },
      [=](get_atom, std::int64_t x, std::int64_t y, std::int64_t z) {
        return get({x, y, z}, reads);
      },
      [=](delete_atom, std::int64_t x, std::int64_t y, std::int64_t z) {
        return erase({x, y, z}, writes);
      },
      [=](clear_atom) { return clear(writes); },
      [=](get_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          version_atom) { return get_versioned({x, y, z}, reads); },
      [=](set_if_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          stored_value& v, std::uint64_t expected) {
        return set_if({x, y, z}, v, expected, writes);
      },
      [=](delete_if_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          std::uint64_t expected) {
        return delete_if({x, y, z}, expected, writes);
      },
      [=](close_atom) -> caf::result<void> {
        if (!detail::sent_by(self, self->state.cfg.broker))
          return detail::refused_private_message();
        return detail::close_request(self);
      },
      [=](set_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          stored_value& v, priority prio) {
        return set({x, y, z}, v, prio);
      },
      [=](get_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          priority prio) {
        return get({x, y, z}, prio);
      },
      [=](delete_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          priority prio) {
        return erase({x, y, z}, prio);
      },
      [=](clear_atom, priority prio) { return clear(prio); },
      [=](get_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          version_atom,
          priority prio) { return get_versioned({x, y, z}, prio); },
      [=](set_if_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          stored_value& v, std::uint64_t expected, priority prio) {
        return set_if({x, y, z}, v, expected, prio);
      },
      [=](delete_if_atom, std::int64_t x, std::int64_t y, std::int64_t z,
          std::uint64_t expected,
          priority prio) { return delete_if({x, y, z}, expected, prio); },
      [=](hold_atom, std::vector<coordinates>& cells) {
        return detail::hold_keys(self, kind, std::move(cells));
      },
      [=](release_atom, std::uint64_t ticket) {
        return detail::release_hold(self, ticket);
      },
  };
}

} // namespace

namespace detail {

array_impl spawn_array(caf::actor_system& sys, group_config cfg) {
  return sys.spawn(array_behavior, std::move(cfg));
}

} // namespace detail

} // namespace sasync
