// The items actor: each request becomes a job on the broker's queue;
// operations on one name keep their order.
#include "sasync/actors/objects/items.hpp"

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/gathered_answers.hpp"
#include "sasync/actors/detail/job_outbox.hpp"
#include "sasync/actors/detail/priority_check.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/recycling_allocator.hpp"
#include "sasync/actors/detail/value_limits.hpp"
#include "sasync/actors/objects/detail/dict_route.hpp"
#include "sasync/actors/objects/detail/group_hold.hpp"
#include "sasync/actors/objects/detail/group_request.hpp"
#include "sasync/actors/objects/detail/item_jobs.hpp"
#include "sasync/actors/net/detail/relay.hpp"
#include "sasync/storage/item_store.hpp"
#include "sasync/storage/name_range.hpp"
#include "sasync/storage/versioned_store.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <optional>
#include <set>

namespace sasync {

namespace {

struct items_state {
  detail::group_config cfg;
  detail::op_sequencer<std::string> order;
  detail::open_requests requests;
  /// The dict of the group while it lives: requests go through it.
  caf::weak_actor_ptr dict;
  std::set<std::uint64_t> holds; ///< a batch's (group_hold.hpp)
  detail::job_outbox outbox;
  static inline const char* name = detail::items_actor_name;
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct items_self : detail::items_impl::stateful_base<items_state> {
  using super = detail::items_impl::stateful_base<items_state>;
  using super::super;
};

using items_ptr = items_self*;

constexpr const char* kind = "items";

caf::error check_page(std::uint32_t limit) {
  if (limit == 0 || limit > max_item_page)
    return make_error(errc::invalid_argument,
                      "a page of " + std::to_string(limit) +
                          " items: ask for 1 to " +
                          std::to_string(max_item_page));
  return {};
}

/// A range's bounds as portable text that separates the same names; none
/// when no name can be in it. Refuses bounds over the name limit.
struct name_range {
  std::string from;
  std::string until; // "" = no end
};

caf::expected<std::optional<name_range>>
portable_range(const std::string& from, const std::string& until) {
  // One byte past a name: the least name after the longest (name + NUL),
  // where the next page of a range starts.
  constexpr auto max_bound_bytes = detail::max_name_bytes + 1;
  for (auto* bound : {&from, &until})
    if (bound->size() > max_bound_bytes)
      return detail::over_limit("a bound", bound->size(), max_bound_bytes);
  auto first = portable_bound(from);
  if (!first)
    return std::optional<name_range>{};
  name_range out{std::move(*first), {}};
  if (!until.empty()) {
    if (auto end = portable_bound(until))
      out.until = std::move(*end);
    if (!out.until.empty() && out.from >= out.until)
      return std::optional<name_range>{};
  }
  return std::optional<name_range>{std::move(out)};
}

/// Runs `read(connection&, range)` over the names in [from, until) at
/// `prio`; a range no name can be in answers an empty T without a job,
/// refused once the group closed, as reads are.
template <class T, class Read>
caf::result<T> read_range(items_ptr self, const std::string& from,
                          const std::string& until, std::uint32_t limit,
                          priority prio, Read read) {
  if (auto err = check_page(limit))
    return detail::refused_now(self, std::move(err));
  auto range = portable_range(from, until);
  if (!range)
    return detail::refused_now(self, std::move(range.error()));
  if (!*range) {
    if (auto err = self->state.requests.refusal(kind, self->state.cfg.group))
      return detail::refused_now(self, std::move(err));
    if (auto err = detail::check_priority(prio))
      return detail::refused_now(self, std::move(err));
    return detail::answered_now<T>(self, T{});
  }
  return detail::routed_read<T>(
      self, kind,
      [read, r = std::move(**range)](connection& c) { return read(c, r); },
      prio);
}

detail::items_impl::behavior_type items_behavior(items_ptr self,
                                                 detail::group_config cfg) {
  using items_map = std::map<std::string, stored_value>;
  using name_list = std::vector<std::string>;
  constexpr auto reads = defaults::read_priority;
  constexpr auto writes = defaults::write_priority;
  detail::start_group(self, std::move(cfg));
  auto group = self->state.cfg.group;
  // Each operation with its priority; the forms without one use the
  // defaults (defaults.hpp).
  auto set = [=](std::string& name, stored_value& x,
                 priority prio) -> caf::result<void> {
    if (auto err = detail::check_stored(&name, x))
      return detail::refused_now(self, std::move(err));
    std::vector<std::string> keys{name};
    return detail::routed_job<void>(
        self, kind, std::move(keys),
        detail::make_recycled<detail::item_set_job>(group, std::move(name),
                                                    std::move(x)),
        prio);
  };
  auto get = [=](std::string& name,
                 priority prio) -> caf::result<caf::optional<stored_value>> {
    if (auto err = detail::check_name(name))
      return detail::refused_now(self, std::move(err));
    std::vector<std::string> keys{name};
    return detail::routed_job<caf::optional<stored_value>>(
        self, kind, std::move(keys),
        detail::make_recycled<detail::item_get_job>(group, std::move(name)),
        prio);
  };
  auto erase = [=](std::vector<std::string>& names,
                   priority prio) -> caf::result<std::uint64_t> {
    if (auto err = detail::check_names(names))
      return detail::refused_now(self, std::move(err));
    return detail::routed_request<std::uint64_t>(
        self, kind, names, access_mode::write,
        [=](connection& c) { return erase_items(c, group, names); }, prio);
  };
  auto all_names = [=](priority prio) {
    return detail::routed_read<name_list>(
        self, kind, [=](connection& c) { return item_names(c, group); }, prio);
  };
  auto load_all = [=](priority prio) {
    return detail::routed_read<items_map>(
        self, kind, [=](connection& c) { return load_items(c, group); }, prio);
  };
  auto names_page = [=](std::string& from, std::uint32_t limit,
                        priority prio) -> caf::result<name_list> {
    if (auto err = check_page(limit))
      return detail::refused_now(self, std::move(err));
    return detail::routed_read<name_list>(
        self, kind,
        [=](connection& c) { return item_names_from(c, group, from, limit); },
        prio);
  };
  auto load_page = [=](std::string& from, std::uint32_t limit,
                       priority prio) -> caf::result<items_map> {
    if (auto err = check_page(limit))
      return detail::refused_now(self, std::move(err));
    return detail::routed_read<items_map>(
        self, kind,
        [=](connection& c) { return load_items_from(c, group, from, limit); },
        prio);
  };
  auto insert = [=](std::string& name, stored_value& x,
                    priority prio) -> caf::result<void> {
    if (auto err = detail::check_stored(&name, x))
      return detail::refused_now(self, std::move(err));
    std::vector<std::string> keys{name};
    return detail::routed_request<void>(
        self, kind, std::move(keys), access_mode::write,
        [=](connection& c) { insert_item(c, group, name, x); }, prio);
  };
  auto update = [=](std::string& name, stored_value& x,
                    priority prio) -> caf::result<void> {
    if (auto err = detail::check_stored(&name, x))
      return detail::refused_now(self, std::move(err));
    std::vector<std::string> keys{name};
    return detail::routed_request<void>(
        self, kind, std::move(keys), access_mode::write,
        [=](connection& c) { update_item(c, group, name, x); }, prio);
  };
  auto clear = [=](priority prio) {
    // No keys: after every earlier operation, before every later one.
    return detail::routed_request<std::uint64_t>(
        self, kind, std::vector<std::string>{}, access_mode::write,
        [=](connection& c) { return clear_items(c, group); }, prio);
  };
  auto names_range = [=](const std::string& from, const std::string& until,
                         std::uint32_t limit, priority prio) {
    return read_range<name_list>(
        self, from, until, limit, prio,
        [=](connection& c, const name_range& r) {
          return item_names_between(c, group, r.from, r.until, limit);
        });
  };
  auto load_range = [=](const std::string& from, const std::string& until,
                        std::uint32_t limit, priority prio) {
    return read_range<items_map>(
        self, from, until, limit, prio,
        [=](connection& c, const name_range& r) {
          return load_items_between(c, group, r.from, r.until, limit);
        });
  };
  auto get_versioned = [=](std::string& name, priority prio)
      -> caf::result<caf::optional<versioned_value>> {
    if (auto err = detail::check_name(name))
      return detail::refused_now(self, std::move(err));
    std::vector<std::string> keys{name};
    return detail::routed_request<caf::optional<versioned_value>>(
        self, kind, std::move(keys), access_mode::read,
        [=](connection& c) -> caf::optional<versioned_value> {
          if (auto x = find_item_versioned(c, group, name))
            return std::move(*x);
          return caf::none;
        },
        prio);
  };
  auto set_if = [=](std::string& name, stored_value& x, std::uint64_t expected,
                    priority prio) -> caf::result<std::uint64_t> {
    if (auto err = detail::check_stored(&name, x))
      return detail::refused_now(self, std::move(err));
    std::vector<std::string> keys{name};
    return detail::routed_request<std::uint64_t>(
        self, kind, std::move(keys), access_mode::write,
        [=](connection& c) { return put_item_if(c, group, name, x, expected); },
        prio);
  };
  auto delete_if = [=](std::string& name, std::uint64_t expected,
                       priority prio) -> caf::result<void> {
    if (auto err = detail::check_name(name))
      return detail::refused_now(self, std::move(err));
    std::vector<std::string> keys{name};
    return detail::routed_request<void>(
        self, kind, std::move(keys), access_mode::write,
        [=](connection& c) { erase_item_if(c, group, name, expected); }, prio);
  };
  // A node's relay (net/detail/relay.hpp): each request handled as if it
  // came alone, all answered in one message.
  auto relayed = [=](std::vector<detail::relayed_request>& requests)
      -> caf::result<std::vector<detail::relayed_answer>> {
    if (auto err = detail::check_relay_size(requests.size()))
      return detail::refused_now(self, std::move(err));
    detail::count_relay(requests.size());
    auto rp =
        self->make_response_promise<std::vector<detail::relayed_answer>>();
    auto answers = std::make_shared<detail::gathered_answers>(
        requests.size(), [rp](std::vector<caf::message>&& xs) mutable {
          rp.deliver(detail::as_relayed_answers(std::move(xs)));
        });
    detail::outbox_hold<items_self> hold{self, self->state.cfg.queue};
    for (std::size_t i = 0; i < requests.size(); ++i) {
      auto& r = requests[i];
      auto prio_or = [&](priority standard) {
        return r.has_priority ? r.prio : standard;
      };
      // The request's handler answers into slot i: now, or through the
      // promise it keeps.
      auto answer = [&](caf::atom_value kind, auto handle) {
        detail::answering_into into{{answers, i, kind}};
        auto result = handle();
        caf::message msg;
        if (result.flag == caf::rt_delegated) {
          if (!detail::current_gathered_slot())
            return; // its promise took the slot
          msg = caf::make_message(make_error(
              errc::transaction_error, "a relayed request kept no promise"));
        } else if (result.flag == caf::rt_error) {
          msg = caf::make_message(std::move(result.err));
        } else if constexpr (!std::is_same_v<decltype(result),
                                             caf::result<void>>) {
          msg = std::move(result.value);
        }
        answers->settle(i, std::move(msg));
      };
      switch (static_cast<detail::relayed_op>(r.op)) {
      case detail::relayed_op::set:
        answer(set_atom::value,
               [&] { return set(r.name, r.value, prio_or(writes)); });
        break;
      case detail::relayed_op::get:
        answer(get_atom::value, [&] { return get(r.name, prio_or(reads)); });
        break;
      case detail::relayed_op::insert:
        answer(insert_atom::value,
               [&] { return insert(r.name, r.value, prio_or(writes)); });
        break;
      case detail::relayed_op::update:
        answer(update_atom::value,
               [&] { return update(r.name, r.value, prio_or(writes)); });
        break;
      case detail::relayed_op::erase:
        answer(delete_atom::value,
               [&] { return erase(r.names, prio_or(writes)); });
        break;
      default:
        answers->settle(i, caf::make_message(
                               caf::make_error(caf::sec::unexpected_message)));
      }
    }
    answers->handed_out();
    return rp;
  };
  return {
      [=](relay_atom, std::vector<detail::relayed_request>& requests) {
        return relayed(requests);
      },
      [=](set_atom, std::string& name, stored_value& x) {
        return set(name, x, writes);
      },
      [=](get_atom, std::string& name) { return get(name, reads); },
      [=](delete_atom, std::vector<std::string>& names) {
        return erase(names, writes);
      },
      [=](names_atom) { return all_names(reads); },
      [=](load_atom) { return load_all(reads); },
      [=](names_atom, std::string& from, std::uint32_t limit) {
        return names_page(from, limit, reads);
      },
      [=](load_atom, std::string& from, std::uint32_t limit) {
        return load_page(from, limit, reads);
      },
      [=](insert_atom, std::string& name, stored_value& x) {
        return insert(name, x, writes);
      },
      [=](update_atom, std::string& name, stored_value& x) {
        return update(name, x, writes);
      },
      [=](clear_atom) { return clear(writes); },
      [=](names_atom, const std::string& from, const std::string& until,
          std::uint32_t limit) {
        return names_range(from, until, limit, reads);
      },
      [=](load_atom, const std::string& from, const std::string& until,
          std::uint32_t limit) {
        return load_range(from, until, limit, reads);
      },
      [=](get_atom, std::string& name, version_atom) {
        return get_versioned(name, reads);
      },
      [=](set_if_atom, std::string& name, stored_value& x,
          std::uint64_t expected) { return set_if(name, x, expected, writes); },
      [=](delete_if_atom, std::string& name, std::uint64_t expected) {
        return delete_if(name, expected, writes);
      },
      [=](close_atom) -> caf::result<void> {
        if (!detail::sent_by(self, self->state.cfg.broker))
          return detail::refused_private_message();
        return detail::close_request(self);
      },
      [=](dict_atom, detail::dict_impl& d) {
        if (detail::sent_by(self, self->state.cfg.broker))
          self->state.dict = caf::actor_cast<caf::weak_actor_ptr>(
              caf::actor_cast<caf::strong_actor_ptr>(d));
      },
      [=](set_atom, std::string& name, stored_value& x, priority prio) {
        return set(name, x, prio);
      },
      [=](get_atom, std::string& name, priority prio) {
        return get(name, prio);
      },
      [=](delete_atom, std::vector<std::string>& names, priority prio) {
        return erase(names, prio);
      },
      [=](names_atom, priority prio) { return all_names(prio); },
      [=](load_atom, priority prio) { return load_all(prio); },
      [=](names_atom, std::string& from, std::uint32_t limit, priority prio) {
        return names_page(from, limit, prio);
      },
      [=](load_atom, std::string& from, std::uint32_t limit, priority prio) {
        return load_page(from, limit, prio);
      },
      [=](insert_atom, std::string& name, stored_value& x, priority prio) {
        return insert(name, x, prio);
      },
      [=](update_atom, std::string& name, stored_value& x, priority prio) {
        return update(name, x, prio);
      },
      [=](clear_atom, priority prio) { return clear(prio); },
      [=](names_atom, const std::string& from, const std::string& until,
          std::uint32_t limit,
          priority prio) { return names_range(from, until, limit, prio); },
      [=](load_atom, const std::string& from, const std::string& until,
          std::uint32_t limit,
          priority prio) { return load_range(from, until, limit, prio); },
      [=](get_atom, std::string& name, version_atom, priority prio) {
        return get_versioned(name, prio);
      },
      [=](set_if_atom, std::string& name, stored_value& x,
          std::uint64_t expected,
          priority prio) { return set_if(name, x, expected, prio); },
      [=](delete_if_atom, std::string& name, std::uint64_t expected,
          priority prio) { return delete_if(name, expected, prio); },
      [=](hold_atom, std::vector<std::string>& names) {
        return detail::hold_keys(self, kind, std::move(names));
      },
      [=](release_atom, std::uint64_t ticket) {
        return detail::release_hold(self, ticket);
      },
      [=](dispatch_atom) -> caf::result<void> {
        if (!detail::sent_by_itself(self))
          return detail::refused_private_message();
        detail::dispatch_jobs(self, self->state.cfg.queue);
        return caf::unit;
      },
  };
}

} // namespace

namespace detail {

items_impl spawn_items(caf::actor_system& sys, group_config cfg) {
  return sys.spawn(items_behavior, std::move(cfg));
}

} // namespace detail

} // namespace sasync
