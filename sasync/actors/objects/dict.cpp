// The dict actor: a cache answers at once; writes follow behind, one in
// flight per name, and flush waits for them (dict_writes.cpp); requests on a
// name the cache does not know wait for one read of it (dict_lookups.cpp).
#include "sasync/actors/objects/dict.hpp"

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/detail/dict_state.hpp"
#include "sasync/storage/item_store.hpp"

#include <caf/actor_system.hpp>

#include <set>

namespace sasync {

namespace {

std::vector<std::string>
names_of(const std::map<std::string, stored_value>& m) {
  std::vector<std::string> out;
  out.reserve(m.size());
  for (auto& kvp : m)
    out.push_back(kvp.first);
  return out;
}

detail::dict_impl::behavior_type dict_behavior(detail::dict_ptr self,
                                               detail::group_config cfg) {
  using items_map = std::map<std::string, stored_value>;
  constexpr auto reads = defaults::read_priority;
  constexpr auto writes = defaults::write_priority;
  detail::start_group(self, std::move(cfg));
  self->state.cache = detail::dict_cache{self->state.cfg.cache_capacity};
  self->state.retry = detail::backoff{self->state.cfg.retry_delay,
                                      self->state.cfg.max_retry_delay};
  auto group = self->state.cfg.group;
  // Each operation with the priority of the database work it causes (its
  // writes behind, its reads of what the cache does not hold); the forms
  // without one use the defaults (defaults.hpp). Writes are answered when
  // taken (written behind), and counted then (request_metrics.hpp).
  auto set_now = [=](std::string& name, stored_value& x,
                     priority prio) -> caf::result<void> {
    auto& st = self->state;
    if (auto err = detail::dict_refusal(st))
      return err;
    if (auto err = detail::check_stored(&name, x))
      return err;
    if (auto err = detail::check_priority(prio))
      return err;
    if (auto err =
            detail::write_refusal(st, st.writes.count(name) == 0 ? 1 : 0))
      return err;
    detail::came_after_lookups(st, name);
    detail::write_behind(self, name, std::move(x), prio);
    return caf::unit;
  };
  auto set = [=](std::string& name, stored_value& x,
                 priority prio) -> caf::result<void> {
    return detail::answered_now<void>(self, set_now(name, x, prio));
  };
  auto erase_now = [=](std::vector<std::string>& names,
                       priority prio) -> caf::result<void> {
    if (auto err = detail::dict_refusal(self->state))
      return err;
    if (auto err = detail::check_names(names))
      return err;
    if (auto err = detail::check_priority(prio))
      return err;
    std::set<std::string> added;
    for (auto& name : names)
      if (self->state.writes.count(name) == 0)
        added.insert(name);
    if (auto err = detail::write_refusal(self->state, added.size()))
      return err;
    for (auto& name : names) {
      detail::came_after_lookups(self->state, name);
      detail::write_behind(self, name, std::nullopt, prio);
    }
    return caf::unit;
  };
  auto erase = [=](std::vector<std::string>& names,
                   priority prio) -> caf::result<void> {
    return detail::answered_now<void>(self, erase_now(names, prio));
  };
  auto get = [=](std::string& name, priority prio) {
    return detail::answer_from_entry<caf::optional<stored_value>>(
        self, name,
        [](detail::dict_cache::entry& x, bool) {
          return detail::as_optional(x);
        },
        prio);
  };
  auto all_names = [=](priority prio) -> caf::result<std::vector<std::string>> {
    auto& st = self->state;
    if (auto err = detail::dict_refusal(st))
      return detail::refused_now(self, std::move(err));
    if (st.cache.complete())
      return detail::answered_now<std::vector<std::string>>(
          self, names_of(st.cache.merged({})));
    return detail::read_group<std::vector<std::string>>(
        self, [=](connection& c) { return load_items(c, group); },
        [self](auto& rp, items_map& stored) {
          rp.deliver(names_of(self->state.cache.merged(std::move(stored))));
        },
        prio);
  };
  auto load_all = [=](priority prio) -> caf::result<items_map> {
    auto& st = self->state;
    if (auto err = detail::dict_refusal(st))
      return detail::refused_now(self, std::move(err));
    if (st.cache.complete())
      return detail::answered_now<items_map>(self, st.cache.merged({}));
    return detail::read_group<items_map>(
        self, [=](connection& c) { return load_items(c, group); },
        [self](auto& rp, items_map& stored) {
          rp.deliver(self->state.cache.merged(std::move(stored)));
        },
        prio);
  };
  auto preload = [=](priority prio) -> caf::result<void> {
    auto& st = self->state;
    if (auto err = detail::dict_refusal(st))
      return detail::refused_now(self, std::move(err));
    if (st.cache.complete())
      return detail::answered_now<void>(self, caf::unit);
    return detail::read_group<void>(
        self, [=](connection& c) { return load_items(c, group); },
        [self](auto& rp, items_map& stored) {
          self->state.cache.preload(std::move(stored));
          detail::deliver_done(rp);
        },
        prio);
  };
  auto contains = [=](std::string& name, priority prio) {
    return detail::answer_from_entry<bool>(
        self, name,
        [](detail::dict_cache::entry& x, bool) { return x.has_value(); }, prio);
  };
  auto get_or = [=](std::string& name, stored_value& fallback,
                    priority prio) -> caf::result<stored_value> {
    if (auto err = detail::check_stored(nullptr, fallback))
      return detail::refused_now(self, std::move(err));
    return detail::answer_from_entry<stored_value>(
        self, name,
        [fallback](detail::dict_cache::entry& x, bool) -> stored_value {
          return x ? *x : fallback;
        },
        prio);
  };
  auto size = [=](priority prio) -> caf::result<std::uint64_t> {
    auto& st = self->state;
    if (auto err = detail::dict_refusal(st))
      return detail::refused_now(self, std::move(err));
    if (st.cache.complete())
      return detail::answered_now<std::uint64_t>(
          self, std::uint64_t{st.cache.merged_size({})});
    return detail::read_group<std::uint64_t>(
        self, [=](connection& c) { return item_names(c, group); },
        [self](auto& rp, std::vector<std::string>& stored) {
          rp.deliver(std::uint64_t{self->state.cache.merged_size(stored)});
        },
        prio);
  };
  auto pop = [=](std::string& name, std::optional<stored_value> or_else,
                 priority prio) -> caf::result<stored_value> {
    if (or_else)
      if (auto err = detail::check_stored(nullptr, *or_else))
        return detail::refused_now(self, std::move(err));
    return detail::answer_from_entry<stored_value>(
        self, name,
        [self, name, or_else, prio](detail::dict_cache::entry& x,
                                    bool overtaken) {
          return detail::pop_entry(self, name, x, overtaken, or_else, prio);
        },
        prio);
  };
  auto setdefault = [=](std::string& name, stored_value& fallback,
                        priority prio) -> caf::result<stored_value> {
    auto& st = self->state;
    if (auto err = detail::dict_refusal(st))
      return detail::refused_now(self, std::move(err));
    if (auto err = detail::check_stored(&name, fallback))
      return detail::refused_now(self, std::move(err));
    if (auto err =
            detail::write_refusal(st, st.writes.count(name) == 0 ? 1 : 0))
      return detail::refused_now(self, std::move(err));
    return detail::answer_from_entry<stored_value>(
        self, name,
        [self, name, fallback, prio](detail::dict_cache::entry& x,
                                     bool overtaken) -> stored_value {
          if (x)
            return *x;
          x = fallback;
          if (!overtaken)
            detail::write_behind(self, name, fallback, prio);
          return fallback;
        },
        prio);
  };
  auto update_now = [=](items_map& values, priority prio) -> caf::result<void> {
    auto& st = self->state;
    if (auto err = detail::dict_refusal(st))
      return err;
    if (auto err = detail::check_priority(prio))
      return err;
    std::size_t added = 0;
    for (auto& [name, x] : values) {
      if (auto err = detail::check_stored(&name, x))
        return err;
      if (st.writes.count(name) == 0)
        ++added;
    }
    if (auto err = detail::write_refusal(st, added))
      return err;
    for (auto& [name, x] : values) {
      detail::came_after_lookups(st, name);
      detail::write_behind(self, name, std::move(x), prio);
    }
    return caf::unit;
  };
  auto flush = [=]() -> caf::result<void> {
    auto& st = self->state;
    if (auto err = detail::dict_refusal(st))
      return err;
    if (st.unwritten.empty())
      return caf::unit;
    auto rp = detail::keep_counted_promise<void>(self);
    st.flush_waiters.push_back({st.last_seq, rp});
    detail::send_waiting(self); // failed writes get their next try now
    return rp;
  };
  auto update = [=](items_map& values, priority prio) -> caf::result<void> {
    return detail::answered_now<void>(self, update_now(values, prio));
  };
  return {
      [=](set_atom, std::string& name, stored_value& x) {
        return set(name, x, writes);
      },
      [=](delete_atom, std::vector<std::string>& names) {
        return erase(names, writes);
      },
      [=](get_atom, std::string& name) { return get(name, reads); },
      [=](names_atom) { return all_names(reads); },
      [=](load_atom) { return load_all(reads); },
      [=](preload_atom) { return preload(reads); },
      [=](flush_atom) {
        return detail::answered_now<void>(self, flush());
      },
      [=](contains_atom, std::string& name) { return contains(name, reads); },
      [=](get_atom, std::string& name, stored_value& fallback) {
        return get_or(name, fallback, reads);
      },
      [=](size_atom) { return size(reads); },
      [=](clear_atom) {
        return detail::answered_now<std::uint64_t>(
            self, detail::clear_group(self, writes));
      },
      [=](pop_atom, std::string& name) {
        return pop(name, std::nullopt, writes);
      },
      [=](pop_atom, std::string& name, stored_value& fallback) {
        return pop(name, std::move(fallback), writes);
      },
      [=](setdefault_atom, std::string& name, stored_value& fallback) {
        return setdefault(name, fallback, writes);
      },
      [=](update_atom, items_map& values) { return update(values, writes); },
      [=](status_atom) -> caf::result<dict_status> {
        auto& st = self->state;
        if (auto err = detail::dict_refusal(st))
          return err;
        dict_status out;
        out.preloaded = st.cache.complete();
        out.cached = st.cache.size();
        out.unwritten = st.unwritten.size();
        return out;
      },
      [=](retry_atom) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        self->state.retry_timer.fired();
        detail::send_waiting(self);
        return caf::unit;
      },
      [=](close_atom) -> caf::result<void> {
        auto& st = self->state;
        if (!detail::sent_by(self, st.cfg.broker))
          return detail::refused_private_message();
        auto rp = detail::keep_promise<void>(self);
        auto first = !st.requests.closing();
        st.requests.close(rp);
        if (first)
          detail::send_waiting(self); // one last try for writes that failed
        detail::maybe_finish_close(self);
        return rp;
      },
      [=](through_atom, job_ptr& work, std::vector<std::string>& names,
          bool all, priority prio) {
        return detail::run_through(self, std::move(work), std::move(names),
                                   all, prio);
      },
      [=](set_atom, std::string& name, stored_value& x, priority prio) {
        return set(name, x, prio);
      },
      [=](delete_atom, std::vector<std::string>& names, priority prio) {
        return erase(names, prio);
      },
      [=](get_atom, std::string& name, priority prio) {
        return get(name, prio);
      },
      [=](names_atom, priority prio) { return all_names(prio); },
      [=](load_atom, priority prio) { return load_all(prio); },
      [=](preload_atom, priority prio) { return preload(prio); },
      [=](contains_atom, std::string& name, priority prio) {
        return contains(name, prio);
      },
      [=](get_atom, std::string& name, stored_value& fallback, priority prio) {
        return get_or(name, fallback, prio);
      },
      [=](size_atom, priority prio) { return size(prio); },
      [=](clear_atom, priority prio) {
        return detail::answered_now<std::uint64_t>(
            self, detail::clear_group(self, prio));
      },
      [=](pop_atom, std::string& name, priority prio) {
        return pop(name, std::nullopt, prio);
      },
      [=](pop_atom, std::string& name, stored_value& fallback, priority prio) {
        return pop(name, std::move(fallback), prio);
      },
      [=](setdefault_atom, std::string& name, stored_value& fallback,
          priority prio) { return setdefault(name, fallback, prio); },
      [=](update_atom, items_map& values, priority prio) {
        return update(values, prio);
      },
  };
}

} // namespace

namespace detail {

dict_impl spawn_dict(caf::actor_system& sys, group_config cfg) {
  return sys.spawn(dict_behavior, std::move(cfg));
}

} // namespace detail

} // namespace sasync
