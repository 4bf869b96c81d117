// A guard in front of CAF 0.17's network decoder. CAF reserves as many bytes
// as a peer's message header claims (up to 4 GiB, zero-filled) before it
// reads them, and its decoder sizes byte vectors from the claimed length and
// recurses into nested messages without a limit; none of this can be
// configured. The guard sees every connection's bytes first and closes a
// connection that claims too much, names such a type, or nests too deep; and
// the BASP headers that CAF mishandles (wire_header.hpp), and connections
// that do not complete their handshake in time (handshake_deadlines.hpp).
//
// It covers plain TCP connections, where a peer need not prove who it is.
// Connections over TLS are made by CAF's OpenSSL module and are not guarded;
// their peers hold a certificate signed by the node's CA.
#pragma once

#include <caf/fwd.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace sasync {

struct wire_limits {
  /// The largest message a peer may send (a BASP payload), at least 4096;
  /// room for the largest value the group actors take (64 MiB) and more.
  std::size_t message_bytes = 80 << 20;
  /// Connections open at once, at least 1; more are closed as they come.
  std::size_t connections = 1024;
  /// The largest handshake a peer may send (a handshake is a few hundred
  /// bytes); until its handshake comes a peer may send nothing else.
  std::size_t handshake_bytes = 64 << 10;
  /// What all connections without a completed handshake may claim together.
  std::size_t handshake_total_bytes = 8 << 20;
  /// Seconds a connection has to complete its handshake; then it is closed.
  double handshake_timeout = 5;
};

/// Why `limits` cannot be used (one line naming the `[node]` key), or empty.
std::string check_limits(const wire_limits& limits);

/// Loads CAF's middleman with the guard: call it instead of
/// `cfg.load<caf::io::middleman>()`. The limits are those of `cfg.wire`
/// when `cfg` is a sasync::system_config, else the defaults.
void load_guarded_middleman(caf::actor_system_config& cfg);

/// Why the bytes of a message are refused, or nullptr: they name a type
/// that CAF decodes by allocating what the message claims (`@charbuf`) or
/// that nests without a limit (`@config_value`), or more types that can hold
/// a message than sasync ever sends in one (nesting).
const char* refuse_payload(std::string_view payload);

} // namespace sasync
