// Client helpers for the items actor's conditional writes (insert, update),
// clear and ranges of names, including a prefix's names; blocking and
// event-based like their neighbours in client.hpp (which includes this).
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/storage/name_range.hpp"

#include <memory>

namespace sasync {

// -- scoped actors ------------------------------------------------------------

/// Stores `x` under `name` only if the name does not exist; errc::exists
/// (and nothing changes) when it does. Answered after the commit.
template <class T>
caf::expected<void> insert(caf::scoped_actor& self, const items& store,
                           const std::string& name, const T& x,
                           client_timeout timeout = {},
                           priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return encoded.error();
  return detail::call<void>(self, store, timeout, detail::gone_means::shut_down,
                            insert_atom::value, name, std::move(*encoded),
                            prio);
}

/// Replaces the value under `name` only if the name exists; errc::missing
/// (and nothing is created) when it does not.
template <class T>
caf::expected<void> update(caf::scoped_actor& self, const items& store,
                           const std::string& name, const T& x,
                           client_timeout timeout = {},
                           priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return encoded.error();
  return detail::call<void>(self, store, timeout, detail::gone_means::shut_down,
                            update_atom::value, name, std::move(*encoded),
                            prio);
}

/// Deletes the whole group after every earlier write of it; how many names
/// there were.
caf::expected<std::uint64_t> clear(caf::scoped_actor& self, const items& store,
                                   client_timeout timeout = {},
                                   priority prio = defaults::write_priority);

/// At most `n` names in [from, until) ("" until = no end), sorted bytewise.
caf::expected<std::vector<std::string>>
names(caf::scoped_actor& self, const items& store, std::string from,
      std::string until, std::uint32_t n, client_timeout timeout = {},
      priority prio = defaults::read_priority);

/// At most `n` names and stored values in [from, until), the same way.
caf::expected<std::map<std::string, stored_value>>
load_page(caf::scoped_actor& self, const items& store, std::string from,
          std::string until, std::uint32_t n, client_timeout timeout = {},
          priority prio = defaults::read_priority);

/// Every name that starts with `prefix` ("" = every name), sorted bytewise;
/// read max_item_page names at a time, each page at `prio`.
caf::expected<std::vector<std::string>>
names_with_prefix(caf::scoped_actor& self, const items& store,
                  const std::string& prefix, client_timeout timeout = {},
                  priority prio = defaults::read_priority);

/// Every name that starts with `prefix` and its value as a T
/// (T = stored_value: as stored); type_mismatch names the first value of
/// another type. Each page is read at `prio`.
template <class T = stored_value>
caf::expected<std::map<std::string, T>>
load_with_prefix(caf::scoped_actor& self, const items& store,
                 const std::string& prefix, client_timeout timeout = {},
                 priority prio = defaults::read_priority) {
  std::map<std::string, stored_value> all;
  auto until = prefix_end(prefix);
  for (std::string from = prefix;;) {
    auto page =
        load_page(self, store, from, until, max_item_page, timeout, prio);
    if (!page)
      return page.error();
    auto full = page->size() == max_item_page;
    if (full)
      from = page->rbegin()->first + '\0'; // the least name after the last
    all.merge(*page);
    if (!full)
      return detail::try_decode_all<T>(all);
  }
}

// -- event-based actors -------------------------------------------------------

/// Calls `on_done()` once `x` is stored under the new name `name`; on_error
/// gets errc::exists when the name exists.
template <class T, class Self, class OnDone, class OnError>
void insert(Self* self, const items& store, const std::string& name, const T& x,
            OnDone on_done, OnError on_error, client_timeout timeout = {},
            priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error), insert_atom::value,
                    name, std::move(*encoded), prio);
}

/// Calls `on_done()` once `x` replaced the value under `name`; on_error gets
/// errc::missing when there was none.
template <class T, class Self, class OnDone, class OnError>
void update(Self* self, const items& store, const std::string& name, const T& x,
            OnDone on_done, OnError on_error, client_timeout timeout = {},
            priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error), update_atom::value,
                    name, std::move(*encoded), prio);
}

/// `on_result(std::uint64_t)`: how many names the group had.
template <class Self, class OnResult, class OnError>
void clear(Self* self, const items& store, OnResult on_result, OnError on_error,
           client_timeout timeout = {},
           priority prio = defaults::write_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    clear_atom::value, prio);
}

template <class Self, class OnResult, class OnError>
void names(Self* self, const items& store, std::string from, std::string until,
           std::uint32_t n, OnResult on_result, OnError on_error,
           client_timeout timeout = {},
           priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    names_atom::value, std::move(from), std::move(until), n,
                    prio);
}

template <class Self, class OnResult, class OnError>
void load_page(Self* self, const items& store, std::string from,
               std::string until, std::uint32_t n, OnResult on_result,
               OnError on_error, client_timeout timeout = {},
               priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error), load_atom::value,
                    std::move(from), std::move(until), n, prio);
}

namespace detail {

/// A prefix's range read page by page from an event-based actor: `Page` is
/// the answer of names or load, `all` gathers the pages.
template <class Page> struct prefix_walk {
  std::string until;
  Page all;
  client_timeout timeout;
};

/// The name a page of names or of items ends with.
inline const std::string& last_name(const std::vector<std::string>& page) {
  return page.back();
}
inline const std::string&
last_name(const std::map<std::string, stored_value>& page) {
  return page.rbegin()->first;
}

inline void gather(std::vector<std::string>& all,
                   std::vector<std::string>& page) {
  all.insert(all.end(), std::make_move_iterator(page.begin()),
             std::make_move_iterator(page.end()));
}
inline void gather(std::map<std::string, stored_value>& all,
                   std::map<std::string, stored_value>& page) {
  all.merge(page);
}

/// Asks for the page from `from` on and then for the next, until one is
/// not full; then `on_done(walk->all)`.
template <class Page, class Self, class OnDone, class OnError>
void walk_prefix(Self* self, const items& store,
                 std::shared_ptr<prefix_walk<Page>> walk, std::string from,
                 OnDone on_done, OnError on_error) {
  auto on_page = [self, store, walk, on_done, on_error](Page& page) mutable {
    auto full = page.size() == max_item_page;
    std::string next = full ? last_name(page) + '\0' : std::string{};
    gather(walk->all, page);
    if (!full)
      return on_done(walk->all);
    walk_prefix<Page>(self, store, walk, std::move(next), std::move(on_done),
                      std::move(on_error));
  };
  auto timeout = walk->timeout;
  call_then(self, store, timeout, gone_means::shut_down, std::move(on_page),
            on_error,
            std::conditional_t<std::is_same_v<Page, std::vector<std::string>>,
                               names_atom, load_atom>::value,
            std::move(from), walk->until, max_item_page);
}

} // namespace detail

/// `on_result(std::vector<std::string>&)`: every name that starts with
/// `prefix`, sorted bytewise.
template <class Self, class OnResult, class OnError>
void names_with_prefix(Self* self, const items& store,
                       const std::string& prefix, OnResult on_result,
                       OnError on_error, client_timeout timeout = {}) {
  using page = std::vector<std::string>;
  auto walk = std::make_shared<detail::prefix_walk<page>>(
      detail::prefix_walk<page>{prefix_end(prefix), {}, timeout});
  detail::walk_prefix<page>(self, store, std::move(walk), prefix,
                            std::move(on_result), std::move(on_error));
}

/// `on_result(std::map<std::string, T>)`: every name that starts with
/// `prefix` and its value as a T.
template <class T = stored_value, class Self, class OnResult, class OnError>
void load_with_prefix(Self* self, const items& store,
                      const std::string& prefix, OnResult on_result,
                      OnError on_error, client_timeout timeout = {}) {
  using page = std::map<std::string, stored_value>;
  auto walk = std::make_shared<detail::prefix_walk<page>>(
      detail::prefix_walk<page>{prefix_end(prefix), {}, timeout});
  auto decoding = [on_result, on_error](page& all) mutable {
    auto decoded = detail::try_decode_all<T>(all);
    if (decoded)
      on_result(std::move(*decoded));
    else
      on_error(decoded.error());
  };
  detail::walk_prefix<page>(self, store, std::move(walk), prefix,
                            std::move(decoding), on_error);
}

} // namespace sasync
