// The many-sets helpers: a window of sets in flight, the first error by
// position.
#include "sasync/actors/client.hpp"

#include "sasync/actors/detail/value_limits.hpp"

#include <deque>

namespace sasync {

namespace {

constexpr auto shut_down = detail::gone_means::shut_down;

} // namespace

std::size_t max_stored_value_bytes() {
  return detail::max_value_bytes;
}

namespace detail {

caf::error check_entry(const std::string& name, const stored_value& x) {
  return check_stored(&name, x);
}

} // namespace detail

namespace {

/// set_many on items or a dict: awaits the oldest set whenever `window` are
/// in flight, so the first error found is the one at the earliest position.
template <class Handle>
caf::expected<std::uint64_t>
set_many_on(caf::scoped_actor& self, const Handle& store,
            const next_entry& next, std::uint32_t window,
            const set_many_callbacks& callbacks, client_timeout timeout,
            priority prio) {
  if (window == 0)
    return make_error(errc::invalid_argument, "set_many needs window >= 1");
  auto remote =
      detail::is_remote(caf::actor_cast<caf::strong_actor_ptr>(store));
  auto limit = timeout.resolve(remote);
  using handle = decltype(self->request(store, limit, set_atom::value,
                                        std::string{}, stored_value{}, prio));
  std::deque<std::pair<handle, std::uint64_t>> in_flight;
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  caf::error failure;
  auto fail = [&](caf::error err, std::uint64_t at) {
    if (failure)
      return;
    failure = std::move(err);
    if (callbacks.on_failed)
      callbacks.on_failed(at);
  };
  auto await_oldest = [&] {
    auto [h, at] = std::move(in_flight.front());
    in_flight.pop_front();
    h.receive(
        [&] {
          ++answered;
          if (callbacks.on_progress)
            callbacks.on_progress(answered);
        },
        [&, at = at](caf::error& err) {
          fail(detail::explain<Handle>(std::move(err), remote, shut_down,
                                       limit, set_atom::value),
               at);
        });
    detail::forget_timeout(self, h);
  };
  while (!failure) {
    auto entry = next();
    if (!entry)
      break;
    auto at = sent++;
    if (auto err = detail::check_entry(entry->first, entry->second)) {
      // Refused here: one over a node's message limit would cost the
      // connection instead.
      fail(std::move(err), at);
      break;
    }
    if (in_flight.size() >= window)
      await_oldest();
    if (failure)
      break;
    in_flight.emplace_back(self->request(store, limit, set_atom::value,
                                         std::move(entry->first),
                                         std::move(entry->second), prio),
                           at);
  }
  while (!in_flight.empty())
    await_oldest();
  if (failure)
    return failure;
  return answered;
}

} // namespace

caf::expected<std::uint64_t>
set_many(caf::scoped_actor& self, const items& store, const next_entry& next,
         std::uint32_t window, const set_many_callbacks& callbacks,
         client_timeout timeout, priority prio) {
  return set_many_on(self, store, next, window, callbacks, timeout, prio);
}

caf::expected<std::uint64_t>
set_many(caf::scoped_actor& self, const dict& store, const next_entry& next,
         std::uint32_t window, const set_many_callbacks& callbacks,
         client_timeout timeout, priority prio) {
  return set_many_on(self, store, next, window, callbacks, timeout, prio);
}

} // namespace sasync
