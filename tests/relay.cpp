// A relay's records on the wire: each request and answer goes through CAF's
// binary format with only the fields of its op or shape, and comes back as
// the message its group actor or requester expects. The relay between real
// processes is in remote.node.
#define CAF_SUITE remote.relay

#include "sasync/actors/net/detail/relay.hpp"

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/value_codec.hpp"

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace sasync;
using detail::relayed_answer;
using detail::relayed_op;
using detail::relayed_request;

namespace {

struct fixture {
  system_config cfg;
  caf::actor_system sys{cfg};

  /// `x` written and read back in CAF's binary format, with the bytes.
  template <class T> std::pair<T, std::size_t> round_trip(T x) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    if (auto err = sink(x))
      CAF_FAIL("cannot write: " << sys.render(err));
    T y;
    caf::binary_deserializer source{sys, buf};
    if (auto err = source(y))
      CAF_FAIL("cannot read: " << sys.render(err));
    CAF_CHECK_EQUAL(source.remaining(), 0u);
    return {std::move(y), buf.size()};
  }

  /// `request` through the wire, as the node asks its group actor.
  caf::message at_node(caf::message request) {
    auto op = detail::relayed_op_of(request);
    CAF_REQUIRE(op);
    auto sent = round_trip(detail::as_relayed_request(*op, std::move(request)));
    return detail::to_message(std::move(sent.first));
  }

  /// `answer` through the wire, as its requester gets it.
  caf::message at_client(caf::message answer) {
    auto sent = round_trip(detail::as_relayed_answer(std::move(answer)));
    return detail::to_message(std::move(sent.first));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(relay_tests, fixture)

CAF_TEST(every_per_name_request_reaches_the_node_as_it_was_sent) {
  auto value = encode(std::int64_t{42});
  std::vector<caf::message> requests{
      caf::make_message(set_atom::value, std::string{"a"}, value),
      caf::make_message(set_atom::value, std::string{"a"}, value, do_next),
      caf::make_message(get_atom::value, std::string{"b"}),
      caf::make_message(get_atom::value, std::string{"b"}, niceness(-7)),
      caf::make_message(insert_atom::value, std::string{"c"}, value),
      caf::make_message(update_atom::value, std::string{""}, value, do_last),
      caf::make_message(delete_atom::value, std::vector<std::string>{"d", "e"}),
      caf::make_message(delete_atom::value, std::vector<std::string>{},
                        niceness(20))};
  for (auto& request : requests) {
    auto copy = request; // as_relayed_request moves out of its argument
    auto got = at_node(std::move(copy));
    CAF_CHECK_EQUAL(to_string(got), to_string(request));
  }
}

CAF_TEST(only_the_fields_of_a_request_go_on_the_wire) {
  relayed_request get;
  get.op = static_cast<std::uint8_t>(relayed_op::get);
  get.name = "a";
  auto bare = round_trip(get).second;
  CAF_CHECK_EQUAL(bare, 4u); // the op, the flag, the name's length and "a"
  // A value and names a get does not use stay behind.
  get.value = encode(std::string(1000, 'x'));
  get.names = {"b", "c"};
  auto [got, bytes] = round_trip(get);
  CAF_CHECK_EQUAL(bytes, bare);
  CAF_CHECK_EQUAL(got.name, "a");
  CAF_CHECK(got.value.bytes.empty() && got.names.empty());
  // A priority goes only when it is given.
  get.has_priority = true;
  get.prio = niceness(5);
  auto with = round_trip(get);
  CAF_CHECK_GREATER(with.second, bare);
  CAF_CHECK(with.first.prio == niceness(5));
}

CAF_TEST(a_request_of_an_unknown_op_becomes_no_message) {
  relayed_request x;
  x.op = 200;
  x.name = "a";
  auto [got, bytes] = round_trip(x);
  CAF_CHECK_EQUAL(got.op, 200);
  CAF_CHECK(got.name.empty()); // nothing but the op and the flag
  CAF_CHECK(detail::to_message(std::move(got)).empty());
}

CAF_TEST(every_answer_reaches_its_requester_as_the_group_actor_gave_it) {
  auto value = encode(std::int64_t{42});
  std::vector<caf::message> answers{
      caf::message{},
      caf::make_message(caf::optional<stored_value>{value}),
      caf::make_message(caf::optional<stored_value>{}),
      caf::make_message(std::uint64_t{3}),
      caf::make_message(make_error(errc::invalid_argument, "a name of ...")),
      caf::make_message(caf::make_error(caf::sec::unexpected_message))};
  for (auto& answer : answers) {
    auto got = at_client(answer);
    CAF_CHECK_EQUAL(to_string(got), to_string(answer));
  }
}

CAF_TEST(an_answer_of_another_shape_arrives_as_an_error) {
  auto unexpected = [](const caf::message& x) {
    return x.match_elements<caf::error>() &&
           x.get_as<caf::error>(0) == caf::sec::unexpected_response;
  };
  // The node has no shape for it (no per-name operation answers a bool).
  CAF_CHECK(unexpected(at_client(caf::make_message(true))));
  // A shape the client does not know, or a failure without an error.
  relayed_answer odd;
  odd.shape = 9;
  odd.deleted = 5;
  CAF_CHECK(unexpected(detail::to_message(round_trip(odd).first)));
  relayed_answer empty_failure;
  empty_failure.shape = relayed_answer::failure;
  CAF_CHECK(unexpected(detail::to_message(round_trip(empty_failure).first)));
}

CAF_TEST(cut_short_records_are_a_decoding_error) {
  relayed_request x;
  x.op = static_cast<std::uint8_t>(relayed_op::set);
  x.name = "a name";
  x.value = encode(std::string{"a value"});
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  CAF_REQUIRE(!sink(x));
  for (auto size = std::size_t{0}; size < buf.size(); ++size) {
    relayed_request y;
    caf::binary_deserializer source{sys, buf.data(), size};
    CAF_CHECK(source(y));
  }
}

// A peer's record may claim any length for its strings and lists: the
// decoder refuses one longer than the bytes that follow, allocating nothing
// for it.
CAF_TEST(a_length_past_the_end_is_a_decoding_error) {
  for (std::uint8_t op : {std::uint8_t{0}, std::uint8_t{4}}) { // set, delete
    // The op, no priority, then a length of 2^32 - 1 in CAF's varbyte form.
    std::vector<char> bytes{static_cast<char>(op), 0, '\xff', '\xff',
                            '\xff', '\xff', '\x0f', 'a', 'b'};
    relayed_request x;
    caf::binary_deserializer source{sys, bytes};
    CAF_CHECK(source(x));
  }
  std::vector<char> answer{static_cast<char>(relayed_answer::value), 1,
                           '\xff', '\xff', '\xff', '\xff', '\x0f'};
  relayed_answer y;
  caf::binary_deserializer source{sys, answer};
  CAF_CHECK(source(y));
}

CAF_TEST_FIXTURE_SCOPE_END()
