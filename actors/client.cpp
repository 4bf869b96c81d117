// The non-template client helpers.
#include "actors/client.hpp"

namespace sasync {

caf::expected<items> items_of(caf::scoped_actor& self, const broker& db,
                              std::int64_t group, caf::duration timeout) {
  return detail::ask<items>(self, db, timeout, items_atom::value, group);
}

caf::expected<dict> dict_of(caf::scoped_actor& self, const broker& db,
                            std::int64_t group, caf::duration timeout) {
  return detail::ask<dict>(self, db, timeout, dict_atom::value, group);
}

caf::expected<array> array_of(caf::scoped_actor& self, const broker& db,
                              std::int64_t group, caf::duration timeout) {
  return detail::ask<array>(self, db, timeout, array_atom::value, group);
}

} // namespace sasync
