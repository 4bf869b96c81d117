// The wire guard's check of a message's bytes: the types it refuses and its
// bound on types that hold messages. The guard itself, on a node's sockets,
// is in remote.node.
#define CAF_SUITE actors.wire_guard

#include "actors/wire_guard.hpp"

#include <caf/test/unit_test.hpp>

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
  // "+@downstream_msg" also reads as "+@down": two of them each.
  std::string streams;
  for (int i = 0; i < 33; ++i)
    streams += "@<>+@downstream_msg";
  CAF_CHECK(refuse_payload(streams) != nullptr);
  CAF_CHECK(refuse_payload(streams.substr(0, 32 * 19)) == nullptr);
}
