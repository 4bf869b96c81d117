// The dict's reads of names its cache does not know: requests on one name
// queue behind its read and run on what it found, in the order they came.
#include "sasync/actors/objects/detail/dict_state.hpp"

#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/item_store.hpp"

namespace sasync::detail {

/// A request writes `name`: the lookups of it waiting now came before, so
/// their own writes would be redundant.
void came_after_lookups(dict_state& st, const std::string& name) {
  if (st.lookups.count(name) > 0)
    st.last_change[name] = ++st.events;
}

namespace {

/// The newest lookup of `name` when nothing wrote the name since it began:
/// an operation joins it to keep its place behind the earlier ones.
name_lookup* joinable_lookup(dict_state& st, const std::string& name) {
  auto i = st.lookups.find(name);
  if (i == st.lookups.end() || i->second.empty())
    return nullptr;
  auto& newest = i->second.back();
  auto changed = st.last_change.find(name);
  if (changed != st.last_change.end() && changed->second > newest.since)
    return nullptr;
  return &newest;
}


void finish_lookup(dict_ptr self, const std::string& name,
                   std::list<name_lookup>::iterator which,
                   caf::expected<std::optional<stored_value>> found) {
  auto& st = self->state;
  auto& all = st.lookups[name];
  auto done = std::move(*which);
  all.erase(which);
  auto changed = st.last_change.count(name) > 0 ? st.last_change[name] : 0;
  auto overtaken = changed > done.since;
  if (all.empty()) {
    st.lookups.erase(name);
    st.last_change.erase(name);
  }
  caf::error err;
  dict_cache::entry state;
  if (!found)
    err = found.error();
  else if (overtaken)
    state = std::move(*found);
  else // a write since the read began is newer than what it found
    state = st.cache.read(name, std::move(*found));
  for (auto& op : done.waiting) {
    st.requests.answered();
    op(err, state, overtaken);
  }
  if (st.lookups.count(name) == 0)
    send_next(self, name); // the writes held back for the read
  maybe_finish_close(self);
}

} // namespace

/// Runs `op` on what the dict knows of `name`, in the order of the requests
/// on that name: behind a lookup under way, else on the cache's entry, else
/// after reading the name.
void with_entry(dict_ptr self, const std::string& name, entry_op op,
                priority prio) {
  auto& st = self->state;
  if (auto* pending = joinable_lookup(st, name)) {
    st.requests.opened();
    pending->waiting.push_back(std::move(op));
    return;
  }
  if (auto known = st.cache.find(name)) {
    auto state = std::move(*known);
    return op(caf::error{}, state, false);
  }
  if (st.cache.complete()) {
    dict_cache::entry none;
    return op(caf::error{}, none, false);
  }
  st.requests.opened();
  auto& all = st.lookups[name];
  all.push_back(name_lookup{st.events, {}});
  all.back().waiting.push_back(std::move(op));
  auto which = std::prev(all.end());
  auto group = st.cfg.group;
  run_job(
      self, st.cfg.queue, access_mode::read,
      [group, name](connection& c) { return find_item(c, group, name); },
      [self, name, which](caf::expected<std::optional<stored_value>> x) {
        finish_lookup(self, name, which, std::move(x));
      },
      prio);
}

/// The reads' answer: the entry as it is.
caf::optional<stored_value> as_optional(const dict_cache::entry& x) {
  return x ? caf::optional<stored_value>{*x} : caf::optional<stored_value>{};
}

/// Removes `name` when it holds a value (written behind) and answers the
/// value, `fallback` or missing.
caf::expected<stored_value>
pop_entry(dict_ptr self, const std::string& name, dict_cache::entry& state,
          bool overtaken, const std::optional<stored_value>& fallback,
          priority prio) {
  if (!state) {
    if (fallback)
      return *fallback;
    return make_error(errc::missing, name);
  }
  auto x = std::move(*state);
  state.reset();
  if (!overtaken)
    write_behind(self, name, std::nullopt, prio);
  return x;
}

/// Removes every name of the group: the cache's at once, the database's
/// others once it names them; answers how many held a value.
caf::result<std::uint64_t> clear_group(dict_ptr self, priority prio) {
  auto& st = self->state;
  if (auto err = dict_refusal(st))
    return err;
  if (auto err = check_priority(prio))
    return err;
  for (auto& kvp : st.lookups)
    st.last_change[kvp.first] = ++st.events;
  auto was_complete = st.cache.complete();
  auto known = st.cache.clear();
  pending_clear pc;
  for (auto& [name, x] : known) {
    pc.known.insert(name);
    if (x) {
      ++pc.held;
      write_behind(self, name, std::nullopt, prio);
    }
  }
  if (was_complete) {
    st.cache.release();
    return pc.held;
  }
  auto id = ++st.last_clear;
  st.clears.emplace(id, std::move(pc));
  auto rp = keep_counted_promise<std::uint64_t>(self);
  st.requests.opened();
  auto group = st.cfg.group;
  run_job(
      self, st.cfg.queue, access_mode::read,
      [group](connection& c) { return item_names(c, group); },
      [self, rp, id, prio](caf::expected<std::vector<std::string>> x) mutable {
        auto& st = self->state;
        st.requests.answered();
        auto done = std::move(st.clears[id]);
        st.clears.erase(id);
        if (!x) {
          // The names of the cache are gone; the database's others stay.
          st.cache.abandon_clear();
          rp.deliver(x.error());
        } else {
          auto n = done.held;
          for (auto& name : *x) {
            if (done.known.count(name) > 0 || done.written.count(name) > 0)
              continue;
            ++n;
            write_behind(self, name, std::nullopt, prio);
          }
          st.cache.release();
          rp.deliver(std::uint64_t{n});
        }
        maybe_finish_close(self);
      },
      prio);
  return rp;
}

} // namespace sasync::detail
