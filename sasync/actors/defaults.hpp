// sasync's defaults, each written once: config structs, option help texts
// and the programs refer to these.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace sasync::defaults {

/// Jobs a broker's queue holds, and requests one group actor keeps
/// waiting, before more are refused with overloaded
/// (`sasync.queue-capacity`).
inline constexpr std::size_t queue_capacity = 10'000;

/// Jobs committed together in one transaction (group commit).
inline constexpr std::size_t max_batch = 64;

/// Written entries each dict keeps in memory
/// (`sasync.dict-cache-capacity`).
inline constexpr std::size_t dict_cache_capacity = 100'000;

/// A group actor nobody asked the broker for during this long is let go.
inline constexpr std::chrono::milliseconds group_idle_timeout{60'000};

/// A cursor nobody asked for rows during this long ends.
inline constexpr std::chrono::milliseconds cursor_idle_timeout{60'000};

/// Where sasyncd listens and where the CLI looks for it.
inline constexpr const char* node_host = "127.0.0.1";
inline constexpr std::uint16_t node_port = 4242;

/// How long the CLI waits for each answer (`--timeout`).
inline constexpr std::chrono::milliseconds cli_timeout{30'000};

/// "text (default)" for an option's help.
template <class T> std::string help(const std::string& text, T value) {
  if constexpr (std::is_convertible_v<T, std::string>)
    return text + " (" + std::string{value} + ")";
  else
    return text + " (" + std::to_string(value) + ")";
}

} // namespace sasync::defaults
