#include "sasync/storage/row_block.hpp"

#include <caf/sec.hpp>

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>

namespace sasync {

const value& row_view::at(std::size_t i) const {
  if (i >= size_)
    throw std::out_of_range("column " + std::to_string(i) + " of a row of " +
                            std::to_string(size_));
  return first_[i];
}

bool operator==(row_view x, row_view y) {
  return std::equal(x.begin(), x.end(), y.begin(), y.end());
}

row_view row_block::at(std::size_t i) const {
  if (i >= rows_)
    throw std::out_of_range("row " + std::to_string(i) + " of " +
                            std::to_string(rows_));
  return (*this)[i];
}

void row_block::push_back(const row& r) {
  if (r.size() != width_)
    throw std::invalid_argument("a row of " + std::to_string(r.size()) +
                                " cells in a block of rows of " +
                                std::to_string(width_));
  cells_.insert(cells_.end(), r.begin(), r.end());
  ++rows_;
}

void row_block::append(row_block&& other) {
  if (other.empty())
    return;
  if (other.width_ != width_)
    throw std::invalid_argument("rows of " + std::to_string(other.width_) +
                                " cells added to a block of rows of " +
                                std::to_string(width_));
  cells_.insert(cells_.end(), std::make_move_iterator(other.cells_.begin()),
                std::make_move_iterator(other.cells_.end()));
  rows_ += other.rows_;
  other.clear();
}

row_block row_block::take(std::size_t first, std::size_t count) {
  row_block out{width_};
  first = std::min(first, rows_);
  count = std::min(count, rows_ - first);
  if (first == 0 && count == rows_) {
    out.cells_ = std::move(cells_);
    out.rows_ = rows_;
    clear();
    return out;
  }
  auto begin = cells_.begin() + static_cast<std::ptrdiff_t>(first * width_);
  out.cells_.assign(std::make_move_iterator(begin),
                    std::make_move_iterator(
                        begin + static_cast<std::ptrdiff_t>(count * width_)));
  out.rows_ = count;
  return out;
}

caf::error row_block::check_loaded() {
  // width <= cells keeps rows * width from wrapping around.
  auto fits = rows_ <= max_loaded_rows &&
              (rows_ == 0 || width_ <= cells_.size()) &&
              cells_.size() == rows_ * width_;
  if (fits)
    return caf::none;
  clear();
  width_ = 0;
  return caf::make_error(caf::sec::invalid_argument,
                         "a block of rows whose cells do not fill its rows");
}

} // namespace sasync
