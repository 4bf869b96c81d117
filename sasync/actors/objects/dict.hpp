// The dict actor (sAsync's pdict.PersistentDict): an in-memory cache over an
// items group with write-behind.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/objects/dict_status.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/storage/stored_value.hpp"

#include <caf/fwd.hpp>
#include <caf/optional.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sasync {

/// set(name, value) -> void        updates the cache and answers at once; the
///                                 write follows, in order per name;
///                                 overloaded while queue_capacity names
///                                 wait to be written
/// delete(names) -> void           the same, for removals
/// get(name) -> optional<value>    from the cache, else loaded and cached;
///                                 the cache keeps the dict_cache_capacity
///                                 written entries used last, and every
///                                 entry not yet written
/// names() -> vector<string>, load() -> map<string, value>
///                                 the database's view with the cache's
///                                 newer writes applied
/// preload() -> void               loads the group; from then on reads never
///                                 touch the database (until the cache
///                                 outgrows dict_cache_capacity)
/// flush() -> void                 answers when every earlier write has
///                                 committed, or with the error of one that
///                                 failed (it is tried again; see README)
/// contains(name) -> bool         whether `name` holds a value, like get
/// get(name, default) -> value     the value, or `default` when missing
/// size() -> uint64                how many names hold a value, writes not
///                                 yet committed included
/// clear() -> uint64               removes every name of the group (written
///                                 behind, like delete); how many held a
///                                 value. Later requests see the group
///                                 empty but for their own writes
/// pop(name) -> value              the value, and removes it (written
///                                 behind); missing when there is none,
///                                 and nothing changes
/// pop(name, default) -> value     the same, but `default` when missing
/// setdefault(name, default) -> value
///                                 the value; when missing, stores
///                                 `default` (written behind) and answers it
/// update(map<name, value>) -> void
///                                 a set of each, all checked first: one
///                                 bad name or value refuses them all
/// status() -> dict_status         whether the cache holds the whole group,
///                                 how many names it holds, how many writes
///                                 wait to commit
/// Each but flush and status also takes a trailing `priority`
/// (priority.hpp): the place in the broker's queue of the database work it
/// causes (its writes behind, a read of what the cache does not hold).
/// Without one, reads go at defaults::read_priority and writes (set,
/// delete, clear, pop, setdefault, update) at defaults::write_priority. A
/// name's writes stay one at a time in request order whatever their
/// priorities; out of range is invalid_argument and nothing changes.
/// Each of them keeps the order of the requests on a name, like set and
/// delete: a request sees every earlier one and none that came later.
/// At shutdown the broker closes it: it flushes, then quits
/// (detail/dict_impl.hpp).
/// The dict and the items actor of its group agree: while the dict lives,
/// the items actor's requests run through it, after every request and
/// write behind the dict took before them and before every later one, and
/// the cache takes what they wrote. So a request to either sees every
/// write acknowledged by either before it (a dict write counts from its
/// answer, as it is written behind), and set_if through items sees the
/// version a dict write raised (detail/dict_impl.hpp).
using dict = caf::typed_actor<
    caf::replies_to<set_atom, std::string, stored_value>::with<void>,
    caf::replies_to<get_atom, std::string>::with<caf::optional<stored_value>>,
    caf::replies_to<delete_atom, std::vector<std::string>>::with<void>,
    caf::replies_to<names_atom>::with<std::vector<std::string>>,
    caf::replies_to<load_atom>::with<std::map<std::string, stored_value>>,
    caf::replies_to<preload_atom>::with<void>,
    caf::replies_to<flush_atom>::with<void>,
    caf::replies_to<contains_atom, std::string>::with<bool>,
    caf::replies_to<get_atom, std::string, stored_value>::with<stored_value>,
    caf::replies_to<size_atom>::with<std::uint64_t>,
    caf::replies_to<clear_atom>::with<std::uint64_t>,
    caf::replies_to<pop_atom, std::string>::with<stored_value>,
    caf::replies_to<pop_atom, std::string, stored_value>::with<stored_value>,
    caf::replies_to<setdefault_atom, std::string,
                    stored_value>::with<stored_value>,
    caf::replies_to<update_atom,
                    std::map<std::string, stored_value>>::with<void>,
    caf::replies_to<status_atom>::with<dict_status>,
    // The same with a trailing priority.
    caf::replies_to<set_atom, std::string, stored_value, priority>::with<void>,
    caf::replies_to<get_atom, std::string,
                    priority>::with<caf::optional<stored_value>>,
    caf::replies_to<delete_atom, std::vector<std::string>,
                    priority>::with<void>,
    caf::replies_to<names_atom, priority>::with<std::vector<std::string>>,
    caf::replies_to<load_atom,
                    priority>::with<std::map<std::string, stored_value>>,
    caf::replies_to<preload_atom, priority>::with<void>,
    caf::replies_to<contains_atom, std::string, priority>::with<bool>,
    caf::replies_to<get_atom, std::string, stored_value,
                    priority>::with<stored_value>,
    caf::replies_to<size_atom, priority>::with<std::uint64_t>,
    caf::replies_to<clear_atom, priority>::with<std::uint64_t>,
    caf::replies_to<pop_atom, std::string, priority>::with<stored_value>,
    caf::replies_to<pop_atom, std::string, stored_value,
                    priority>::with<stored_value>,
    caf::replies_to<setdefault_atom, std::string, stored_value,
                    priority>::with<stored_value>,
    caf::replies_to<update_atom, std::map<std::string, stored_value>,
                    priority>::with<void>>;

} // namespace sasync
