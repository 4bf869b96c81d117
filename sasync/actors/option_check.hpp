// Strict reading of config values: CAF 0.17 drops a config file's value of
// the wrong type for a declared option without a word (the default stays),
// and refuses a command line's with a parser error that names no key.
#pragma once

#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace sasync {

/// Where an option's value must lie beyond what its type allows.
struct option_bounds {
  std::string key; ///< `group.key`
  double min;
  double max;
};

/// The first value that the config file's `file` (as
/// caf::actor_system_config::parse_config reads it, without options) or the
/// command line's `args` (`--group.key=value`) give for a declared option
/// that the option cannot take: of another type, outside its type's range
/// or outside `bounds`. One line naming the key and the value, the same for
/// the file and the command line, or empty. A whole number counts as a real
/// number; keys no option declares are left to the unknown-key check.
std::string bad_option_value(const caf::config_option_set& opts,
                             const caf::settings& file,
                             const std::vector<std::string>& args,
                             const std::vector<option_bounds>& bounds);

/// Stores the file's whole numbers for options that take a real number,
/// which CAF dropped, unless the command line set them (they are then in
/// `content` already).
void widen_whole_numbers(const caf::config_option_set& opts,
                         const caf::settings& file, caf::settings& content);

} // namespace sasync
