// Names in the order they were last used, so that the least recently used
// can go first.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sasync::detail {

class recent_names {
public:
  /// Marks `name` as used just now.
  void touch(const std::string& name) {
    if (auto i = where_.find(name); i != where_.end()) {
      order_.splice(order_.end(), order_, i->second);
      return;
    }
    order_.push_back(name);
    where_.emplace(order_.back(), std::prev(order_.end()));
  }

  /// Stops tracking `name`.
  void forget(const std::string& name) {
    if (auto i = where_.find(name); i != where_.end()) {
      auto at = i->second;
      where_.erase(i);
      order_.erase(at);
    }
  }

  /// The least recently used name, removed; only when !empty().
  std::string take_oldest() {
    where_.erase(order_.front()); // while the key still views it
    auto name = std::move(order_.front());
    order_.pop_front();
    return name;
  }

  bool empty() const noexcept { return order_.empty(); }

  std::size_t size() const noexcept { return order_.size(); }

private:
  std::list<std::string> order_; ///< the least recently used first
  /// Keys view the names in order_.
  std::unordered_map<std::string_view, std::list<std::string>::iterator>
      where_;
};

} // namespace sasync::detail
