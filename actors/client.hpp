// Client-side helpers: the actor of a group from a broker, and set/get of
// any CAF-inspectable T on items, dict and array actors, from scoped and
// event-based actors alike. Values are encoded and decoded here, on the
// client's side, so a remote node's actors never need the user's types.
#pragma once

#include "actors/array.hpp"
#include "actors/node.hpp"
#include "actors/dict.hpp"
#include "actors/errc.hpp"
#include "actors/items.hpp"
#include "storage/array_store.hpp"
#include "storage/value_codec.hpp"

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

/// Cancels the timeout of a request whose answer has come. A blocking actor
/// keeps an expired timeout it no longer waits for in its mailbox, and every
/// later receive scans past it: a long run of requests would slow down and
/// grow by one message per request once it has run longer than the timeout.
template <class Handle>
void forget_timeout(caf::scoped_actor& self, const Handle& answered) {
  self->clock().cancel_request_timeout(self.ptr(), answered.id());
}

/// A request from a scoped actor, its answer as caf::expected.
template <class R, class Handle, class... Ts>
caf::expected<R> ask(caf::scoped_actor& self, const Handle& dest,
                     caf::duration timeout, Ts&&... xs) {
  caf::error failure;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result{};
  auto on_error = [&](caf::error& err) { failure = std::move(err); };
  auto h = self->request(dest, timeout, std::forward<Ts>(xs)...);
  if constexpr (std::is_void_v<R>)
    h.receive([] {}, on_error);
  else
    h.receive([&](R& x) { result.emplace(std::move(x)); }, on_error);
  forget_timeout(self, h);
  if (failure)
    return failure;
  if constexpr (std::is_void_v<R>)
    return caf::expected<void>{};
  else
    return std::move(*result);
}

/// Encodes, with a failure as an error value.
template <class T> caf::expected<stored_value> try_encode(const T& x) {
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
  try {
    return std::optional<T>{decode<T>(*x)};
  } catch (const storage_failure& f) {
    return to_error(f);
  }
}

template <class T>
caf::expected<std::map<std::string, T>>
try_decode_all(const std::map<std::string, stored_value>& xs) {
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

// -- the actor of a group -----------------------------------------------------

/// The items actor of `group` on `db` (made on first use).
caf::expected<items> items_of(caf::scoped_actor& self, const node& db,
                              std::int64_t group,
                              caf::duration timeout = caf::infinite);
/// The dict actor of `group` on `db`.
caf::expected<dict> dict_of(caf::scoped_actor& self, const node& db,
                            std::int64_t group,
                            caf::duration timeout = caf::infinite);
/// The array actor of `group` on `db`.
caf::expected<array> array_of(caf::scoped_actor& self, const node& db,
                              std::int64_t group,
                              caf::duration timeout = caf::infinite);

// -- scoped actors: items and dict --------------------------------------------

/// Stores `x` under `name` (on items: answered after the commit).
template <class T, class Handle,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
caf::expected<void> set(caf::scoped_actor& self, const Handle& store,
                        const std::string& name, const T& x,
                        caf::duration timeout = caf::infinite) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return encoded.error();
  return detail::ask<void>(self, store, timeout, set_atom::value, name,
                           std::move(*encoded));
}

/// The T under `name`; none when missing; type_mismatch when it is stored
/// as another type.
template <class T, class Handle,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
caf::expected<std::optional<T>>
get(caf::scoped_actor& self, const Handle& store, const std::string& name,
    caf::duration timeout = caf::infinite) {
  auto found = detail::ask<caf::optional<stored_value>>(self, store, timeout,
                                                        get_atom::value, name);
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
         caf::duration timeout = caf::infinite) {
  auto all = detail::ask<std::map<std::string, stored_value>>(
      self, store, timeout, load_atom::value);
  if (!all)
    return all.error();
  return detail::try_decode_all<T>(*all);
}

// -- scoped actors: array -----------------------------------------------------

template <class T>
caf::expected<void> set(caf::scoped_actor& self, const array& cells,
                        const coordinates& at, const T& x,
                        caf::duration timeout = caf::infinite) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return encoded.error();
  return detail::ask<void>(self, cells, timeout, set_atom::value, at.x, at.y,
                           at.z, std::move(*encoded));
}

template <class T>
caf::expected<std::optional<T>> get(caf::scoped_actor& self, const array& cells,
                                    const coordinates& at,
                                    caf::duration timeout = caf::infinite) {
  auto found = detail::ask<caf::optional<stored_value>>(
      self, cells, timeout, get_atom::value, at.x, at.y, at.z);
  if (!found)
    return found.error();
  return detail::try_decode<T>(*found);
}

// -- scoped actors: queries and bulk inserts ---------------------------------

/// A cursor over the rows of `statement` (`?` parameters bound); pull its
/// rows with fetch.
caf::expected<cursor_info> query(caf::scoped_actor& self, const node& db,
                                 std::string statement,
                                 std::vector<value> params = {},
                                 caf::duration timeout = caf::infinite);

/// The cursor's next rows, at most `n`; `done` on the last batch.
caf::expected<row_batch> fetch(caf::scoped_actor& self, const cursor& rows,
                               std::uint32_t n,
                               caf::duration timeout = caf::infinite);

/// Calls `on_row` for every row of `statement`, `batch` rows per fetch, and
/// returns how many rows there were. The cursor reads one batch ahead, so
/// memory holds about two batches whatever the result's size. If `on_row`
/// throws, the cursor is cancelled and the exception passes on.
caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const node& db, std::string statement,
             std::vector<value> params,
             const std::function<void(const row&)>& on_row,
             std::uint32_t batch = 1000, caf::duration timeout = caf::infinite);

/// The same for a cursor already open (say, after printing its columns).
caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const cursor& rows,
             const std::function<void(const row&)>& on_row,
             std::uint32_t batch = 1000, caf::duration timeout = caf::infinite);

/// An ordered bulk insert into `spec.table`.
caf::expected<bulk_insert> insert_into(caf::scoped_actor& self, const node& db,
                                       insert_spec spec,
                                       caf::duration timeout = caf::infinite);

/// What insert_rows reports as it goes.
struct insert_callbacks {
  /// Each write's keys, in input order (when the spec names a key).
  std::function<void(std::vector<value>&)> on_keys;
  /// Rows committed so far.
  std::function<void(std::uint64_t)> on_progress;
};

/// Writes the rows `next()` yields (none ends them) through `inserter`, in
/// input order, `batch` rows per write with two writes in flight, so memory
/// holds about two batches however many rows come. Returns the rows
/// written; on an error, the rows written before it are those reported by
/// on_progress.
caf::expected<std::uint64_t>
insert_rows(caf::scoped_actor& self, const bulk_insert& inserter,
            std::uint32_t batch,
            const std::function<std::optional<row>()>& next,
            const insert_callbacks& callbacks = {},
            caf::duration timeout = caf::infinite);

// -- event-based actors -------------------------------------------------------
// `on_error(caf::error&)` also gets encoding and decoding failures; an
// encoding failure calls it before set() returns.

/// Stores `x` under `name` and calls `on_done()`.
template <class T, class Self, class Handle, class OnDone, class OnError,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
void set(Self* self, const Handle& store, const std::string& name, const T& x,
         OnDone on_done, OnError on_error,
         caf::duration timeout = caf::infinite) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return on_error(encoded.error());
  self->request(store, timeout, set_atom::value, name, std::move(*encoded))
      .then(std::move(on_done), std::move(on_error));
}

/// Calls `on_result(std::optional<T>)`: none when `name` is missing.
template <class T, class Self, class Handle, class OnResult, class OnError,
          class = std::enable_if_t<detail::is_named_store<Handle>>>
void get(Self* self, const Handle& store, const std::string& name,
         OnResult on_result, OnError on_error,
         caf::duration timeout = caf::infinite) {
  self->request(store, timeout, get_atom::value, name)
      .then(detail::decoding<T>(on_result, on_error), on_error);
}

template <class T, class Self, class OnDone, class OnError>
void set(Self* self, const array& cells, const coordinates& at, const T& x,
         OnDone on_done, OnError on_error,
         caf::duration timeout = caf::infinite) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return on_error(encoded.error());
  self->request(cells, timeout, set_atom::value, at.x, at.y, at.z,
                std::move(*encoded))
      .then(std::move(on_done), std::move(on_error));
}

template <class T, class Self, class OnResult, class OnError>
void get(Self* self, const array& cells, const coordinates& at,
         OnResult on_result, OnError on_error,
         caf::duration timeout = caf::infinite) {
  self->request(cells, timeout, get_atom::value, at.x, at.y, at.z)
      .then(detail::decoding<T>(on_result, on_error), on_error);
}

} // namespace sasync
