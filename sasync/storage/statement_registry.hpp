// Named statements (sAsync's s()): a name stands for one SQL text, for good,
// and there are at most so many names.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace sasync {

class statement_registry {
public:
  /// Names beyond this many are refused: each statement may hold a
  /// prepared statement on every connection.
  static constexpr std::size_t default_capacity = 1'000;

  explicit statement_registry(std::size_t capacity = default_capacity)
      : capacity_(capacity) {}

  /// Names `sql`. Naming the same text again is fine; throws
  /// storage_failure(invalid_argument) for a name that is no portable
  /// identifier, an empty statement, a name that already stands for
  /// another text, or a new name beyond the capacity.
  void define(const std::string& name, std::string sql);

  /// The statement named `name`, or nullptr.
  const std::string* find(const std::string& name) const;

  std::size_t size() const noexcept { return statements_.size(); }

private:
  std::size_t capacity_;
  std::map<std::string, std::string> statements_;
};

} // namespace sasync
