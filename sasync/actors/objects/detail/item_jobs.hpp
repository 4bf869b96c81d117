// The items actor's set and get as jobs that group commit can run together:
// the sets of a batch become one upsert, its gets one select per group.
#pragma once

#include "sasync/actors/job.hpp"
#include "sasync/storage/item_store.hpp"

#include <caf/optional.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace sasync::detail {

/// Neighbours merged into one statement: a bound on the statement's size
/// (and on the distinct statements each connection caches).
constexpr std::size_t max_merged_items = 64;

/// Calls `fn(first, last)` for each chunk of at most max_merged_items.
template <class F> void in_chunks(const std::vector<job*>& jobs, F fn) {
  for (std::size_t i = 0; i < jobs.size(); i += max_merged_items)
    fn(jobs.begin() + static_cast<std::ptrdiff_t>(i),
       jobs.begin() + static_cast<std::ptrdiff_t>(
                          std::min(jobs.size(), i + max_merged_items)));
}

class item_set_job final : public job {
public:
  item_set_job(std::int64_t group, std::string name, stored_value x)
      : job(access_mode::write), group_(group), name_(std::move(name)),
        x_(std::move(x)) {}

  void run(connection& conn) override { put_item(conn, group_, name_, x_); }

  merged_runner merger() const noexcept override { return &run_merged; }

  /// One upsert: a second chunk could commit without the first.
  bool merged_run_stands_alone(std::size_t n) const noexcept override {
    return n <= max_merged_items;
  }

  void take() {}

private:
  static void run_merged(connection& conn, const std::vector<job*>& jobs) {
    in_chunks(jobs, [&](auto first, auto last) {
      std::vector<std::pair<item_key, const stored_value*>> xs;
      for (auto i = first; i != last; ++i) {
        auto* x = static_cast<item_set_job*>(*i);
        xs.emplace_back(item_key{x->group_, &x->name_}, &x->x_);
      }
      put_items(conn, xs);
    });
  }

  std::int64_t group_;
  std::string name_;
  stored_value x_;
};

class item_get_job final : public job {
public:
  item_get_job(std::int64_t group, std::string name)
      : job(access_mode::read), group_(group), name_(std::move(name)) {}

  void run(connection& conn) override {
    result_ = caf::none; // a merged run that failed may have set it
    if (auto x = find_item(conn, group_, name_))
      result_ = std::move(*x);
  }

  merged_runner merger() const noexcept override { return &run_merged; }

  /// Each get reads one row of one select.
  bool merged_run_stands_alone(std::size_t) const noexcept override {
    return true;
  }

  caf::optional<stored_value> take() { return std::move(result_); }

private:
  static void run_merged(connection& conn, const std::vector<job*>& jobs) {
    in_chunks(jobs, [&](auto first, auto last) {
      std::vector<item_key> keys;
      for (auto i = first; i != last; ++i) {
        auto* x = static_cast<item_get_job*>(*i);
        keys.push_back({x->group_, &x->name_});
      }
      auto found = find_items(conn, keys);
      for (auto i = first; i != last; ++i) {
        auto& answer = found[static_cast<std::size_t>(i - first)];
        auto* x = static_cast<item_get_job*>(*i);
        x->result_ = caf::none;
        if (answer)
          x->result_ = std::move(*answer);
      }
    });
  }

  std::int64_t group_;
  std::string name_;
  caf::optional<stored_value> result_;
};

} // namespace sasync::detail
