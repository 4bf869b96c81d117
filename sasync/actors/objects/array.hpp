// The array actor (sAsync's parray.PersistentArray): values at int64
// (x, y, z) coordinates of one group, each write acknowledged after commit.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/storage/stored_value.hpp"
#include "sasync/storage/versioned_value.hpp"

#include <caf/fwd.hpp>
#include <caf/optional.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>

namespace sasync {

/// set(x, y, z, value) -> void     inserts or replaces; answers after commit
/// get(x, y, z) -> optional<value> none when the cell is empty
/// delete(x, y, z) -> bool         whether the cell held a value
/// clear() -> uint64               empties the group; how many cells it held
/// get(x, y, z, version) -> optional<versioned_value>
/// set_if(x, y, z, value, expected) -> uint64
/// delete_if(x, y, z, expected) -> void
///                                 a cell's version and compare-and-set, as
///                                 on items (items.hpp); conflict carries the
///                                 cell's current version
/// Each also takes a trailing `priority` (priority.hpp); without one, get
/// runs at defaults::read_priority and the writes at
/// defaults::write_priority. Out of range: invalid_argument.
/// The broker closes it at shutdown (detail/array_impl.hpp).
/// Operations on one cell run in arrival order; clear waits for every
/// earlier operation and holds back every later one.
using array = caf::typed_actor<
    caf::replies_to<set_atom, std::int64_t, std::int64_t, std::int64_t,
                    stored_value>::with<void>,
    caf::replies_to<get_atom, std::int64_t, std::int64_t,
                    std::int64_t>::with<caf::optional<stored_value>>,
    caf::replies_to<delete_atom, std::int64_t, std::int64_t,
                    std::int64_t>::with<bool>,
    caf::replies_to<clear_atom>::with<std::uint64_t>,
    caf::replies_to<get_atom, std::int64_t, std::int64_t, std::int64_t,
                    version_atom>::with<caf::optional<versioned_value>>,
    caf::replies_to<set_if_atom, std::int64_t, std::int64_t, std::int64_t,
                    stored_value, std::uint64_t>::with<std::uint64_t>,
    caf::replies_to<delete_if_atom, std::int64_t, std::int64_t, std::int64_t,
                    std::uint64_t>::with<void>,
    // The same with a trailing priority.
    caf::replies_to<set_atom, std::int64_t, std::int64_t, std::int64_t,
                    stored_value, priority>::with<void>,
    caf::replies_to<get_atom, std::int64_t, std::int64_t, std::int64_t,
                    priority>::with<caf::optional<stored_value>>,
    caf::replies_to<delete_atom, std::int64_t, std::int64_t, std::int64_t,
                    priority>::with<bool>,
    caf::replies_to<clear_atom, priority>::with<std::uint64_t>,
    caf::replies_to<get_atom, std::int64_t, std::int64_t, std::int64_t,
                    version_atom,
                    priority>::with<caf::optional<versioned_value>>,
    caf::replies_to<set_if_atom, std::int64_t, std::int64_t, std::int64_t,
                    stored_value, std::uint64_t, priority>::with<std::uint64_t>,
    caf::replies_to<delete_if_atom, std::int64_t, std::int64_t, std::int64_t,
                    std::uint64_t, priority>::with<void>>;

} // namespace sasync
