// Why a node closed a connection during the handshake. CAF says only
// `disconnect_during_handshake`; the node's behaviour towards a plain TCP
// connection tells the likely reason apart.
#pragma once

#include <cstdint>
#include <string>

namespace sasync {

/// Asks the node at host:port over a plain TCP connection of its own, for
/// at most `wait_ms`: a plain node sends its handshake at once, one at its
/// max-connections closes the connection at once, a TLS node waits for a
/// TLS hello. Returns the reason in a person's words for a client that
/// used TLS (`tls`) or not, or empty when it cannot tell.
std::string why_refused(const std::string& host, std::uint16_t port, bool tls,
                        int wait_ms = 2000);

} // namespace sasync
