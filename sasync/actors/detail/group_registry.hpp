// The group actors a broker hands out (items, dict, array): one per kind and
// group, kept while asked for, let go when idle, forgotten when they stop.
#pragma once

#include <caf/actor_addr.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/fwd.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace sasync::detail {

enum class group_kind : unsigned char { items, dict, array };

/// While an actor is asked for, the registry holds it; after an idle period
/// only a weak reference stays, and the actor lives on as long as some
/// client holds it or its work runs.
class group_registry {
public:
  using spawner = std::function<caf::strong_actor_ptr()>;

  /// The actor of `group`: the one still alive, or a new one from `spawn`,
  /// which `self` then monitors so that its end reaches forget().
  caf::strong_actor_ptr get(caf::local_actor* self, group_kind kind,
                            std::int64_t group, const spawner& spawn);

  /// The actor of `group` if one lives, else none; asks for nothing.
  caf::strong_actor_ptr alive(group_kind kind, std::int64_t group) const;

  /// Forgets the actor that stopped at `gone`, so that the next request for
  /// its group makes a new one; false if it is none of the registry's.
  bool forget(const caf::actor_addr& gone);

  /// Lets go of the actor of `group` (it lives on while held elsewhere), so
  /// that get() makes a new one.
  void drop(group_kind kind, std::int64_t group);

  /// True once per idle period while the registry holds entries: the
  /// caller then sets a timer that calls sweep() after the period.
  bool sweep_due();

  /// Lets go of actors not asked for since the last sweep and forgets those
  /// that have stopped.
  void sweep();

  /// Every actor still alive, for closing; the registry is empty after.
  std::vector<caf::strong_actor_ptr> take_all();

  bool empty() const noexcept { return entries_.empty(); }

private:
  struct entry {
    caf::strong_actor_ptr held;
    caf::weak_actor_ptr weak;
    caf::actor_addr addr;
    bool asked = true; ///< since the last sweep
  };

  std::map<std::pair<group_kind, std::int64_t>, entry> entries_;
  bool sweep_set_ = false;
};

} // namespace sasync::detail
