// Blocks of rows: one vector of cells read as rows, split by the cursor,
// and checked when a peer sends one.
#define CAF_SUITE storage.row_block

#include "sasync/storage/row_block.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace sasync;

namespace {

template <class Exception, class F> bool throws(F fn) {
  try {
    fn();
  } catch (const Exception&) {
    return true;
  }
  return false;
}

row_block numbered(std::size_t rows) {
  row_block out{2};
  for (std::size_t i = 0; i < rows; ++i)
    out.push_back({static_cast<std::int64_t>(i), "row-" + std::to_string(i)});
  return out;
}

std::vector<std::int64_t> firsts(const row_block& block) {
  std::vector<std::int64_t> out;
  for (auto& r : block) // a reference binds: the iterator keeps its row
    out.push_back(r[0].as_integer());
  return out;
}

/// Overwrites the 8 bytes at `pos` with `x` as CAF writes it.
void put(std::vector<char>& buf, std::size_t pos, std::uint64_t x) {
  for (std::size_t i = 0; i < 8; ++i)
    buf[pos + i] = static_cast<char>((x >> (8 * (7 - i))) & 0xff);
}

std::vector<char> serialized(row_block& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), buf};
  CAF_REQUIRE(!sink(x));
  return buf;
}

caf::error deserialized(const std::vector<char>& buf, row_block& x) {
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr),
                                  buf.data(), buf.size()};
  return source(x);
}

} // namespace

CAF_TEST(rows_read_back_as_they_were_added) {
  auto block = numbered(3);
  CAF_CHECK_EQUAL(block.size(), 3u);
  CAF_CHECK_EQUAL(block.width(), 2u);
  CAF_CHECK(firsts(block) == (std::vector<std::int64_t>{0, 1, 2}));
  CAF_CHECK_EQUAL(block.at(2).at(1).as_text(), "row-2");
  CAF_CHECK(block[1].to_row() == (row{1, "row-1"}));
  row copied = block.back(); // a row that outlives the block
  CAF_CHECK(copied == (row{2, "row-2"}));
  CAF_CHECK(throws<std::out_of_range>([&] { block.at(3); }));
  CAF_CHECK(throws<std::out_of_range>([&] { block[0].at(2); }));
  CAF_CHECK(throws<std::invalid_argument>([&] { block.push_back({1}); }));
  CAF_CHECK_EQUAL(block.size(), 3u);
  auto cell = block.add_row();
  cell[0] = value{7};
  CAF_CHECK(block.back() == (row_view{cell, 2}));
  CAF_CHECK(block.back()[1].is_null());
}

CAF_TEST(rows_without_columns_are_still_counted) {
  row_block block{0};
  block.add_row();
  block.push_back({});
  CAF_CHECK_EQUAL(block.size(), 2u);
  std::size_t seen = 0;
  for (auto r : block) {
    CAF_CHECK(r.empty());
    ++seen;
  }
  CAF_CHECK_EQUAL(seen, 2u);
}

CAF_TEST(taking_rows_leaves_the_others_in_place) {
  auto block = numbered(5);
  auto front = block.take(0, 2);
  CAF_CHECK(firsts(front) == (std::vector<std::int64_t>{0, 1}));
  CAF_CHECK_EQUAL(block.size(), 5u);
  auto middle = block.take(2, 2);
  CAF_CHECK(firsts(middle) == (std::vector<std::int64_t>{2, 3}));
  CAF_CHECK_EQUAL(block[4][1].as_text(), "row-4");
  auto past_the_end = block.take(4, 10); // as many as there are
  CAF_CHECK(firsts(past_the_end) == (std::vector<std::int64_t>{4}));
  auto all = numbered(4);
  auto moved = all.take(0, 4); // every row: the cells move, nothing is copied
  CAF_CHECK(firsts(moved) == (std::vector<std::int64_t>{0, 1, 2, 3}));
  CAF_CHECK(all.empty());
}

CAF_TEST(a_block_round_trips_through_the_wire_format) {
  auto block = numbered(4);
  auto buf = serialized(block);
  row_block back;
  CAF_REQUIRE(!deserialized(buf, back));
  CAF_CHECK(back == block);
  row_block none{3};
  row_block none_back;
  CAF_REQUIRE(!deserialized(serialized(none), none_back));
  CAF_CHECK(none_back == none);
}

CAF_TEST(a_peers_block_whose_cells_do_not_fill_its_rows_is_refused) {
  // Readers index cells by width * row without looking again, so a block
  // claiming more rows than it holds cells for must not load.
  auto block = numbered(2);
  auto buf = serialized(block);
  // The second field, the row count, follows the width (8 bytes each, in
  // network byte order).
  auto claims = [&](std::uint64_t rows) {
    auto bad = buf;
    put(bad, 8, rows);
    row_block x;
    auto err = deserialized(bad, x);
    return std::make_pair(err, x.size());
  };
  CAF_CHECK(!claims(2).first);
  for (std::uint64_t rows : {3ull, 1ull, 0ull, 1ull << 62}) {
    auto [err, size] = claims(rows);
    CAF_CHECK_EQUAL(err, caf::sec::invalid_argument);
    CAF_CHECK_EQUAL(size, 0u);
  }
  // Rows without columns cost no bytes: their count is bounded too, or a
  // peer could make its reader loop for ever.
  row_block empty_rows{0};
  empty_rows.add_row();
  auto zero_buf = serialized(empty_rows);
  row_block zero_back;
  CAF_REQUIRE(!deserialized(zero_buf, zero_back));
  CAF_CHECK_EQUAL(zero_back.size(), 1u);
  put(zero_buf, 8, 1ull << 62);
  CAF_CHECK_EQUAL(deserialized(zero_buf, zero_back), caf::sec::invalid_argument);
  CAF_CHECK_EQUAL(zero_back.size(), 0u);
  // A width whose product with the rows wraps around to no cells at all.
  put(zero_buf, 0, 1ull << 63); // width
  put(zero_buf, 8, 2);          // rows
  CAF_CHECK_EQUAL(deserialized(zero_buf, zero_back), caf::sec::invalid_argument);
  CAF_CHECK_EQUAL(zero_back.size(), 0u);
}
