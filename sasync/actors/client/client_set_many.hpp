// Client helpers for many sets in a row on items or a dict: pipelined, at
// most `window` in flight, so the node commits them in groups while memory
// on either side holds no more than the window.
#pragma once

#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/defaults.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/objects/dict.hpp"
#include "sasync/actors/objects/items.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/value_codec.hpp"

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace sasync {

/// The largest value (in bytes) the group actors store; set_many refuses a
/// larger one with invalid_argument before sending it.
std::size_t max_stored_value_bytes();

namespace detail {

/// invalid_argument if the group actors would refuse the entry (a value
/// over max_stored_value_bytes(), a name that is not portable text).
caf::error check_entry(const std::string& name, const stored_value& x);

} // namespace detail

/// One entry of set_many: a name and its value.
template <class T> using named_value = std::pair<std::string, T>;

/// Yields set_many's entries in order; none ends them.
using next_entry = std::function<std::optional<named_value<stored_value>>()>;

/// What set_many reports as it goes.
struct set_many_callbacks {
  /// Sets answered so far (on items: committed).
  std::function<void(std::uint64_t)> on_progress;
  /// The position of the set whose error set_many answers, among the
  /// entries as `next()` yielded them (0 = the first).
  std::function<void(std::uint64_t)> on_failed;
};

// -- scoped actors ------------------------------------------------------------

/// Stores every entry `next()` yields, in order, keeping at most `window`
/// sets in flight. Answers how many sets were answered ok, or the first
/// error in input order: after an error (`overloaded` among them: the node
/// is full, try later) it sends no more and waits for every set in flight.
/// A value over max_stored_value_bytes() fails at its position unsent.
/// Each set goes at `prio`.
caf::expected<std::uint64_t>
set_many(caf::scoped_actor& self, const items& store, const next_entry& next,
         std::uint32_t window = 512, const set_many_callbacks& callbacks = {},
         client_timeout timeout = {},
         priority prio = defaults::write_priority);
caf::expected<std::uint64_t>
set_many(caf::scoped_actor& self, const dict& store, const next_entry& next,
         std::uint32_t window = 512, const set_many_callbacks& callbacks = {},
         client_timeout timeout = {},
         priority prio = defaults::write_priority);

/// The same for entries of any T (`set_many<T>(...)`), `next()` yielding
/// `std::optional<named_value<T>>`; a value that does not encode fails at
/// its position.
template <class T, class Handle, class Next,
          class = std::enable_if_t<std::is_same_v<Handle, items> ||
                                   std::is_same_v<Handle, dict>>>
caf::expected<std::uint64_t>
set_many(caf::scoped_actor& self, const Handle& store, Next next,
         std::uint32_t window = 512, const set_many_callbacks& callbacks = {},
         client_timeout timeout = {},
         priority prio = defaults::write_priority) {
  caf::error not_encoded;
  std::uint64_t position = 0;
  next_entry encoded = [&]() -> std::optional<named_value<stored_value>> {
    if (not_encoded)
      return std::nullopt;
    std::optional<named_value<T>> entry = next();
    if (!entry)
      return std::nullopt;
    try {
      ++position;
      if constexpr (std::is_same_v<T, stored_value>)
        return std::move(*entry);
      else
        return named_value<stored_value>{std::move(entry->first),
                                         encode(entry->second)};
    } catch (const storage_failure& f) {
      not_encoded = to_error(f);
      return std::nullopt;
    }
  };
  auto done = set_many(self, store, encoded, window, callbacks, timeout, prio);
  if (!done || !not_encoded)
    return done;
  if (callbacks.on_failed)
    callbacks.on_failed(position - 1);
  return not_encoded;
}

// -- event-based actors -------------------------------------------------------

namespace detail {

/// Sends set_many's sets for an event-based actor; kept alive by its
/// pending sets alone.
template <class Self, class Handle, class OnDone, class OnError>
struct set_pump
    : std::enable_shared_from_this<set_pump<Self, Handle, OnDone, OnError>> {
  Self* self;
  Handle store;
  next_entry next;
  std::uint32_t window;
  set_many_callbacks callbacks;
  OnDone on_done;
  OnError on_error;
  client_timeout timeout;
  priority prio = defaults::write_priority;
  std::uint32_t in_flight = 0;
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  bool more = true;
  caf::error failure;
  std::uint64_t failed_at = 0;

  set_pump(Self* self, Handle store, next_entry next, std::uint32_t window,
           set_many_callbacks callbacks, OnDone on_done, OnError on_error,
           client_timeout timeout)
      : self(self), store(std::move(store)), next(std::move(next)),
        window(window), callbacks(std::move(callbacks)),
        on_done(std::move(on_done)), on_error(std::move(on_error)),
        timeout(timeout) {}

  /// The error at the earliest position wins: answers of different names
  /// may come in any order.
  void fail(caf::error err, std::uint64_t at) {
    if (!failure || at < failed_at) {
      failure = std::move(err);
      failed_at = at;
    }
  }

  /// Sends sets until `window` are in flight; answers once none is left.
  void fill() {
    while (!failure && more && in_flight < window) {
      auto entry = next();
      if (!entry) {
        more = false;
        break;
      }
      auto at = sent++;
      if (auto err = check_entry(entry->first, entry->second)) {
        fail(std::move(err), at);
        break;
      }
      send(std::move(*entry), at);
    }
    if (in_flight != 0)
      return;
    if (!failure)
      return on_done(answered);
    if (callbacks.on_failed)
      callbacks.on_failed(failed_at);
    on_error(failure);
  }

  void send(named_value<stored_value> entry, std::uint64_t at) {
    auto me = this->shared_from_this();
    ++in_flight;
    call_then(
        self, store, timeout, gone_means::shut_down,
        [me] {
          --me->in_flight;
          ++me->answered;
          if (me->callbacks.on_progress)
            me->callbacks.on_progress(me->answered);
          me->fill();
        },
        [me, at](caf::error& err) {
          --me->in_flight;
          me->fail(err, at);
          me->fill();
        },
        set_atom::value, std::move(entry.first), std::move(entry.second),
        prio);
  }
};

} // namespace detail

/// set_many from an event-based actor: `on_done(std::uint64_t)` with how
/// many sets were answered ok, or `on_error(caf::error&)` with the error at
/// the earliest position once no set is in flight (callbacks.on_failed
/// names that position first). Each set goes at `prio`.
template <class Self, class Handle, class OnDone, class OnError,
          class = std::enable_if_t<std::is_same_v<Handle, items> ||
                                   std::is_same_v<Handle, dict>>>
void set_many(Self* self, const Handle& store, next_entry next,
              std::uint32_t window, set_many_callbacks callbacks,
              OnDone on_done, OnError on_error, client_timeout timeout = {},
              priority prio = defaults::write_priority) {
  if (window == 0) {
    auto err = make_error(errc::invalid_argument, "set_many needs window >= 1");
    on_error(err);
    return;
  }
  using pump = detail::set_pump<Self, Handle, OnDone, OnError>;
  auto p = std::make_shared<pump>(self, store, std::move(next), window,
                                  std::move(callbacks), std::move(on_done),
                                  std::move(on_error), timeout);
  p->prio = prio;
  p->fill();
}

} // namespace sasync
