// Ranges of names by their bytes: a prefix's end, and bounds moved to
// portable text that separates exactly the same names.
#define CAF_SUITE storage.name_range

#include "sasync/storage/name_range.hpp"

#include "sasync/storage/portable_text.hpp"

#include <caf/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

using namespace sasync;

namespace {

/// Names that sit on the edges of UTF-8's byte ranges.
std::vector<std::string> edge_names() {
  return {"a",          "a\x7f",         "a\xc2\x80",     "a\xdf\xbf",
          "a\xe0\xa0\x80", "a\xed\x9f\xbf", "a\xee\x80\x80", "a\xef\xbf\xbf",
          "a\xf0\x90\x80\x80", "a\xf4\x8f\xbf\xbf", "a\xf4\x8f\xbf\xbf" "b",
          "ab",         "b",             "\x01",          "\xf4\x8f\xbf\xbf"};
}

/// A random byte string, often near the bytes UTF-8 treats specially.
std::string random_bytes(std::mt19937& gen) {
  static const unsigned char pool[] = {0x00, 0x01, 'a',  'b',  0x7f, 0x80,
                                       0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed,
                                       0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x8f};
  std::string out;
  auto n = std::uniform_int_distribution<int>{0, 5}(gen);
  std::uniform_int_distribution<std::size_t> pick{0, sizeof pool - 1};
  for (int i = 0; i < n; ++i)
    out += static_cast<char>(pool[pick(gen)]);
  return out;
}

} // namespace

CAF_TEST(a_prefix_ends_at_its_last_byte_below_0xff_raised_by_one) {
  CAF_CHECK_EQUAL(prefix_end("ab"), "ac");
  CAF_CHECK_EQUAL(prefix_end("a\xff"), "b");
  CAF_CHECK_EQUAL(prefix_end("a\xff\xff"), "b");
  CAF_CHECK_EQUAL(prefix_end("\xc3\xa9"), "\xc3\xaa");
  // No end: every string starting with it is above everything else.
  CAF_CHECK_EQUAL(prefix_end(""), "");
  CAF_CHECK_EQUAL(prefix_end("\xff\xff"), "");
}

CAF_TEST(portable_bounds_stay_as_they_are) {
  for (auto& name : edge_names())
    CAF_CHECK_EQUAL(portable_bound(name), name);
  CAF_CHECK_EQUAL(portable_bound(""), std::string{});
}

CAF_TEST(bounds_that_are_no_utf8_move_to_the_least_name_above_them) {
  CAF_CHECK_EQUAL(portable_bound("a\x80"), "a\xc2\x80");
  CAF_CHECK_EQUAL(portable_bound("a\xc3"), "a\xc3\x80");
  CAF_CHECK_EQUAL(portable_bound(std::string{"a\0", 2}), "a\x01");
  CAF_CHECK_EQUAL(portable_bound("a\xff"), "b");
  CAF_CHECK_EQUAL(portable_bound("a\xf4\x8f\xbf\xbf\xff"), "b");
  CAF_CHECK_EQUAL(portable_bound("\xed\xa0\x80"), "\xee\x80\x80"); // surrogate
  // Nothing portable is at or above these.
  CAF_CHECK(!portable_bound("\xff"));
  CAF_CHECK(!portable_bound("\xf4\x8f\xbf\xbf\xff"));
}

CAF_TEST(a_moved_bound_separates_exactly_the_same_names) {
  std::mt19937 gen{20261203};
  auto names = edge_names();
  for (int i = 0; i < 20'000; ++i) {
    auto bound = random_bytes(gen);
    auto moved = portable_bound(bound);
    if (moved)
      CAF_CHECK_EQUAL(text_problem(*moved), "");
    for (auto& name : names) {
      auto above = name >= bound;
      auto above_moved = moved && name >= *moved;
      if (above != above_moved)
        CAF_FAIL("bound " << bound.size() << " bytes: a name on the wrong "
                          "side");
    }
  }
}
