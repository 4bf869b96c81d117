// The dict's cache: bounded by its written entries, never by its unwritten
// ones.
#include "sasync/actors/objects/detail/dict_cache.hpp"

#include <utility>

namespace sasync::detail {

void dict_cache::write(const std::string& name, entry x) {
  clean_.forget(name); // not written: it stays until it is
  unwritten_.insert(name);
  if (x || !complete_)
    entries_[name] = std::move(x);
  else
    entries_.erase(name); // after preload, absence says "missing" already
}

void dict_cache::written(const std::string& name) {
  unwritten_.erase(name);
  touch(name); // it may go now
}

std::optional<dict_cache::entry> dict_cache::find(const std::string& name) {
  auto i = entries_.find(name);
  if (i == entries_.end())
    return std::nullopt;
  auto x = i->second; // touch() may drop it, with a bound of 0
  touch(name);
  return x;
}

dict_cache::entry dict_cache::read(const std::string& name, entry found) {
  if (complete_) {
    auto i = entries_.find(name);
    return i == entries_.end() ? found : i->second;
  }
  auto x = entries_.emplace(name, std::move(found)).first->second;
  touch(name);
  return x;
}

std::map<std::string, stored_value>
dict_cache::merged(std::map<std::string, stored_value> stored) const {
  for (auto& [name, x] : entries_)
    if (x)
      stored[name] = *x;
    else
      stored.erase(name);
  return stored;
}

std::size_t
dict_cache::merged_size(const std::vector<std::string>& stored) const {
  std::size_t n = 0;
  for (auto& name : stored)
    if (entries_.count(name) == 0)
      ++n;
  for (auto& kvp : entries_)
    if (kvp.second)
      ++n;
  return n;
}

std::map<std::string, dict_cache::entry> dict_cache::clear() {
  auto had = std::move(entries_);
  entries_.clear();
  clean_ = recent_names{};
  complete_ = true;
  hold();
  return had;
}

void dict_cache::abandon_clear() {
  if (holds_ > 0 && --holds_ == 0) {
    if (complete_)
      stop_complete();
    trim();
  }
}

void dict_cache::release() {
  if (holds_ > 0 && --holds_ == 0)
    trim();
}

void dict_cache::preload(std::map<std::string, stored_value> stored) {
  for (auto& [name, x] : stored)
    entries_.emplace(name, std::move(x));
  for (auto i = entries_.begin(); i != entries_.end();) {
    if (i->second) {
      if (unwritten_.count(i->first) == 0)
        clean_.touch(i->first);
      ++i;
    } else {
      clean_.forget(i->first);
      i = entries_.erase(i);
    }
  }
  complete_ = true;
  trim();
}

void dict_cache::refresh(const std::string& name, entry x) {
  if (x || !complete_) {
    entries_[name] = std::move(x);
    touch(name);
  } else {
    entries_.erase(name); // after preload, absence says "missing" already
    clean_.forget(name);
  }
}

void dict_cache::forget(const std::string& name) {
  if (unwritten_.count(name) > 0)
    return;
  if (complete_)
    stop_complete();
  entries_.erase(name);
  clean_.forget(name);
}

void dict_cache::reload(std::map<std::string, stored_value> stored) {
  forget_all();
  preload(std::move(stored));
}

void dict_cache::forget_all() {
  if (complete_)
    stop_complete();
  for (auto i = entries_.begin(); i != entries_.end();)
    if (unwritten_.count(i->first) == 0) {
      clean_.forget(i->first);
      i = entries_.erase(i);
    } else {
      ++i;
    }
}

/// Notes a use of `name`'s entry, if it has one and it is written.
void dict_cache::touch(const std::string& name) {
  if (unwritten_.count(name) == 0 && entries_.count(name) > 0) {
    clean_.touch(name);
    trim();
  }
}

/// Drops the least recently used written entries beyond the bound.
void dict_cache::trim() {
  while (holds_ == 0 && entries_.size() > capacity_ && !clean_.empty()) {
    if (complete_)
      stop_complete();
    entries_.erase(clean_.take_oldest());
  }
}

/// Once entries go, a name the cache lacks is read from the database, so
/// the deletes not yet written must show as entries.
void dict_cache::stop_complete() {
  complete_ = false;
  for (auto& name : unwritten_)
    entries_.emplace(name, std::nullopt);
}

} // namespace sasync::detail
