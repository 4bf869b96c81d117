// How the client helpers send a request and read its answer: the timeout a
// caller may give in any unit, the default one for a handle, the one answer
// for an actor that has gone (shutting_down, or unreachable through a node)
// instead of CAF's request_receiver_down, and errc::timeout naming the
// request and its bound instead of CAF's request_timeout.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/broker.hpp"
#include "sasync/actors/net/node.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/atom.hpp>
#include <caf/duration.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace sasync {

/// How long a request through a remote node (connect_node's handles) waits
/// for its answer when the caller gives no timeout.
constexpr std::chrono::seconds remote_request_timeout{30};

/// How long connect_node waits for the node's handshake by default.
constexpr std::chrono::seconds remote_connect_timeout{30};

/// A helper's timeout: a std::chrono duration, a caf::duration or
/// caf::infinite. Left out (`{}`), it is no limit for a broker of this
/// process and remote_request_timeout for a handle from a remote node.
class client_timeout {
public:
  client_timeout() = default;
  client_timeout(caf::duration x) : given_(x) {}
  client_timeout(caf::infinite_t) : given_(caf::duration{caf::infinite}) {}
  template <class Rep, class Period>
  client_timeout(std::chrono::duration<Rep, Period> x)
      : given_(caf::duration{
            std::chrono::duration_cast<std::chrono::milliseconds>(x)}) {}

  /// The timeout for a request to a local (`remote` false) or remote actor.
  caf::duration resolve(bool remote) const {
    if (given_)
      return *given_;
    return remote ? caf::duration{remote_request_timeout}
                  : caf::duration{caf::infinite};
  }

  /// The timeout for connect_node.
  caf::duration for_connect() const {
    return given_ ? *given_ : caf::duration{remote_connect_timeout};
  }

private:
  std::optional<caf::duration> given_;
};

/// Whether `err` is a helper's errc::timeout: no answer came within the
/// request's bound, so the request may still take effect (unlike a broker's
/// own timeout after pool_timeout or run_timeout, which says what happened).
bool is_unanswered(const caf::error& err);

namespace detail {

/// Whether `x` is a stand-in of a remote node (remote.hpp) or a proxy of a
/// remote actor.
bool is_remote(const caf::strong_actor_ptr& x);

/// Whether `x` is a stand-in of a remote node, which bounds a request sent
/// as `bounded_atom, bound, request` itself (remote.cpp).
bool is_stand_in(const caf::strong_actor_ptr& x);

/// What kind of actor a request went to, for the answer once it has gone.
enum class gone_means {
  /// A broker, node, group actor or bulk insert: shutting_down (it shut
  /// down or was closed), or unreachable through a node.
  shut_down,
  /// A cursor: invalid_argument, it has ended.
  cursor_ended,
};

/// The error for a request that met request_receiver_down; every other
/// error passes unchanged.
caf::error explain_gone(caf::error err, bool remote, gone_means gone);

/// errc::timeout for a request that met request_timeout, naming it and its
/// bound ("no answer to items set within 30 s"); every other error passes
/// unchanged.
caf::error explain_timeout(caf::error err, const char* receiver,
                           caf::atom_value op, caf::duration bound);

/// How errors name a receiver of type Handle; empty for a node or broker,
/// whose messages are named on their own ("sql", "status").
template <class Handle> constexpr const char* receiver_name() {
  if constexpr (std::is_same_v<Handle, items>)
    return "items";
  else if constexpr (std::is_same_v<Handle, dict>)
    return "dict";
  else if constexpr (std::is_same_v<Handle, array>)
    return "array";
  else if constexpr (std::is_same_v<Handle, cursor>)
    return "cursor";
  else if constexpr (std::is_same_v<Handle, bulk_insert>)
    return "bulk insert";
  else
    return "";
}

/// A request's operation: its first element, an atom.
template <class Op, class... Ts>
caf::atom_value operation_of(const Op& op, const Ts&...) {
  return op;
}

/// Every error of a helper's request as the helpers answer it.
template <class Handle>
caf::error explain(caf::error err, bool remote, gone_means gone,
                   caf::duration bound, caf::atom_value op) {
  err = explain_gone(std::move(err), remote, gone);
  return explain_timeout(std::move(err), receiver_name<Handle>(), op, bound);
}

/// Cancels the timeout of a request whose answer has come. A blocking actor
/// keeps an expired timeout it no longer waits for in its mailbox, and every
/// later receive scans past it: a long run of requests would slow down and
/// grow by one message per request once it has run longer than the timeout.
template <class Handle>
void forget_timeout(caf::scoped_actor& self, const Handle& answered) {
  self->clock().cancel_request_timeout(self.ptr(), answered.id());
}

/// The answer to the request of `h` as caf::expected. Apart from ask() so
/// that its lambdas' debug names spell the answer type, not the handle's
/// whole interface (kilobytes, repeated in every name).
template <class R, class ResponseHandle>
caf::expected<R> receive_answer(caf::scoped_actor& self, ResponseHandle& h) {
  caf::error failure;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result{};
  auto on_error = [&](caf::error& err) { failure = std::move(err); };
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

/// A request from a scoped actor, its answer as caf::expected.
template <class R, class Handle, class... Ts>
caf::expected<R> ask(caf::scoped_actor& self, const Handle& dest,
                     caf::duration timeout, Ts&&... xs) {
  auto h = self->request(dest, timeout, std::forward<Ts>(xs)...);
  return receive_answer<R>(self, h);
}

/// Sends a request with a finite `bound` to `dest`, which is a stand-in
/// (is_stand_in): the stand-in keeps the bound, so CAF's clock keeps none.
/// `self` is an event-based or a scoped actor's pointer.
template <class Self, class Handle, class... Ts>
auto request_bounded_by_stand_in(Self* self, const Handle& dest,
                                 caf::duration bound, Ts&&... xs) {
  return self->request(caf::actor_cast<caf::actor>(dest), caf::infinite,
                       bounded_atom::value, bound,
                       caf::make_message(std::forward<Ts>(xs)...));
}

/// ask() with the helpers' timeout default and answer for a gone actor.
template <class R, class Handle, class... Ts>
caf::expected<R> call(caf::scoped_actor& self, const Handle& dest,
                      const client_timeout& timeout, gone_means gone,
                      Ts&&... xs) {
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(dest);
  auto remote = is_remote(ptr);
  auto bound = timeout.resolve(remote);
  auto op = operation_of(xs...);
  caf::expected<R> got{caf::sec::none};
  if (remote && bound.valid() && is_stand_in(ptr)) {
    auto h = request_bounded_by_stand_in(self.ptr(), dest, bound,
                                         std::forward<Ts>(xs)...);
    got = receive_answer<R>(self, h);
  } else {
    got = ask<R>(self, dest, bound, std::forward<Ts>(xs)...);
  }
  if (!got)
    return explain<Handle>(std::move(got.error()), remote, gone, bound, op);
  return got;
}

/// The same from an event-based actor: `on_result` gets the answer,
/// `on_error(caf::error&)` the error.
template <class Self, class Handle, class OnResult, class OnError, class... Ts>
void call_then(Self* self, const Handle& dest, const client_timeout& timeout,
               gone_means gone, OnResult on_result, OnError on_error,
               Ts&&... xs) {
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(dest);
  auto remote = is_remote(ptr);
  auto bound = timeout.resolve(remote);
  auto op = operation_of(xs...);
  auto failed = [on_error, remote, gone, bound, op](caf::error& err) mutable {
    auto explained = explain<Handle>(std::move(err), remote, gone, bound, op);
    on_error(explained);
  };
  if (remote && bound.valid() && is_stand_in(ptr))
    request_bounded_by_stand_in(self, dest, bound, std::forward<Ts>(xs)...)
        .then(std::move(on_result), std::move(failed));
  else
    self->request(dest, bound, std::forward<Ts>(xs)...)
        .then(std::move(on_result), std::move(failed));
}

} // namespace detail

} // namespace sasync
