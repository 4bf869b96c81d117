// Rows of one result side by side: a batch of rows is one vector of cells,
// not a vector per row. Read at millions of rows a second, an allocation
// per row cost more than SQLite's own step.
#pragma once

#include "sasync/storage/value.hpp"

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>

#include <cstddef>
#include <iterator>
#include <vector>

namespace sasync {

/// One row of a row_block: its cells, valid while the block is unchanged.
/// Converts to a row (a copy) where one must outlive the block.
class row_view {
public:
  using iterator = const value*;

  row_view() = default;
  row_view(const value* first, std::size_t size) noexcept
      : first_(first), size_(size) {}
  /// The cells of `r`, so a row compares with a row_view.
  row_view(const row& r) noexcept : first_(r.data()), size_(r.size()) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const value& operator[](std::size_t i) const noexcept { return first_[i]; }
  /// Throws std::out_of_range past the last column, as row::at does.
  const value& at(std::size_t i) const;
  iterator begin() const noexcept { return first_; }
  iterator end() const noexcept { return first_ + size_; }

  row to_row() const { return row(begin(), end()); }
  operator row() const { return to_row(); }

  friend bool operator==(row_view x, row_view y);
  friend bool operator!=(row_view x, row_view y) { return !(x == y); }

private:
  const value* first_ = nullptr;
  std::size_t size_ = 0;
};

/// Rows of `width()` cells each, in one vector.
class row_block {
public:
  /// The most rows a block from a peer may carry (a cursor's largest
  /// batch): rows without columns cost no bytes, so the count is checked.
  static constexpr std::size_t max_loaded_rows = 10'000;

  /// Walks the rows. It keeps the row it is at, so `auto& r`, `const
  /// auto& r` and `auto r` all work in a range-for.
  class iterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = row_view;
    using difference_type = std::ptrdiff_t;
    using pointer = const row_view*;
    using reference = const row_view&;

    iterator() = default;
    iterator(const row_block* block, std::size_t index) noexcept
        : block_(block), index_(index) {
      at_row();
    }
    const row_view& operator*() const noexcept { return row_; }
    const row_view* operator->() const noexcept { return &row_; }
    iterator& operator++() noexcept {
      ++index_;
      at_row();
      return *this;
    }
    iterator operator++(int) noexcept {
      auto old = *this;
      ++*this;
      return old;
    }
    friend bool operator==(const iterator& x, const iterator& y) noexcept {
      return x.index_ == y.index_;
    }
    friend bool operator!=(const iterator& x, const iterator& y) noexcept {
      return x.index_ != y.index_;
    }

  private:
    void at_row() noexcept {
      if (block_ != nullptr && index_ < block_->size())
        row_ = (*block_)[index_];
    }

    const row_block* block_ = nullptr;
    std::size_t index_ = 0;
    row_view row_;
  };

  row_block() = default;
  explicit row_block(std::size_t width) noexcept : width_(width) {}

  std::size_t width() const noexcept { return width_; }
  std::size_t size() const noexcept { return rows_; }
  bool empty() const noexcept { return rows_ == 0; }

  row_view operator[](std::size_t i) const noexcept {
    return {cells_.data() + i * width_, width_};
  }
  /// Throws std::out_of_range past the last row.
  row_view at(std::size_t i) const;
  row_view front() const noexcept { return (*this)[0]; }
  row_view back() const noexcept { return (*this)[rows_ - 1]; }
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, rows_}; }

  void reserve(std::size_t rows) { cells_.reserve(rows * width_); }

  /// Adds a row of `width()` null cells and returns them, to be filled.
  value* add_row() {
    cells_.resize(cells_.size() + width_);
    ++rows_;
    return cells_.data() + cells_.size() - width_;
  }

  /// Adds a copy of `r`; throws std::invalid_argument unless it has
  /// `width()` cells.
  void push_back(const row& r);

  /// Moves the rows of `other`, of the same width, to the end of this one
  /// (throws std::invalid_argument if `other` has rows of another width).
  void append(row_block&& other);

  /// Moves rows [first, first + count) out into a block of their own; the
  /// rows left here are unchanged and keep their places.
  row_block take(std::size_t first, std::size_t count);

  void clear() noexcept {
    cells_.clear();
    rows_ = 0;
  }

  friend bool operator==(const row_block& x, const row_block& y) {
    return x.width_ == y.width_ && x.rows_ == y.rows_ && x.cells_ == y.cells_;
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f,
                                                 row_block& x) {
    auto check = caf::meta::load_callback([&]() -> caf::error {
      return x.check_loaded();
    });
    return f(x.width_, x.rows_, x.cells_, check);
  }

private:
  /// A block from a peer must hold exactly its rows' cells, its readers
  /// indexing by width without looking again, and at most max_loaded_rows.
  caf::error check_loaded();

  std::size_t width_ = 0;
  std::size_t rows_ = 0;
  std::vector<value> cells_;
};

} // namespace sasync
