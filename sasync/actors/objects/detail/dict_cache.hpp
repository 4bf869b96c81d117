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
#include <vector>

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
  /// is newer; the entry that holds now. A complete cache knows better than
  /// any read and keeps what it has (a read that began before the cache
  /// became complete gets what it found).
  entry read(const std::string& name, entry found);

  /// How many of the group's names hold a value: `stored` (the database's
  /// names) with the cache's newer writes applied.
  std::size_t merged_size(const std::vector<std::string>& stored) const;

  /// Forgets every entry and holds the group as empty (complete, and held
  /// until release() or abandon_clear()); the entries it had.
  std::map<std::string, entry> clear();

  /// A clear that could not learn the database's names: releases its hold
  /// and, with no other hold, stops taking the cache as the whole group.
  void abandon_clear();

  /// While held, no entry goes: a complete cache stays complete whatever its
  /// size. Holds nest.
  void hold() noexcept { ++holds_; }
  void release();

  /// How many names the cache knows, with a value or as missing.
  std::size_t size() const noexcept { return entries_.size(); }

  /// The group's stored names and values with the cache's newer writes
  /// applied.
  std::map<std::string, stored_value>
  merged(std::map<std::string, stored_value> stored) const;

  /// Takes the whole group (names written since the load began keep the
  /// cache's value): complete() holds until the cache outgrows its bound.
  void preload(std::map<std::string, stored_value> stored);

  /// An items write of `name` committed (the cache has none of its own
  /// waiting): the entry is what the database holds now.
  void refresh(const std::string& name, entry x);

  /// An items write of `name` failed and may have committed: the name is
  /// read again when asked for (a write of the cache's own stays).
  void forget(const std::string& name);

  /// After an items clear: the whole group as the database holds it now.
  void reload(std::map<std::string, stored_value> stored);

  /// After an items clear that failed: every written entry goes.
  void forget_all();

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
  std::size_t holds_ = 0;
};

} // namespace sasync::detail
