// The CAF configuration sasync needs: its error category, its message types
// and a scheduler tuned for short database round trips.
#pragma once

#include <caf/actor_system_config.hpp>

namespace sasync {

/// Adds sasync's error category and message types to `cfg` and sends idle
/// scheduler workers straight to sleep (`work-stealing.moderate-poll-attempts
/// = 0`: one hop ~15 us instead of ~100 us; a config file may override it).
/// Call from the constructor of an application's own config class.
void configure(caf::actor_system_config& cfg);

/// A ready-made configuration for programs with nothing else to add.
struct system_config : caf::actor_system_config {
  system_config() { configure(*this); }
};

} // namespace sasync
