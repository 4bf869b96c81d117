#include "sasync/actors/net/detail/relay.hpp"

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/storage/metrics.hpp"
#include "sasync/storage/stored_value.hpp"

#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <string>

namespace sasync::detail {

namespace {

/// Whether `request` is `Atom, Ts...` or `Atom, Ts..., priority`.
template <class Atom, class... Ts> bool shaped(const caf::message& request) {
  return request.match_elements<Atom, Ts...>() ||
         request.match_elements<Atom, Ts..., priority>();
}

} // namespace

std::optional<relayed_op> relayed_op_of(const caf::message& request) {
  using name = std::string;
  if (shaped<set_atom, name, stored_value>(request))
    return relayed_op::set;
  if (shaped<get_atom, name>(request))
    return relayed_op::get;
  if (shaped<insert_atom, name, stored_value>(request))
    return relayed_op::insert;
  if (shaped<update_atom, name, stored_value>(request))
    return relayed_op::update;
  if (shaped<delete_atom, std::vector<name>>(request))
    return relayed_op::erase;
  return std::nullopt;
}

std::size_t relay_bytes(const caf::message& request) {
  // The op, the lengths, the flags and the priority.
  std::size_t bytes = 48;
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

relayed_request as_relayed_request(relayed_op op, caf::message&& request) {
  relayed_request out;
  out.op = static_cast<std::uint8_t>(op);
  // The atom, the name or names, the value if the op has one; then the
  // priority, if given.
  std::size_t fields = 2;
  if (op == relayed_op::erase) {
    out.names = std::move(request.get_mutable_as<std::vector<std::string>>(1));
  } else {
    out.name = std::move(request.get_mutable_as<std::string>(1));
    if (op != relayed_op::get)
      out.value = std::move(request.get_mutable_as<stored_value>(fields++));
  }
  if (request.size() > fields) {
    out.has_priority = true;
    out.prio = request.get_as<priority>(fields);
  }
  return out;
}

caf::message to_message(relayed_request&& request) {
  auto make = [&](auto... xs) {
    return request.has_priority
               ? caf::make_message(std::move(xs)..., request.prio)
               : caf::make_message(std::move(xs)...);
  };
  switch (static_cast<relayed_op>(request.op)) {
  case relayed_op::set:
    return make(set_atom::value, std::move(request.name),
                std::move(request.value));
  case relayed_op::get:
    return make(get_atom::value, std::move(request.name));
  case relayed_op::insert:
    return make(insert_atom::value, std::move(request.name),
                std::move(request.value));
  case relayed_op::update:
    return make(update_atom::value, std::move(request.name),
                std::move(request.value));
  case relayed_op::erase:
    return make(delete_atom::value, std::move(request.names));
  }
  return {};
}

relayed_answer as_relayed_answer(caf::message&& answer) {
  relayed_answer out;
  if (answer.empty())
    return out;
  if (answer.match_elements<caf::optional<stored_value>>()) {
    out.shape = relayed_answer::value;
    out.got = std::move(answer.get_mutable_as<caf::optional<stored_value>>(0));
  } else if (answer.match_elements<std::uint64_t>()) {
    out.shape = relayed_answer::count;
    out.deleted = answer.get_as<std::uint64_t>(0);
  } else {
    out.shape = relayed_answer::failure;
    out.error = answer.match_elements<caf::error>()
                    ? std::move(answer.get_mutable_as<caf::error>(0))
                    : caf::make_error(caf::sec::unexpected_response);
  }
  return out;
}

std::vector<relayed_answer>
as_relayed_answers(std::vector<caf::message>&& answers) {
  std::vector<relayed_answer> out;
  out.reserve(answers.size());
  for (auto& x : answers)
    out.push_back(as_relayed_answer(std::move(x)));
  return out;
}

caf::message to_message(relayed_answer&& answer) {
  switch (answer.shape) {
  case relayed_answer::nothing:
    return {};
  case relayed_answer::value:
    return caf::make_message(std::move(answer.got));
  case relayed_answer::count:
    return caf::make_message(answer.deleted);
  case relayed_answer::failure:
    if (answer.error)
      return caf::make_message(std::move(answer.error));
    break;
  }
  return caf::make_message(caf::make_error(caf::sec::unexpected_response));
}

void count_relay(std::size_t n) {
  if (!metrics::enabled())
    return;
  static auto& relays = metrics::counter_of(
      "sasync_relays_total",
      "Relays taken from clients: messages that carry several requests.");
  static auto& relayed = metrics::counter_of(
      "sasync_relayed_requests_total", "The requests the relays carried.");
  relays.add();
  relayed.add(n);
}

caf::error check_relay_size(std::size_t n) {
  if (n <= max_relayed)
    return {};
  return make_error(errc::invalid_argument, "a relay of " + std::to_string(n) +
                                                " requests is more than " +
                                                std::to_string(max_relayed));
}

caf::error check_relay_target(const caf::actor& target,
                              const caf::actor_addr& self) {
  if (!target || target.address() == self || target->node() != self.node())
    return make_error(errc::invalid_argument,
                      "a relay names no actor of this node");
  return {};
}

} // namespace sasync::detail
