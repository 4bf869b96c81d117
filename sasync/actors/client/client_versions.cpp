// The non-template helpers of client_versions.hpp.
#include "sasync/actors/client/client_versions.hpp"

namespace sasync {

caf::expected<void> delete_if(caf::scoped_actor& self, const items& store,
                              const std::string& name, std::uint64_t expected,
                              client_timeout timeout, priority prio) {
  return detail::call<void>(self, store, timeout, detail::gone_means::shut_down,
                            delete_if_atom::value, name, expected, prio);
}

caf::expected<void> delete_if(caf::scoped_actor& self, const array& cells,
                              const coordinates& at, std::uint64_t expected,
                              client_timeout timeout, priority prio) {
  return detail::call<void>(self, cells, timeout, detail::gone_means::shut_down,
                            delete_if_atom::value, at.x, at.y, at.z, expected,
                            prio);
}

} // namespace sasync
