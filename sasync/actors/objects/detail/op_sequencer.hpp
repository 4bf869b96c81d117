// Keeps operations on the same key in submission order while operations on
// different keys run side by side.
#pragma once

#include "sasync/actors/detail/recycling_allocator.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sasync::detail {

/// An operation names the keys it touches, or none for "every key" (a
/// clear). It starts once every earlier operation on one of its keys has
/// finished; an every-key operation waits for all earlier operations and
/// holds back all later ones. `Hash` hashes a Key: the lanes are looked up
/// three times per operation, and a hash of a name costs less than the
/// string comparisons of a tree's path.
template <class Key, class Hash = std::hash<Key>> class op_sequencer {
public:
  using ticket = std::uint64_t;
  using start_fn = std::function<void(ticket)>;

  /// Calls `start(t)` now or when its turn comes; the caller then reports
  /// finish(t) exactly once.
  void submit(std::vector<Key> keys, start_fn start) {
    auto t = next_++;
    auto& o = ops_[t];
    o.keys = std::move(keys);
    o.start = std::move(start);
    if (o.keys.empty())
      barriers_.insert(t);
    for (auto& k : o.keys)
      if (auto [lane, fresh] = lanes_.try_emplace(k, t); !fresh)
        lane->second.push_back(t);
    try_start(t);
  }

  void finish(ticket t) {
    auto i = ops_.find(t);
    if (i == ops_.end())
      return;
    auto keys = std::move(i->second.keys);
    ops_.erase(i);
    std::vector<ticket> candidates;
    for (auto& k : keys) {
      auto lane = lanes_.find(k);
      if (lane->second.pop_front())
        candidates.push_back(lane->second.front());
      else
        lanes_.erase(lane);
    }
    if (barriers_.erase(t) > 0) {
      // Everything held back up to the next barrier may go now.
      for (auto& [id, o] : ops_) {
        candidates.push_back(id);
        if (o.keys.empty())
          break;
      }
    } else if (!ops_.empty() && ops_.begin()->second.keys.empty()) {
      candidates.push_back(ops_.begin()->first);
    }
    for (auto id : candidates)
      try_start(id);
  }

  /// True when nothing runs or waits.
  bool idle() const noexcept { return ops_.empty(); }

private:
  /// The tickets on one key, oldest first, never empty (an empty lane is
  /// erased). Usually there is one, held without an allocation; those
  /// behind it wait in a vector read from `head_` and compacted as it
  /// drains.
  class fifo {
  public:
    explicit fifo(ticket first) : front_(first) {}
    void push_back(ticket t) { behind_.push_back(t); }
    ticket front() const { return front_; }
    /// Moves the next ticket to the front; false when none is left.
    bool pop_front() {
      if (head_ == behind_.size())
        return false;
      front_ = behind_[head_++];
      if (head_ * 2 >= behind_.size()) {
        behind_.erase(behind_.begin(),
                      behind_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      return true;
    }

  private:
    ticket front_;
    std::vector<ticket> behind_;
    std::size_t head_ = 0;
  };

  struct op {
    std::vector<Key> keys;
    start_fn start;
    bool started = false;
  };

  void try_start(ticket t) {
    auto i = ops_.find(t);
    if (i == ops_.end() || i->second.started)
      return;
    auto& o = i->second;
    if (o.keys.empty()) {
      if (ops_.begin()->first != t)
        return;
    } else {
      if (!barriers_.empty() && *barriers_.begin() < t)
        return;
      for (auto& k : o.keys)
        if (lanes_.find(k)->second.front() != t)
          return;
    }
    o.started = true;
    // Moved out: start() may finish at once and erase the op, and a started
    // op never starts again.
    auto start = std::move(o.start);
    start(t);
  }

  template <class T> using alloc = recycling_allocator<T>;
  ticket next_ = 0;
  std::map<ticket, op, std::less<ticket>, alloc<std::pair<const ticket, op>>>
      ops_;
  std::unordered_map<Key, fifo, Hash, std::equal_to<Key>,
                     alloc<std::pair<const Key, fifo>>>
      lanes_;
  std::set<ticket> barriers_;
};

} // namespace sasync::detail
