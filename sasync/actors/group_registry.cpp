// The broker's group actors by kind and group.
#include "sasync/actors/detail/group_registry.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/local_actor.hpp>

namespace sasync::detail {

namespace {

/// An actor that has stopped, whose down message may still be on its way:
/// the flag is set before the monitors hear of it.
bool stopped(const caf::strong_actor_ptr& x) {
  return x && x->get()->getf(caf::abstract_actor::is_cleaned_up_flag);
}

} // namespace

caf::strong_actor_ptr group_registry::get(caf::local_actor* self,
                                          group_kind kind, std::int64_t group,
                                          const spawner& spawn) {
  auto& e = entries_[{kind, group}];
  e.asked = true;
  if (!e.held)
    e.held = e.weak.lock();
  if (stopped(e.held))
    e.held = nullptr;
  if (!e.held) {
    e.held = spawn();
    e.weak = caf::actor_cast<caf::weak_actor_ptr>(e.held);
    e.addr = caf::actor_cast<caf::actor_addr>(e.held);
    self->monitor(e.held);
  }
  return e.held;
}

caf::strong_actor_ptr group_registry::alive(group_kind kind,
                                            std::int64_t group) const {
  auto i = entries_.find({kind, group});
  if (i == entries_.end())
    return nullptr;
  auto x = i->second.held ? i->second.held : i->second.weak.lock();
  return stopped(x) ? nullptr : x;
}

bool group_registry::forget(const caf::actor_addr& gone) {
  for (auto i = entries_.begin(); i != entries_.end(); ++i)
    if (i->second.addr == gone) {
      entries_.erase(i);
      return true;
    }
  return false;
}

void group_registry::drop(group_kind kind, std::int64_t group) {
  entries_.erase({kind, group});
}

bool group_registry::sweep_due() {
  if (sweep_set_ || entries_.empty())
    return false;
  sweep_set_ = true;
  return true;
}

void group_registry::sweep() {
  sweep_set_ = false;
  for (auto i = entries_.begin(); i != entries_.end();) {
    auto& e = i->second;
    if (!e.asked)
      e.held = nullptr;
    e.asked = false;
    if (!e.held && !e.weak.lock())
      i = entries_.erase(i);
    else
      ++i;
  }
}

std::vector<caf::strong_actor_ptr> group_registry::take_all() {
  std::vector<caf::strong_actor_ptr> out;
  for (auto& [key, e] : entries_) {
    if (e.held)
      out.emplace_back(std::move(e.held));
    else if (auto alive = e.weak.lock())
      out.emplace_back(std::move(alive));
  }
  entries_.clear();
  return out;
}

} // namespace sasync::detail
