// The non-template helpers of client_items_ops.hpp.
#include "sasync/actors/client/client_items_ops.hpp"

namespace sasync {

namespace {

constexpr auto shut_down = detail::gone_means::shut_down;

} // namespace

caf::expected<std::uint64_t> clear(caf::scoped_actor& self, const items& store,
                                   client_timeout timeout, priority prio) {
  return detail::call<std::uint64_t>(self, store, timeout, shut_down,
                                     clear_atom::value, prio);
}

caf::expected<std::vector<std::string>>
names(caf::scoped_actor& self, const items& store, std::string from,
      std::string until, std::uint32_t n, client_timeout timeout,
      priority prio) {
  return detail::call<std::vector<std::string>>(
      self, store, timeout, shut_down, names_atom::value, std::move(from),
      std::move(until), n, prio);
}

caf::expected<std::map<std::string, stored_value>>
load_page(caf::scoped_actor& self, const items& store, std::string from,
          std::string until, std::uint32_t n, client_timeout timeout,
          priority prio) {
  return detail::call<std::map<std::string, stored_value>>(
      self, store, timeout, shut_down, load_atom::value, std::move(from),
      std::move(until), n, prio);
}

caf::expected<std::vector<std::string>>
names_with_prefix(caf::scoped_actor& self, const items& store,
                  const std::string& prefix, client_timeout timeout,
                  priority prio) {
  std::vector<std::string> all;
  auto until = prefix_end(prefix);
  for (std::string from = prefix;;) {
    auto page = names(self, store, from, until, max_item_page, timeout, prio);
    if (!page)
      return page.error();
    all.insert(all.end(), page->begin(), page->end());
    if (page->size() < max_item_page)
      return all;
    from = page->back() + '\0'; // the least name after the last
  }
}

} // namespace sasync
