// The items actor (sAsync's items.Items): named values of one integer group,
// each write acknowledged only after its commit.
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
#include <map>
#include <string>
#include <vector>

namespace sasync {

/// The most names or items one page request may ask for.
constexpr std::uint32_t max_item_page = 100'000;

/// set(name, value) -> void        inserts or replaces; answers after commit
/// get(name) -> optional<value>    none when the name is missing (a value,
///                                 not an error)
/// delete(names) -> uint64         how many of the names existed
/// names() -> vector<string>       sorted bytewise
/// load() -> map<string, value>    the whole group (sAsync's loadAll)
/// names(from, n) -> vector<string>
///                                 a page: at most n names from `from` on
///                                 (inclusive; "" = from the first), in the
///                                 database's order (storage/item_store.hpp)
/// load(from, n) -> map<string, value>
///                                 a page of names and values, the same way;
///                                 n from 1 to max_item_page, else
///                                 invalid_argument
/// insert(name, value) -> void     stores only if the name does not exist,
///                                 else exists (nothing changes)
/// update(name, value) -> void     replaces only if the name exists, else
///                                 missing (nothing is created); both are
///                                 decided by the write in its transaction
/// clear() -> uint64               deletes the whole group: how many names
///                                 there were; after every earlier operation
///                                 of the group, before every later one
/// names(from, until, n) -> vector<string>
///                                 at most n names in [from, until) ("" until
///                                 = no end), bytewise as names(from, n);
///                                 bounds that are no UTF-8 mean the same
///                                 names on every backend (name_range.hpp)
/// load(from, until, n) -> map<string, value>
///                                 names and values of that range
/// get(name, version) -> optional<versioned_value>
///                                 the value and its version (1 for a new
///                                 name, raised by every write)
/// set_if(name, value, expected) -> uint64
///                                 stores only if the name is at version
///                                 `expected` (0: only if it does not exist)
///                                 and answers the new version; else conflict,
///                                 whose context carries the current version
///                                 (conflict_version(), errc.hpp)
/// delete_if(name, expected) -> void
///                                 deletes only if the name is at `expected`
///                                 (0: succeeds while the name does not
///                                 exist); else conflict, as set_if
/// Each of them also takes a trailing `priority` (priority.hpp): the order
/// it waits in against other work of the broker's queue; without one, reads
/// run at defaults::read_priority and writes (set, delete, insert, update,
/// clear, set_if, delete_if) at defaults::write_priority. Out of range:
/// invalid_argument.
/// Operations on one name (set, insert, update, get, delete) run in the order they arrived,
/// so the value that stays is the one acknowledged last; names and load read
/// what has committed. The broker closes it at shutdown
/// (detail/items_impl.hpp); later requests get shutting_down. Errors: what the
/// database or queue reported (database_error, overloaded, timeout,
/// shutting_down, ...).
/// While a dict of the same group lives, every request goes through it, so
/// that the two agree on the group (dict.hpp): requests then wait for the
/// dict's writes behind and run one at a time.
using items = caf::typed_actor<
    caf::replies_to<set_atom, std::string, stored_value>::with<void>,
    caf::replies_to<get_atom, std::string>::with<caf::optional<stored_value>>,
    caf::replies_to<delete_atom, std::vector<std::string>>::with<std::uint64_t>,
    caf::replies_to<names_atom>::with<std::vector<std::string>>,
    caf::replies_to<load_atom>::with<std::map<std::string, stored_value>>,
    caf::replies_to<names_atom, std::string,
                    std::uint32_t>::with<std::vector<std::string>>,
    caf::replies_to<load_atom, std::string,
                    std::uint32_t>::with<std::map<std::string, stored_value>>,
    caf::replies_to<insert_atom, std::string, stored_value>::with<void>,
    caf::replies_to<update_atom, std::string, stored_value>::with<void>,
    caf::replies_to<clear_atom>::with<std::uint64_t>,
    caf::replies_to<names_atom, std::string, std::string,
                    std::uint32_t>::with<std::vector<std::string>>,
    caf::replies_to<load_atom, std::string, std::string, std::uint32_t>::with<
        std::map<std::string, stored_value>>,
    caf::replies_to<get_atom, std::string,
                    version_atom>::with<caf::optional<versioned_value>>,
    caf::replies_to<set_if_atom, std::string, stored_value,
                    std::uint64_t>::with<std::uint64_t>,
    caf::replies_to<delete_if_atom, std::string, std::uint64_t>::with<void>,
    // The same with a trailing priority.
    caf::replies_to<set_atom, std::string, stored_value, priority>::with<void>,
    caf::replies_to<get_atom, std::string,
                    priority>::with<caf::optional<stored_value>>,
    caf::replies_to<delete_atom, std::vector<std::string>,
                    priority>::with<std::uint64_t>,
    caf::replies_to<names_atom, priority>::with<std::vector<std::string>>,
    caf::replies_to<load_atom,
                    priority>::with<std::map<std::string, stored_value>>,
    caf::replies_to<names_atom, std::string, std::uint32_t,
                    priority>::with<std::vector<std::string>>,
    caf::replies_to<load_atom, std::string, std::uint32_t,
                    priority>::with<std::map<std::string, stored_value>>,
    caf::replies_to<insert_atom, std::string, stored_value,
                    priority>::with<void>,
    caf::replies_to<update_atom, std::string, stored_value,
                    priority>::with<void>,
    caf::replies_to<clear_atom, priority>::with<std::uint64_t>,
    caf::replies_to<names_atom, std::string, std::string, std::uint32_t,
                    priority>::with<std::vector<std::string>>,
    caf::replies_to<load_atom, std::string, std::string, std::uint32_t,
                    priority>::with<std::map<std::string, stored_value>>,
    caf::replies_to<get_atom, std::string, version_atom,
                    priority>::with<caf::optional<versioned_value>>,
    caf::replies_to<set_if_atom, std::string, stored_value, std::uint64_t,
                    priority>::with<std::uint64_t>,
    caf::replies_to<delete_if_atom, std::string, std::uint64_t,
                    priority>::with<void>>;

} // namespace sasync
