// What the wire guard checks in a BASP header before CAF 0.17 reads it, and
// the bound on the bytes that connections claim before their handshakes.
#pragma once

#include "sasync/actors/fwd.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sasync {

/// Bytes of a BASP header in CAF 0.17: operation, two padding bytes, flags,
/// payload length (4), operation data (8), source and destination actor (8
/// each), all in network order.
constexpr std::size_t basp_header_bytes = 32;

/// The fields of a BASP header the guard looks at.
struct basp_fields {
  std::uint8_t operation = 0;
  std::uint32_t payload_len = 0;
  /// A message's id, for direct and routed messages.
  std::uint64_t operation_data = 0;
};

/// Reads `header` (basp_header_bytes long).
basp_fields read_basp_header(std::string_view header);

/// Whether a connection's BASP handshake message (server_handshake or
/// client_handshake, with its payload) came in; until then it is open.
bool is_handshake(const basp_fields& hdr);

/// Why the guard refuses `header` on a connection whose handshake is done
/// (or not), or nullptr. Refused: a handshake without a payload (CAF reads
/// it from a null pointer and crashes), any other message before the
/// handshake, a handshake that claims more than `limits.handshake_bytes`, a
/// message that claims more than `limits.message_bytes`, an operation that
/// does not exist, a message whose id is in a stream's category (upstream
/// or downstream: the receiving actor's mailbox reads its content as a
/// stream message, and crashes on any other).
const char* refuse_header(std::string_view header, bool handshake_done,
                          const wire_limits& limits);

/// The bytes that connections without a handshake have claimed (and CAF has
/// reserved for them), bounded for all of them together. Thread-safe.
class claim_budget {
public:
  explicit claim_budget(std::size_t limit) : limit_(limit) {}

  /// Takes `bytes` if they fit under the limit with what is taken.
  bool try_take(std::size_t bytes);

  /// Gives back `bytes` taken before.
  void give_back(std::size_t bytes) { taken_ -= bytes; }

  std::size_t taken() const { return taken_; }

private:
  std::size_t limit_;
  std::atomic<std::size_t> taken_{0};
};

} // namespace sasync
