// Keeps operations on the same key in submission order while operations on
// different keys run side by side.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace sasync::detail {

/// An operation names the keys it touches, or none for "every key" (a
/// clear). It starts once every earlier operation on one of its keys has
/// finished; an every-key operation waits for all earlier operations and
/// holds back all later ones.
template <class Key> class op_sequencer {
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
      lanes_[k].push_back(t);
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
      lane->second.pop_front();
      if (lane->second.empty())
        lanes_.erase(lane);
      else
        candidates.push_back(lane->second.front());
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
        if (lanes_[k].front() != t)
          return;
    }
    o.started = true;
    // Copied: start() may finish at once and erase the op.
    auto start = o.start;
    start(t);
  }

  ticket next_ = 0;
  std::map<ticket, op> ops_;
  std::map<Key, std::deque<ticket>> lanes_;
  std::set<ticket> barriers_;
};

} // namespace sasync::detail
