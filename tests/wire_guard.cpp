// The wire guard's checks of a message's bytes (the types it refuses and its
// bound on types that hold messages), of BASP headers, of the bytes claimed
// before handshakes and of its limits. The guard itself, on a node's sockets,
// is in remote.node.
#define CAF_SUITE actors.wire_guard

#include "sasync/actors/net/wire_guard.hpp"
#include "sasync/actors/net/wire_header.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <string>

using sasync::refuse_payload;

namespace {

/// The type list of a message nested `depth` deep, as CAF writes it.
std::string nested(int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i)
    out += "@<>+@message+@i32";
  return out;
}

} // namespace

CAF_TEST(ordinary_messages_pass) {
  CAF_CHECK(refuse_payload("") == nullptr);
  CAF_CHECK(refuse_payload("@<>+@atom+@str+sasync::stored_value") == nullptr);
  CAF_CHECK(refuse_payload("@<>+@error") == nullptr); // an error answer
  CAF_CHECK(refuse_payload("a+b, 1+1 and @charbuf without a plus") == nullptr);
}

CAF_TEST(byte_vectors_and_config_values_are_refused) {
  CAF_CHECK(refuse_payload("@<>+@atom+@charbuf") != nullptr);
  CAF_CHECK(refuse_payload("@<>+@config_value") != nullptr);
}

CAF_TEST(more_than_64_types_that_hold_messages_are_refused) {
  CAF_CHECK(refuse_payload(nested(64)) == nullptr);
  CAF_CHECK(refuse_payload(nested(65)) != nullptr);
  std::string errors;
  for (int i = 0; i < 65; ++i)
    errors += "@<>+@error";
  CAF_CHECK(refuse_payload(errors) != nullptr);
  CAF_CHECK(refuse_payload(errors.substr(0, 64 * 10)) == nullptr);
}

// An exit message with reason `kill` stops any actor it reaches, the node's
// published entry too; CAF sends none between nodes.
CAF_TEST(system_messages_are_refused) {
  for (auto name : {"@exit", "@down", "@group_down", "@timeout",
                    "@upstream_msg", "@open_stream_msg", "@downstream_msg"})
    CAF_CHECK(refuse_payload(std::string{"@<>+"} + name) != nullptr);
  CAF_CHECK(refuse_payload("@<>+@atom+@str") == nullptr);
}

namespace {

/// A BASP header of CAF 0.17: 32 bytes in network order.
std::string header(std::uint8_t operation, std::uint32_t payload_len,
                   std::uint64_t operation_data = 0) {
  std::string out(32, '\0');
  out[0] = static_cast<char>(operation);
  for (int i = 0; i < 4; ++i)
    out[4 + i] = static_cast<char>(payload_len >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i)
    out[8 + i] = static_cast<char>(operation_data >> (56 - 8 * i));
  return out;
}

const sasync::wire_limits limits;

bool refused(const std::string& hdr, bool handshake_done) {
  return sasync::refuse_header(hdr, handshake_done, limits) != nullptr;
}

} // namespace

CAF_TEST(handshakes_without_a_payload_are_refused_before_and_after) {
  for (bool done : {false, true}) {
    CAF_CHECK(refused(header(0, 0, 1), done));
    CAF_CHECK(refused(header(1, 0), done));
    CAF_CHECK(!refused(header(0, 300, 1), done));
    CAF_CHECK(!refused(header(1, 40), done));
  }
}

CAF_TEST(only_a_handshake_comes_before_the_handshake) {
  for (std::uint8_t op = 2; op <= 6; ++op) {
    auto len = op == 6 ? 0u : 100u; // a heartbeat has no payload
    CAF_CHECK(refused(header(op, len), false));
    CAF_CHECK(!refused(header(op, len), true));
  }
  CAF_CHECK(refused(header(7, 0), true));
  CAF_CHECK(refused(header(255, 10), true));
  CAF_CHECK(refused(std::string(31, '\0'), true)); // not a header
}

CAF_TEST(messages_with_a_stream_message_id_are_refused) {
  // The top byte of a message's id holds its category (CAF 0.17's
  // message_id): urgent 0, normal 1, upstream 2, downstream 3. A stream
  // category on a message that is no stream message crashes the actor's
  // mailbox (it reads the content as one).
  auto with_category = [](std::uint64_t category, std::uint64_t id) {
    return category << 60 | id;
  };
  for (std::uint8_t op : {2, 3}) { // direct and routed messages
    CAF_CHECK(!refused(header(op, 100, with_category(0, 7)), true));
    CAF_CHECK(!refused(header(op, 100, with_category(1, 7)), true));
    CAF_CHECK(refused(header(op, 100, with_category(2, 7)), true));
    CAF_CHECK(refused(header(op, 100, with_category(3, 7)), true));
    // A response (bit 63) in a stream category too.
    CAF_CHECK(refused(header(op, 100, 1ull << 63 | with_category(3, 7)),
                      true));
  }
}

CAF_TEST(claims_are_bounded_by_the_handshake_and_message_limits) {
  CAF_CHECK(!refused(header(1, limits.handshake_bytes), false));
  CAF_CHECK(refused(header(1, limits.handshake_bytes + 1), false));
  CAF_CHECK(!refused(header(2, limits.handshake_bytes + 1), true));
  auto most = static_cast<std::uint32_t>(limits.message_bytes);
  CAF_CHECK(!refused(header(2, most), true));
  CAF_CHECK(refused(header(2, most + 1), true));
  CAF_CHECK(refused(header(2, 0xFFFFFFFFu), true));
}

CAF_TEST(the_claim_budget_takes_up_to_its_limit_and_gets_back_what_it_gave) {
  sasync::claim_budget budget{100};
  CAF_CHECK(budget.try_take(60));
  CAF_CHECK(budget.try_take(40));
  CAF_CHECK(!budget.try_take(1));
  budget.give_back(40);
  CAF_CHECK(!budget.try_take(41));
  CAF_CHECK(budget.try_take(40));
  CAF_CHECK(!budget.try_take(static_cast<std::size_t>(-1)));
  CAF_CHECK_EQUAL(budget.taken(), 100u);
}

CAF_TEST(limits_are_checked_with_one_line_naming_the_key) {
  CAF_CHECK(sasync::check_limits(limits).empty());
  auto with = [](auto change) {
    auto x = limits;
    change(x);
    return sasync::check_limits(x);
  };
  CAF_CHECK_NOT_EQUAL(with([](auto& x) {
                        x.handshake_timeout = 0;
                      }).find("node.handshake-timeout"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(with([](auto& x) {
                        x.handshake_bytes = 10;
                      }).find("node.max-handshake-bytes"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(with([](auto& x) {
                        x.handshake_total_bytes = 1024;
                      }).find("node.max-handshake-total-bytes"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(
      with([](auto& x) { x.connections = 0; }).find("node.max-connections"),
      std::string::npos);
}
