#include "sasync/actors/net/detail/relay.hpp"

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/storage/stored_value.hpp"

#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <string>

namespace sasync::detail {

namespace {

/// Whether `request` is `Atom, Ts...` or `Atom, Ts..., priority`.
template <class Atom, class... Ts>
bool shaped(const caf::message& request) {
  return request.match_elements<Atom, Ts...>() ||
         request.match_elements<Atom, Ts..., priority>();
}

} // namespace

bool relayable(const caf::message& request) {
  using name = std::string;
  return shaped<set_atom, name, stored_value>(request) ||
         shaped<get_atom, name>(request) ||
         shaped<insert_atom, name, stored_value>(request) ||
         shaped<update_atom, name, stored_value>(request) ||
         shaped<delete_atom, std::vector<name>>(request);
}

std::size_t relay_bytes(const caf::message& request) {
  // The type names ("@<>+@atom+@str+sasync::stored_value+sasync::priority"),
  // the atom, the priority and the lengths.
  std::size_t bytes = 96;
  if (request.match_element<std::string>(1))
    bytes += request.get_as<std::string>(1).size();
  if (request.match_element<std::vector<std::string>>(1))
    for (auto& name : request.get_as<std::vector<std::string>>(1))
      bytes += name.size() + 8;
  if (request.size() > 2 && request.match_element<stored_value>(2)) {
    auto& x = request.get_as<stored_value>(2);
    bytes += x.type.size() + x.bytes.size() + 16;
  }
  return bytes;
}

caf::error check_relay_target(const caf::actor& target,
                              const caf::actor_addr& self) {
  if (!target || target.address() == self ||
      target->node() != self.node())
    return make_error(errc::invalid_argument,
                      "a relay names no actor of this node");
  return {};
}

} // namespace sasync::detail
