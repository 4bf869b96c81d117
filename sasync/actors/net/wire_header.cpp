// BASP header checks, after CAF 0.17.6's basp::valid() and instance::handle().
#include "sasync/actors/net/wire_header.hpp"

#include "sasync/actors/net/wire_guard.hpp"

namespace sasync {

namespace {

// CAF's message_type.
constexpr std::uint8_t server_handshake = 0;
constexpr std::uint8_t client_handshake = 1;
constexpr std::uint8_t direct_message = 2;
constexpr std::uint8_t routed_message = 3;
constexpr std::uint8_t heartbeat = 6;

} // namespace

basp_fields read_basp_header(std::string_view header) {
  basp_fields out;
  if (header.size() < basp_header_bytes)
    return out;
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(header[i]));
  };
  out.operation = static_cast<std::uint8_t>(byte(0));
  out.payload_len = byte(4) << 24 | byte(5) << 16 | byte(6) << 8 | byte(7);
  for (std::size_t i = 8; i < 16; ++i)
    out.operation_data = out.operation_data << 8 | byte(i);
  return out;
}

bool is_handshake(const basp_fields& hdr) {
  return hdr.operation == server_handshake || hdr.operation == client_handshake;
}

const char* refuse_header(std::string_view header, bool handshake_done,
                          const wire_limits& limits) {
  if (header.size() != basp_header_bytes)
    return "not a BASP header";
  auto hdr = read_basp_header(header);
  if (hdr.operation > heartbeat)
    return "an operation BASP does not have";
  if (is_handshake(hdr) && hdr.payload_len == 0)
    return "a handshake without a payload, which CAF reads from nowhere";
  if (!handshake_done && !is_handshake(hdr))
    return "a message before the handshake";
  if (!handshake_done && hdr.payload_len > limits.handshake_bytes)
    return "a handshake larger than node.max-handshake-bytes";
  if (hdr.payload_len > limits.message_bytes)
    return "a message larger than node.max-message-bytes";
  // CAF 0.17's message_id: its category in bits 60 and 61; 2 and 3 are
  // the up- and downstream messages of streams, which sasync never sends.
  auto category = (hdr.operation_data >> 60) & 0x3;
  if ((hdr.operation == direct_message || hdr.operation == routed_message) &&
      category >= 2)
    return "a message id of a stream's, which only CAF's streams may use";
  return nullptr;
}

bool claim_budget::try_take(std::size_t bytes) {
  auto taken = taken_.load();
  do {
    if (bytes > limit_ || taken > limit_ - bytes)
      return false;
  } while (!taken_.compare_exchange_weak(taken, taken + bytes));
  return true;
}

} // namespace sasync
