// The value codec: names, round trips, text as text, and bad bytes.
#define CAF_SUITE storage.value_codec

#include "sasync/storage/value_codec.hpp"

#include "user_types.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

using namespace sasync;

namespace {

using namespace sasync::test;

/// Runs `fn` and returns what it threw: its kind and message.
template <class F> std::pair<failure_kind, std::string> failure_of(F fn) {
  try {
    fn();
  } catch (const storage_failure& f) {
    return {f.kind(), f.what()};
  }
  return {failure_kind::invalid_argument, "nothing thrown"};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(builtin_and_container_types_have_fixed_names) {
  CAF_CHECK_EQUAL(type_name_of<std::int64_t>(), "int64");
  CAF_CHECK_EQUAL(type_name_of<std::uint8_t>(), "uint8");
  CAF_CHECK_EQUAL(type_name_of<bool>(), "bool");
  CAF_CHECK_EQUAL(type_name_of<double>(), "double");
  CAF_CHECK_EQUAL(type_name_of<std::string>(), "string");
  CAF_CHECK_EQUAL((type_name_of<std::map<std::string, std::vector<double>>>()),
                  "map<string, vector<double>>");
  CAF_CHECK_EQUAL((type_name_of<std::tuple<int, std::string>>()),
                  "tuple<int32, string>");
  CAF_CHECK_EQUAL((type_name_of<std::pair<bool, float>>()),
                  "pair<bool, float>");
  CAF_CHECK_EQUAL(type_name_of<caf::optional<std::int16_t>>(),
                  "optional<int16>");
}

CAF_TEST(user_types_are_named_by_their_inspect_annotation) {
  CAF_CHECK_EQUAL(type_name_of<person>(), "test.person");
  CAF_CHECK_EQUAL(type_name_of<std::vector<person>>(), "vector<test.person>");
  CAF_CHECK(contains(type_name_of<unnamed>(), "unnamed"));
}

CAF_TEST(user_types_round_trip) {
  auto stored = encode(ada());
  CAF_CHECK_EQUAL(stored.type, "test.person");
  CAF_CHECK(decode<person>(stored) == ada());
  std::map<std::string, std::vector<person>> teams{
      {"analytical", {ada(), person{"Charles", {}, {}, {}}}}, {"empty", {}}};
  CAF_CHECK(decode<decltype(teams)>(encode(teams)) == teams);
  CAF_CHECK_EQUAL(decode<unnamed>(encode(unnamed{-7})).a, -7);
  CAF_CHECK_EQUAL(decode<std::int64_t>(encode(std::int64_t{1} << 62)),
                  std::int64_t{1} << 62);
  CAF_CHECK_EQUAL(
      decode<std::vector<bool>>(encode(std::vector<bool>(100, true))).size(),
      100u);
}

CAF_TEST(text_is_stored_as_its_own_bytes) {
  auto stored = encode("héllo\twörld");
  CAF_CHECK_EQUAL(stored.type, "string");
  CAF_CHECK_EQUAL(std::string(stored.bytes.begin(), stored.bytes.end()),
                  "héllo\twörld");
  CAF_CHECK_EQUAL(decode<std::string>(stored), "héllo\twörld");
  CAF_CHECK_EQUAL(decode<std::string>(encode(std::string{})), "");
}

CAF_TEST(reading_as_another_type_names_both_types) {
  auto [kind, what] = failure_of([] { decode<std::int64_t>(encode(ada())); });
  CAF_CHECK(kind == failure_kind::type_mismatch);
  CAF_CHECK(contains(what, "test.person"));
  CAF_CHECK(contains(what, "int64"));
  auto [kind2, what2] = failure_of([] { decode<person>(encode("text")); });
  CAF_CHECK(kind2 == failure_kind::type_mismatch);
  CAF_CHECK(contains(what2, "string"));
}

CAF_TEST(truncated_or_padded_bytes_are_corrupt) {
  auto stored = encode(ada());
  auto truncated = stored;
  truncated.bytes.resize(stored.bytes.size() / 2);
  auto [kind, what] = failure_of([&] { decode<person>(truncated); });
  CAF_CHECK(kind == failure_kind::corrupt_value);
  CAF_CHECK(contains(what, "test.person"));
  auto padded = stored;
  padded.bytes.push_back(0);
  auto [kind2, what2] = failure_of([&] { decode<person>(padded); });
  CAF_CHECK(kind2 == failure_kind::corrupt_value);
  CAF_CHECK(contains(what2, "1 bytes left over"));
  stored_value empty{"test.person", {}};
  CAF_CHECK(failure_of([&] { decode<person>(empty); }).first ==
            failure_kind::corrupt_value);
}

CAF_TEST(a_huge_length_is_corrupt_not_an_allocation) {
  // A length of 2^40 in CAF's variable-length encoding.
  blob huge{0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 1, 2, 3};
  auto [kind, what] = failure_of([&] {
    decode<std::vector<std::uint8_t>>({"vector<uint8>", huge});
  });
  CAF_CHECK(kind == failure_kind::corrupt_value);
  // One string whose length claims 2^40 bytes.
  blob inner{0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 'a'};
  auto [kind2, what2] = failure_of([&] {
    decode<std::vector<std::string>>({"vector<string>", inner});
  });
  CAF_CHECK(kind2 == failure_kind::corrupt_value);
  blob many{0x80, 0x80, 0x80, 0x80, 0x80, 0x20};
  auto [kind3, what3] = failure_of([&] {
    decode<std::vector<person>>({"vector<test.person>", many});
  });
  CAF_CHECK(kind3 == failure_kind::corrupt_value);
}

CAF_TEST(a_peers_blob_longer_than_its_message_is_refused_before_allocating) {
  // What a node's middleman reads: sasync's types through CAF's binary
  // deserializer, whose byte vectors would otherwise be resized to the
  // claimed 2^40 bytes first.
  std::vector<char> message{0x01,       'x', // type "x"
                            char(0x80), char(0x80), char(0x80),
                            char(0x80), char(0x80), 0x20,
                            1,          2}; // 2^40 bytes?
  stored_value x;
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr),
                                  message.data(), message.size()};
  CAF_CHECK_EQUAL(source(x), caf::sec::end_of_stream);
  std::vector<char> as_value{0x04, // kind::blob
                             char(0x80), char(0x80), char(0x80), char(0x80),
                             char(0x80), 0x20,       1};
  value v;
  caf::binary_deserializer source2{static_cast<caf::execution_unit*>(nullptr),
                                   as_value.data(), as_value.size()};
  CAF_CHECK_EQUAL(source2(v), caf::sec::end_of_stream);
  // Well-formed ones still read back.
  std::vector<char> buf;
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), buf};
  stored_value original{"string", blob{'h', 'i'}};
  CAF_REQUIRE(!sink(original, value{blob{1, 2, 3}}));
  stored_value back;
  value back_value;
  caf::binary_deserializer source3{static_cast<caf::execution_unit*>(nullptr),
                                   buf.data(), buf.size()};
  CAF_REQUIRE(!source3(back, back_value));
  CAF_CHECK(back == original);
  CAF_CHECK(back_value == value{blob{1, 2, 3}});
}

// Parameters are written with whatever integer type the program has.
CAF_TEST(every_integral_type_makes_an_integer_value) {
  std::vector<value> xs{std::size_t{3}, 1LL, 2UL, std::uint8_t{7},
                        std::int16_t{-5}, 4U, short{6}};
  std::vector<std::int64_t> want{3, 1, 2, 7, -5, 4, 6};
  for (size_t i = 0; i < xs.size(); ++i) {
    CAF_CHECK_EQUAL(xs[i].type(), value::kind::integer);
    CAF_CHECK_EQUAL(xs[i].as_integer(), want[i]);
  }
  CAF_CHECK_EQUAL(value{true}.as_integer(), 1);
  CAF_CHECK_EQUAL(value{std::uint64_t{INT64_MAX}}.as_integer(), INT64_MAX);
  auto [kind, what] = failure_of([] { value{std::uint64_t{INT64_MAX} + 1}; });
  CAF_CHECK(kind == failure_kind::invalid_argument);
  CAF_CHECK(contains(what, "9223372036854775808"));
  CAF_MESSAGE(what);
}
