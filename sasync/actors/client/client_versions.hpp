// Client helpers for versions and compare-and-set on items and array cells:
// a read that answers the version with the value, and writes that commit
// only if the version is still the one read. Blocking and event-based like
// their neighbours in client.hpp (which includes this).
//
// A read-modify-write that loses no concurrent update:
//   for (;;) {
//     auto x = get_versioned<std::int64_t>(self, store, "n");  // version 0:
//     none auto v = x && *x ? (*x)->version : 0; auto n = x && *x ? (*x)->value
//     : 0; auto done = set_if(self, store, "n", n + 1, v); if (done ||
//     !is(done.error(), errc::conflict)) break;  // else read again
//   }
#pragma once

#include "sasync/actors/defaults.hpp"

#include "sasync/actors/client.hpp"
#include "sasync/storage/versioned_value.hpp"

#include <cstdint>
#include <optional>

namespace sasync {

/// A value as a T with the version of its row.
template <class T> struct versioned {
  std::uint64_t version = 0;
  T value;
};

namespace detail {

/// Decodes a versioned lookup: none stays none; a failure becomes an error.
template <class T>
caf::expected<std::optional<versioned<T>>>
try_decode_versioned(caf::optional<versioned_value>& x) {
  if (!x)
    return std::optional<versioned<T>>{};
  auto decoded = try_decode<T>(caf::optional<stored_value>{x->value});
  if (!decoded)
    return decoded.error();
  return std::optional<versioned<T>>{
      versioned<T>{x->version, std::move(**decoded)}};
}

template <class T, class OnResult, class OnError>
auto decoding_versioned(OnResult on_result, OnError on_error) {
  return [on_result, on_error](caf::optional<versioned_value>& found) mutable {
    auto decoded = try_decode_versioned<T>(found);
    if (decoded)
      on_result(std::move(*decoded));
    else
      on_error(decoded.error());
  };
}

} // namespace detail

// -- scoped actors ------------------------------------------------------------

/// The T under `name` and its version; none when missing.
template <class T>
caf::expected<std::optional<versioned<T>>>
get_versioned(caf::scoped_actor& self, const items& store,
              const std::string& name, client_timeout timeout = {},
              priority prio = defaults::read_priority) {
  auto found = detail::call<caf::optional<versioned_value>>(
      self, store, timeout, detail::gone_means::shut_down, get_atom::value,
      name, version_atom::value, prio);
  if (!found)
    return found.error();
  return detail::try_decode_versioned<T>(*found);
}

/// Stores `x` under `name` only if the name is at version `expected` (0:
/// only if it does not exist); the new version. errc::conflict otherwise,
/// nothing changed, and conflict_version(error) is the current version.
template <class T>
caf::expected<std::uint64_t>
set_if(caf::scoped_actor& self, const items& store, const std::string& name,
       const T& x, std::uint64_t expected, client_timeout timeout = {},
       priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return encoded.error();
  return detail::call<std::uint64_t>(
      self, store, timeout, detail::gone_means::shut_down, set_if_atom::value,
      name, std::move(*encoded), expected, prio);
}

/// Deletes `name` only if it is at version `expected` (0: succeeds while
/// it does not exist); errc::conflict otherwise, as set_if.
caf::expected<void> delete_if(caf::scoped_actor& self, const items& store,
                              const std::string& name, std::uint64_t expected,
                              client_timeout timeout = {},
                              priority prio = defaults::write_priority);

/// The same for the array cell at `at`.
template <class T>
caf::expected<std::optional<versioned<T>>>
get_versioned(caf::scoped_actor& self, const array& cells,
              const coordinates& at, client_timeout timeout = {},
              priority prio = defaults::read_priority) {
  auto found = detail::call<caf::optional<versioned_value>>(
      self, cells, timeout, detail::gone_means::shut_down, get_atom::value,
      at.x, at.y, at.z, version_atom::value, prio);
  if (!found)
    return found.error();
  return detail::try_decode_versioned<T>(*found);
}

template <class T>
caf::expected<std::uint64_t>
set_if(caf::scoped_actor& self, const array& cells, const coordinates& at,
       const T& x, std::uint64_t expected, client_timeout timeout = {},
       priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return encoded.error();
  return detail::call<std::uint64_t>(
      self, cells, timeout, detail::gone_means::shut_down, set_if_atom::value,
      at.x, at.y, at.z, std::move(*encoded), expected, prio);
}

caf::expected<void> delete_if(caf::scoped_actor& self, const array& cells,
                              const coordinates& at, std::uint64_t expected,
                              client_timeout timeout = {},
                              priority prio = defaults::write_priority);

// -- event-based actors -------------------------------------------------------

/// `on_result(std::optional<versioned<T>>)`: none when `name` is missing.
template <class T, class Self, class OnResult, class OnError>
void get_versioned(Self* self, const items& store, const std::string& name,
                   OnResult on_result, OnError on_error,
                   client_timeout timeout = {},
                   priority prio = defaults::read_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    detail::decoding_versioned<T>(on_result, on_error),
                    on_error, get_atom::value, name, version_atom::value, prio);
}

/// `on_result(std::uint64_t)`: the new version; `on_error` gets conflict.
template <class T, class Self, class OnResult, class OnError>
void set_if(Self* self, const items& store, const std::string& name, const T& x,
            std::uint64_t expected, OnResult on_result, OnError on_error,
            client_timeout timeout = {},
            priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    set_if_atom::value, name, std::move(*encoded), expected,
                    prio);
}

/// `on_done()`; `on_error` gets conflict.
template <class Self, class OnDone, class OnError>
void delete_if(Self* self, const items& store, const std::string& name,
               std::uint64_t expected, OnDone on_done, OnError on_error,
               client_timeout timeout = {},
               priority prio = defaults::write_priority) {
  detail::call_then(self, store, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error),
                    delete_if_atom::value, name, expected, prio);
}

template <class T, class Self, class OnResult, class OnError>
void get_versioned(Self* self, const array& cells, const coordinates& at,
                   OnResult on_result, OnError on_error,
                   client_timeout timeout = {},
                   priority prio = defaults::read_priority) {
  detail::call_then(self, cells, timeout, detail::gone_means::shut_down,
                    detail::decoding_versioned<T>(on_result, on_error),
                    on_error, get_atom::value, at.x, at.y, at.z,
                    version_atom::value, prio);
}

template <class T, class Self, class OnResult, class OnError>
void set_if(Self* self, const array& cells, const coordinates& at, const T& x,
            std::uint64_t expected, OnResult on_result, OnError on_error,
            client_timeout timeout = {},
            priority prio = defaults::write_priority) {
  auto encoded = detail::try_encode(x);
  if (!encoded)
    return on_error(encoded.error());
  detail::call_then(self, cells, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    set_if_atom::value, at.x, at.y, at.z, std::move(*encoded),
                    expected, prio);
}

template <class Self, class OnDone, class OnError>
void delete_if(Self* self, const array& cells, const coordinates& at,
               std::uint64_t expected, OnDone on_done, OnError on_error,
               client_timeout timeout = {},
               priority prio = defaults::write_priority) {
  detail::call_then(self, cells, timeout, detail::gone_means::shut_down,
                    std::move(on_done), std::move(on_error),
                    delete_if_atom::value, at.x, at.y, at.z, expected, prio);
}

} // namespace sasync
