// What a dict actor knows of its group: values, names known missing, and
// which entries it may drop (the least recently used of those written).
#pragma once

#include "sasync/actors/objects/detail/recent_names.hpp"
#include "sasync/storage/stored_value.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace sasync::detail {

class dict_cache {
public:
  /// A name's entry: a value, or none when the name is known to be missing.
  using entry = std::optional<stored_value>;

  /// Keeps at most `capacity` entries, but for those not written yet.
  explicit dict_cache(std::size_t capacity = 0) : capacity_(capacity) {}

  /// Records a write of `name` (none deletes it); the entry stays until
  /// written(name).
  void write(const std::string& name, entry x);

  /// Every write of `name` committed: its entry may go when it is the least
  /// recently used.
  void written(const std::string& name);

  /// The entry of `name`, or none when the cache does not know the name
  /// (then the database does, unless complete()). Counts as a use.
  std::optional<entry> find(const std::string& name);

  /// Takes what a read of `name` found, unless a write since the read began
  /// is newer; the entry that holds now.
  entry read(const std::string& name, entry found);

  /// The group's stored names and values with the cache's newer writes
  /// applied.
  std::map<std::string, stored_value>
  merged(std::map<std::string, stored_value> stored) const;

  /// Takes the whole group (names written since the load began keep the
  /// cache's value): complete() holds until the cache outgrows its bound.
  void preload(std::map<std::string, stored_value> stored);

  /// After preload the cache holds the whole group: a name it lacks is
  /// missing.
  bool complete() const noexcept { return complete_; }

private:
  void touch(const std::string& name);
  void trim();
  void stop_complete();

  std::size_t capacity_;
  std::map<std::string, entry> entries_;
  /// Names with writes not committed yet: they always stay.
  std::set<std::string> unwritten_;
  /// The other entries, the least recently used first.
  recent_names clean_;
  bool complete_ = false;
};

} // namespace sasync::detail
