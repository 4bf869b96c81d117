// Client-side helpers for the group actors: set/get of any CAF-inspectable
// T on items, dict and array actors, and their other messages, from scoped
// and event-based actors alike. Values are encoded and decoded here, on the
// client's side, so a remote node's actors never need the user's types.
// Includes the helpers for a node's messages (client_node.hpp), for rows in
// bulk (client_rows.hpp), for many sets (client_set_many.hpp) and for
// named parameters (client_named.hpp), so one
// include offers every helper.
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/client/client_cluster.hpp"
#include "sasync/actors/client/client_node.hpp"
#include "sasync/actors/client/client_named.hpp"
#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/client/client_rows.hpp"
#include "sasync/actors/client/client_set_many.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/array.hpp"
#include "sasync/actors/objects/dict.hpp"
#include "sasync/actors/objects/items.hpp"
#include "sasync/storage/value_codec.hpp"
#include "sasync/storage/wire_types.hpp"

#include <caf/duration.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace sasync {

namespace detail {

/// Encodes, with a failure as an error value; a stored_value stays as it
/// is.
template <class T> caf::expected<stored_value> try_encode(const T& x) {
  if constexpr (std::is_same_v<T, stored_value>)
    return x;
  try {
    return encode(x);
  } catch (const storage_failure& f) {
    return to_error(f);
  }
}

/// Decodes a lookup: none stays none; a failure becomes an error value.
template <class T>
caf::expected<std::optional<T>>
try_decode(const caf::optional<stored_value>& x) {
  if (!x)
    return std::optional<T>{};
  if constexpr (std::is_same_v<T, stored_value>)
    return std::optional<T>{*x};
  try {
    return std::optional<T>{decode<T>(*x)};
  } catch (const storage_failure& f) {
    return to_error(f);
  }
}

template <class T>
caf::expected<std::map<std::string, T>>
try_decode_all(const std::map<std::string, stored_value>& xs) {
  if constexpr (std::is_same_v<T, stored_value>)
    return xs;
  std::map<std::string, T> out;
  for (auto& [name, x] : xs) {
    try {
      out.emplace(name, decode<T>(x));
    } catch (const storage_failure& f) {
      return make_error(f.kind() == failure_kind::type_mismatch
                            ? errc::type_mismatch
                            : errc::corrupt_value,
                        "'" + name + "': " + f.what());
    }
  }
  return out;
}

/// A handler for a lookup's answer that passes on the decoded T.
template <class T, class OnResult, class OnError>
auto decoding(OnResult on_result, OnError on_error) {
  return [on_result, on_error](caf::optional<stored_value>& found) mutable {
    auto decoded = try_decode<T>(found);
    if (decoded)
      on_result(std::move(*decoded));
    else
      on_error(decoded.error());
  };
}

template <class Handle>
constexpr bool is_named_store =
    std::is_same_v<Handle, items> || std::is_same_v<Handle, dict>;

} // namespace detail

// Every helper takes a client_timeout last (client_request.hpp: a
// std::chrono or caf::duration; none locally and remote_request_timeout
// through a node by default). T = stored_value passes the stored form (type
// name and bytes) unchanged. Once the broker has shut down, requests fail
// with errc::shutting_down.
// Helpers whose request runs database work also take a priority after the
// timeout (priority.hpp; `set(self, store, "k", x, {}, do_next)`): reads
// default to defaults::read_priority, writes to defaults::write_priority,
// statements to defaults::statement_priority (defaults.hpp).

// -- scoped actors: items and dict --------------------------------------------

/// Stores `x` under `name` (on items: answered after the commit).
template <class T, class Handle,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
caf::expected<void> set(caf::scoped_actor& self, const Handle& store,
                        const std::string& name, const T& x,
                        client_timeout timeout = {},
                        priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return encoded.error();
  return detail::call<void>(self, store, timeout, detail::gone_means::shut_down,
                            set_atom::value, name, std::move(*encoded), prio);
}

/// The T under `name`; none when missing; type_mismatch when it is stored
/// as another type.
template <class T, class Handle,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
caf::expected<std::optional<T>>
get(caf::scoped_actor& self, const Handle& store, const std::string& name,
    client_timeout timeout = {}, priority prio = defaults::read_priority) {
  auto found = detail::call<caf::optional<stored_value>>(
      self, store, timeout, detail::gone_means::shut_down, get_atom::value,
      name, prio);
  if (!found)
    return found.error();
  return detail::try_decode<T>(*found);
}

/// Every value of the group as a T (sAsync's loadAll); type_mismatch names
/// the first value of another type.
template <class T, class Handle,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
caf::expected<std::map<std::string, T>>
load_all(caf::scoped_actor& self, const Handle& store,
         client_timeout timeout = {}, priority prio = defaults::read_priority) {
  auto all = detail::call<std::map<std::string, stored_value>>(
      self, store, timeout, detail::gone_means::shut_down, load_atom::value,
      prio);
  if (!all)
    return all.error();
  return detail::try_decode_all<T>(*all);
}

// -- scoped actors: array -----------------------------------------------------

template <class T>
caf::expected<void> set(caf::scoped_actor& self, const array& cells,
                        const coordinates& at, const T& x,
                        client_timeout timeout = {},
                        priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return encoded.error();
  return detail::call<void>(self, cells, timeout, detail::gone_means::shut_down,
                            set_atom::value, at.x, at.y, at.z,
                            std::move(*encoded), prio);
}

template <class T>
caf::expected<std::optional<T>>
get(caf::scoped_actor& self, const array& cells, const coordinates& at,
    client_timeout timeout = {}, priority prio = defaults::read_priority) {
  auto found = detail::call<caf::optional<stored_value>>(
      self, cells, timeout, detail::gone_means::shut_down, get_atom::value,
      at.x, at.y, at.z, prio);
  if (!found)
    return found.error();
  return detail::try_decode<T>(*found);
}

// -- scoped actors: names, deletes, pages and the dict's cache ---------------

/// Deletes the names; how many of them existed.
caf::expected<std::uint64_t> erase(caf::scoped_actor& self, const items& store,
                                   std::vector<std::string> names,
                                   client_timeout timeout = {},
                                   priority prio = defaults::write_priority);
/// Deletes the names (written behind, like set).
caf::expected<void> erase(caf::scoped_actor& self, const dict& store,
                          std::vector<std::string> names,
                          client_timeout timeout = {},
                          priority prio = defaults::write_priority);

/// Every name of the group, sorted bytewise.
caf::expected<std::vector<std::string>>
names(caf::scoped_actor& self, const items& store, client_timeout timeout = {},
      priority prio = defaults::read_priority);
caf::expected<std::vector<std::string>>
names(caf::scoped_actor& self, const dict& store, client_timeout timeout = {},
      priority prio = defaults::read_priority);

/// A page: at most `n` (1 to max_item_page) names from `from` on
/// (inclusive; "" = from the first). The next page starts at the last name.
caf::expected<std::vector<std::string>>
names(caf::scoped_actor& self, const items& store, std::string from,
      std::uint32_t n, client_timeout timeout = {},
      priority prio = defaults::read_priority);

/// A page of names and stored values, the same way (decode<T> each value).
caf::expected<std::map<std::string, stored_value>>
load_page(caf::scoped_actor& self, const items& store, std::string from,
          std::uint32_t n, client_timeout timeout = {},
          priority prio = defaults::read_priority);

/// Loads the whole group into the dict's cache.
caf::expected<void> preload(caf::scoped_actor& self, const dict& store,
                            client_timeout timeout = {},
                            priority prio = defaults::read_priority);

/// Answers once every earlier write of the dict has committed.
caf::expected<void> flush(caf::scoped_actor& self, const dict& store,
                          client_timeout timeout = {});

/// Deletes the cell's value; whether it held one.
caf::expected<bool> erase(caf::scoped_actor& self, const array& cells,
                          const coordinates& at, client_timeout timeout = {},
                          priority prio = defaults::write_priority);

/// Empties the group; how many cells held a value.
caf::expected<std::uint64_t> clear(caf::scoped_actor& self, const array& cells,
                                   client_timeout timeout = {},
                                   priority prio = defaults::write_priority);

// -- event-based actors -------------------------------------------------------
// `on_error(caf::error&)` also gets encoding and decoding failures; an
// encoding failure calls it before set() returns.

/// Stores `x` under `name` and calls `on_done()`.
template <class T, class Self, class Handle, class OnDone, class OnError,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
void set(Self* self, const Handle& store, const std::string& name, const T& x,
         OnDone on_done, OnError on_error, client_timeout timeout = {},
         priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error), set_atom::value,
                    name, std::move(*encoded), prio);
}

/// Calls `on_result(std::optional<T>)`: none when `name` is missing.
template <class T, class Self, class Handle, class OnResult, class OnError,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
void get(Self* self, const Handle& store, const std::string& name,
         OnResult on_result, OnError on_error, client_timeout timeout = {},
         priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    detail::decoding<T>(on_result, on_error), on_error,
                    get_atom::value, name, prio);
}

template <class T, class Self, class OnDone, class OnError>
void set(Self* self, const array& cells, const coordinates& at, const T& x,
         OnDone on_done, OnError on_error, client_timeout timeout = {},
         priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, cells, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error), set_atom::value,
                    at.x, at.y, at.z, std::move(*encoded), prio);
}

template <class T, class Self, class OnResult, class OnError>
void get(Self* self, const array& cells, const coordinates& at,
         OnResult on_result, OnError on_error, client_timeout timeout = {},
         priority prio = defaults::read_priority) {
  detail::call_then(self, cells, timeout, detail::gone_means::shut_down,
                    detail::decoding<T>(on_result, on_error), on_error,
                    get_atom::value, at.x, at.y, at.z, prio);
}

/// Calls `on_result(std::map<std::string, T>)` with the whole group.
template <class T, class Self, class Handle, class OnResult, class OnError,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
void load_all(Self* self, const Handle& store, OnResult on_result,
              OnError on_error, client_timeout timeout = {},
              priority prio = defaults::read_priority) {
  auto decoding = [on_result, on_error](
                      std::map<std::string, stored_value>& all) mutable {
    auto decoded = detail::try_decode_all<T>(all);
    if (decoded)
      on_result(std::move(*decoded));
    else
      on_error(decoded.error());
  };
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(decoding), on_error, load_atom::value, prio);
}

/// `on_result(std::uint64_t)` on items, `on_done()` on a dict.
template <class Self, class Handle, class OnResult, class OnError,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
void erase(Self* self, const Handle& store, std::vector<std::string> names,
           OnResult on_result, OnError on_error, client_timeout timeout = {},
           priority prio = defaults::write_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    delete_atom::value, std::move(names), prio);
}

template <class Self, class Handle, class OnResult, class OnError,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
void names(Self* self, const Handle& store, OnResult on_result,
           OnError on_error, client_timeout timeout = {},
           priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    names_atom::value, prio);
}

template <class Self, class OnResult, class OnError>
void names(Self* self, const items& store, std::string from, std::uint32_t n,
           OnResult on_result, OnError on_error, client_timeout timeout = {},
           priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    names_atom::value, std::move(from), n, prio);
}

template <class Self, class OnResult, class OnError>
void load_page(Self* self, const items& store, std::string from,
               std::uint32_t n, OnResult on_result, OnError on_error,
               client_timeout timeout = {},
               priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error), load_atom::value,
                    std::move(from), n, prio);
}

template <class Self, class OnDone, class OnError>
void preload(Self* self, const dict& store, OnDone on_done, OnError on_error,
             client_timeout timeout = {},
             priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error),
                    preload_atom::value, prio);
}

template <class Self, class OnDone, class OnError>
void flush(Self* self, const dict& store, OnDone on_done, OnError on_error,
           client_timeout timeout = {}) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error),
                    flush_atom::value);
}

/// `on_result(bool)`: whether the cell held a value.
template <class Self, class OnResult, class OnError>
void erase(Self* self, const array& cells, const coordinates& at,
           OnResult on_result, OnError on_error, client_timeout timeout = {},
           priority prio = defaults::write_priority) {
  detail::call_then(self, cells, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    delete_atom::value, at.x, at.y, at.z, prio);
}

template <class Self, class OnResult, class OnError>
void clear(Self* self, const array& cells, OnResult on_result, OnError on_error,
           client_timeout timeout = {},
           priority prio = defaults::write_priority) {
  detail::call_then(self, cells, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    clear_atom::value, prio);
}

// -- the dict's mapping operations (scoped and event-based) ------------------
// Values are T, encoded and decoded here as for set and get; missing,
// type_mismatch and the other errors come as for get.

/// Whether `name` holds a value.
inline caf::expected<bool> contains(caf::scoped_actor& self, const dict& store,
                                    const std::string& name,
                                    client_timeout timeout = {},
                                    priority prio = defaults::read_priority) {
  return detail::call<bool>(self, store, timeout, detail::gone_means::shut_down,
                            contains_atom::value, name, prio);
}

/// How many names hold a value, writes not yet committed included.
inline caf::expected<std::uint64_t>
size(caf::scoped_actor& self, const dict& store, client_timeout timeout = {},
     priority prio = defaults::read_priority) {
  return detail::call<std::uint64_t>(self, store, timeout,
                                     detail::gone_means::shut_down,
                                     size_atom::value, prio);
}

/// Removes every name of the group (written behind); how many held a value.
inline caf::expected<std::uint64_t>
clear(caf::scoped_actor& self, const dict& store, client_timeout timeout = {},
      priority prio = defaults::write_priority) {
  return detail::call<std::uint64_t>(self, store, timeout,
                                     detail::gone_means::shut_down,
                                     clear_atom::value, prio);
}

/// Whether the cache holds the whole group, how many names it holds and
/// how many writes wait to commit.
inline caf::expected<dict_status> cache_status(caf::scoped_actor& self,
                                               const dict& store,
                                               client_timeout timeout = {}) {
  return detail::call<dict_status>(self, store, timeout,
                                   detail::gone_means::shut_down,
                                   status_atom::value);
}

namespace detail {

/// Decodes a value the dict answered.
template <class T> caf::expected<T> try_decode_one(stored_value x) {
  if constexpr (std::is_same_v<T, stored_value>)
    return x;
  try {
    return decode<T>(x);
  } catch (const storage_failure& f) {
    return to_error(f);
  }
}

template <class T>
caf::expected<T> decoded_one(caf::expected<stored_value> x) {
  if (!x)
    return x.error();
  return try_decode_one<T>(std::move(*x));
}

/// A handler for a value the dict answered that passes on the decoded T.
template <class T, class OnResult, class OnError>
auto decoding_one(OnResult on_result, OnError on_error) {
  return [on_result, on_error](stored_value& x) mutable {
    auto decoded = try_decode_one<T>(std::move(x));
    if (decoded)
      on_result(std::move(*decoded));
    else
      on_error(decoded.error());
  };
}

template <class T>
caf::expected<std::map<std::string, stored_value>>
try_encode_all(const std::map<std::string, T>& xs) {
  if constexpr (std::is_same_v<T, stored_value>)
    return xs;
  std::map<std::string, stored_value> out;
  for (auto& [name, x] : xs) {
    auto encoded = try_encode(x);
    if (!encoded)
      return encoded.error();
    out.emplace(name, std::move(*encoded));
  }
  return out;
}

} // namespace detail

/// The T under `name`, or `fallback` when it is missing.
template <class T>
caf::expected<T> get(caf::scoped_actor& self, const dict& store,
                     const std::string& name, const T& fallback,
                     client_timeout timeout = {},
                     priority prio = defaults::read_priority) {
  auto encoded = detail::try_encode(fallback);
  if (!encoded)
    return encoded.error();
  return detail::decoded_one<T>(detail::call<stored_value>(
      self, store, timeout, detail::gone_means::shut_down, get_atom::value,
      name, std::move(*encoded), prio));
}

/// Removes `name` and answers its T; missing (and nothing changes) when it
/// holds no value.
template <class T>
caf::expected<T> pop(caf::scoped_actor& self, const dict& store,
                     const std::string& name, client_timeout timeout = {},
                     priority prio = defaults::write_priority) {
  return detail::decoded_one<T>(detail::call<stored_value>(
      self, store, timeout, detail::gone_means::shut_down, pop_atom::value,
      name, prio));
}

/// The same, answering `fallback` when `name` holds no value.
template <class T>
caf::expected<T> pop(caf::scoped_actor& self, const dict& store,
                     const std::string& name, const T& fallback,
                     client_timeout timeout = {},
                     priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(fallback);
  if (!encoded)
    return encoded.error();
  return detail::decoded_one<T>(detail::call<stored_value>(
      self, store, timeout, detail::gone_means::shut_down, pop_atom::value,
      name, std::move(*encoded), prio));
}

/// The T under `name`; when it holds none, stores `fallback` (written
/// behind) and answers it.
template <class T>
caf::expected<T> setdefault(caf::scoped_actor& self, const dict& store,
                            const std::string& name, const T& fallback,
                            client_timeout timeout = {},
                            priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(fallback);
  if (!encoded)
    return encoded.error();
  return detail::decoded_one<T>(detail::call<stored_value>(
      self, store, timeout, detail::gone_means::shut_down,
      setdefault_atom::value, name, std::move(*encoded), prio));
}

/// Sets every name to its T at once (written behind, like set); one bad
/// name or value refuses them all.
template <class T>
caf::expected<void> update(caf::scoped_actor& self, const dict& store,
                           const std::map<std::string, T>& xs,
                           client_timeout timeout = {},
                           priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode_all(xs);
  if (!encoded)
    return encoded.error();
  return detail::call<void>(self, store, timeout, detail::gone_means::shut_down,
                            update_atom::value, std::move(*encoded), prio);
}

/// `on_result(bool)`.
template <class Self, class OnResult, class OnError>
void contains(Self* self, const dict& store, const std::string& name,
              OnResult on_result, OnError on_error, client_timeout timeout = {},
              priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    contains_atom::value, name, prio);
}

/// `on_result(std::uint64_t)`.
template <class Self, class OnResult, class OnError>
void size(Self* self, const dict& store, OnResult on_result, OnError on_error,
          client_timeout timeout = {},
          priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error), size_atom::value,
                    prio);
}

/// `on_result(std::uint64_t)`: how many names held a value.
template <class Self, class OnResult, class OnError>
void clear(Self* self, const dict& store, OnResult on_result, OnError on_error,
           client_timeout timeout = {},
           priority prio = defaults::write_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    clear_atom::value, prio);
}

/// `on_result(dict_status&)`.
template <class Self, class OnResult, class OnError>
void cache_status(Self* self, const dict& store, OnResult on_result,
                  OnError on_error, client_timeout timeout = {}) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    status_atom::value);
}

/// `on_result(T)`: the value, or `fallback`.
template <class T, class Self, class OnResult, class OnError>
void get(Self* self, const dict& store, const std::string& name,
         const T& fallback, OnResult on_result, OnError on_error,
         client_timeout timeout = {}, priority prio = defaults::read_priority) {
  auto encoded = detail::try_encode(fallback);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    detail::decoding_one<T>(on_result, on_error), on_error,
                    get_atom::value, name, std::move(*encoded), prio);
}

/// `on_result(T)`: the value removed; on_error gets missing.
template <class T, class Self, class OnResult, class OnError>
void pop(Self* self, const dict& store, const std::string& name,
         OnResult on_result, OnError on_error, client_timeout timeout = {},
         priority prio = defaults::write_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    detail::decoding_one<T>(on_result, on_error), on_error,
                    pop_atom::value, name, prio);
}

/// `on_result(T)`: the value removed, or `fallback`.
template <class T, class Self, class OnResult, class OnError>
void pop(Self* self, const dict& store, const std::string& name,
         const T& fallback, OnResult on_result, OnError on_error,
         client_timeout timeout = {},
         priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(fallback);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    detail::decoding_one<T>(on_result, on_error), on_error,
                    pop_atom::value, name, std::move(*encoded), prio);
}

/// `on_result(T)`: the value, or `fallback` once stored.
template <class T, class Self, class OnResult, class OnError>
void setdefault(Self* self, const dict& store, const std::string& name,
                const T& fallback, OnResult on_result, OnError on_error,
                client_timeout timeout = {},
                priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(fallback);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    detail::decoding_one<T>(on_result, on_error), on_error,
                    setdefault_atom::value, name, std::move(*encoded), prio);
}

/// `on_done()` once every set is acknowledged.
template <class T, class Self, class OnDone, class OnError>
void update(Self* self, const dict& store, const std::map<std::string, T>& xs,
            OnDone on_done, OnError on_error, client_timeout timeout = {},
            priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode_all(xs);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error), update_atom::value,
                    std::move(*encoded), prio);
}

} // namespace sasync

// Items' insert, update, clear and ranges of names.
#include "sasync/actors/client/client_items_ops.hpp"

// Versions and compare-and-set on items and array cells.
#include "sasync/actors/client/client_versions.hpp"

// Atomic batches of data operations.
#include "sasync/actors/client/client_batch.hpp"
