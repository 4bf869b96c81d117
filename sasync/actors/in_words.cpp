// CAF's own errors in words a person understands.
#include "sasync/actors/in_words.hpp"

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include <algorithm>

namespace sasync {

namespace {

/// CAF's name for a code, with spaces for underscores.
template <class Code> std::string spelled_out(Code code) {
  auto out = caf::to_string(code);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string system_error_in_words(caf::sec code) {
  switch (code) {
  case caf::sec::request_timeout:
    return "no answer in time";
  case caf::sec::request_receiver_down:
    return "the node or actor that was to answer went away";
  case caf::sec::cannot_connect_to_node:
    return "no connection (is sasyncd listening there?)";
  case caf::sec::disconnect_during_handshake:
  case caf::sec::incompatible_application_ids:
  case caf::sec::incompatible_versions:
    return "the connection closed during the handshake (not a sasyncd "
           "node, TLS on one side only, or a certificate the other side's "
           "CA did not sign?)";
  case caf::sec::no_actor_published_at_port:
    return "nothing is published at that port";
  case caf::sec::no_route_to_receiving_node:
  case caf::sec::no_such_group_module:
    return "no route to the node";
  case caf::sec::socket_disconnected:
    return "the connection was closed";
  case caf::sec::cannot_open_port:
    return "the port is in use or not allowed";
  case caf::sec::remote_lookup_failed:
  case caf::sec::remote_linking_failed:
    return "the node did not answer the lookup";
  default:
    return spelled_out(code);
  }
}

std::string exit_reason_in_words(caf::exit_reason code) {
  switch (code) {
  case caf::exit_reason::remote_link_unreachable:
    return "the connection to it was lost";
  case caf::exit_reason::user_shutdown:
    return "it was shut down";
  default:
    return spelled_out(code);
  }
}

} // namespace

std::string in_words(const caf::actor_system& sys, const caf::error& err) {
  if (!err) // No category to ask for: CAF 0.17 would dereference nothing.
    return sys.render(err);
  if (err.category() == caf::atom("system"))
    return system_error_in_words(static_cast<caf::sec>(err.code()));
  if (err.category() ==
      caf::make_error(caf::exit_reason::user_shutdown).category())
    return exit_reason_in_words(static_cast<caf::exit_reason>(err.code()));
  return sys.render(err);
}

} // namespace sasync
