// The CAF configuration sasync needs: its error category, its message types
// and a scheduler tuned for short database round trips.
#pragma once

#include "sasync/actors/net/wire_guard.hpp"
#include "sasync/actors/option_check.hpp"
#include "sasync/storage/engine_config.hpp"

#include <caf/actor_system_config.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace sasync {

/// Adds sasync's error category and message types to `cfg`, gives CAF's
/// scheduler half the cores, at least one (`scheduler.max-threads`: hops
/// between threads cost more than the actors' work), runs actors in the
/// order they became ready (`scheduler.policy = 'sharing'`: a group actor
/// then finds its clients' operations together and sends them on in one
/// message) with idle workers that look for work for `sasync.worker-spin`
/// microseconds before they sleep (a sleeping worker must be woken for
/// each answer of a connection's thread), and, should a config pick work
/// stealing, sends its idle workers straight to sleep
/// (`work-stealing.moderate-poll-attempts = 0`: one hop ~15 us instead of
/// ~100 us); a config file may override each;
/// and decodes remote messages on the middleman's own thread
/// (`middleman.workers = 0`: CAF's parallel decoding lost answers under many
/// client connections).
/// Call from the constructor of an application's own config class.
void configure(caf::actor_system_config& cfg);

/// Declares the `[sasync]` options of config files and command lines:
/// url, pool-size, max-overflow, pool-timeout (seconds), echo, synchronous,
/// journal-mode, queue-capacity, dict-cache-capacity, worker-spin.
void add_sasync_options(caf::config_option_set& opts);

/// The engine the `[sasync]` options describe: `url` (or the default engine)
/// with every option that was set applied on top. Throws storage_failure
/// naming the bad option.
engine_config engine_from(const caf::actor_system_config& cfg);

/// `sasync.queue-capacity`, or defaults::queue_capacity.
std::size_t queue_capacity_from(const caf::actor_system_config& cfg);

/// `sasync.dict-cache-capacity`, or defaults::dict_cache_capacity.
std::size_t dict_cache_capacity_from(const caf::actor_system_config& cfg);

/// True when `cfg` names a certificate, its key and a CA file
/// (openssl.certificate, openssl.key, openssl.cafile): nodes then talk TLS
/// with mutual authentication.
bool tls_configured(const caf::actor_system_config& cfg);

/// A ready-made configuration with sasync's options, for programs with
/// nothing else to add.
struct system_config : caf::actor_system_config {
  system_config() {
    configure(*this);
    add_sasync_options(custom_options_);
  }

  /// parse() that first checks every value the config file (`ini`) and the
  /// command line give for a declared option (bad_option_value() with
  /// `bounds`); a whole number counts as a real one. Returns that check's
  /// line, CAF's own error as text, or empty.
  std::string parse_checked(string_list args, std::istream& ini);

  /// The same with the file that `--config-file=FILE` names (CAF's default
  /// file when none is named), as parse(argc, argv) reads it.
  std::string parse_checked(int argc, char** argv);

  /// After parse(): the first `group.key` of the config file that no
  /// option declares (CAF keeps such keys without a word), or empty.
  std::string unknown_option() const;

  /// Ranges beyond the options' types that parse_checked() enforces.
  std::vector<option_bounds> bounds{
      {"sasync.pool-size", 1, engine_config::pool_size_limit},
      {"sasync.max-overflow", 0, engine_config::max_overflow_limit},
      {"sasync.pool-timeout", 0.001, 86'400},
      {"sasync.run-timeout", 0.001, 86'400},
      {"sasync.worker-spin", 0, 10'000},
      {"sasync.queue-capacity", 1, 1e12},
      {"sasync.dict-cache-capacity", 1, 1e12}};

  /// What load_guarded_middleman() lets peers send.
  wire_limits wire;
};

} // namespace sasync
