// The guarded network backend: CAF's own, with scribes (one per TCP
// connection) that check what the BASP broker asks them to read.
#include "sasync/actors/net/wire_guard.hpp"

#include "sasync/actors/net/detail/peer_traffic.hpp"
#include "sasync/actors/net/handshake_deadlines.hpp"
#include "sasync/actors/net/wire_header.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/metrics.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/scribe_impl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include <sys/socket.h>

namespace sasync {

namespace {

using caf::io::network::default_multiplexer;
using caf::io::network::native_socket;

/// Type names whose values can hold a message, and so nest: CAF's message,
/// error (its context) and sasync's list of errors. A message names each
/// level's type again, so the count bounds the depth CAF's decoder recurses
/// to.
constexpr std::string_view nesting_types[] = {
    "+@message",
    "+@error",
    "+std::vector<caf::error>",
};

/// CAF's system messages. A peer never sends them: CAF tells a node of a
/// remote actor's end in a BASP message of its own. Sent as a message, an
/// exit message stops the actor it reaches (one with reason `kill` stops
/// any actor, the published node entry too, and nothing can catch it), and a
/// false down message or timeout misleads the actor's own bookkeeping.
constexpr std::string_view system_message_types[] = {
    "+@exit",         "+@down",          "+@group_down",      "+@timeout",
    "+@upstream_msg", "+@open_stream_msg", "+@downstream_msg",
};

/// More than sasync's messages ever hold (an error answer has one).
constexpr std::size_t max_nesting_types = 64;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

/// Why the guard closed a connection, counted by reason for /metrics.
void count_refusal(const char* reason) {
  if (metrics::enabled())
    metrics::counter_of("sasync_wire_refusals_total",
                        "Connections the wire guard closed, by reason.",
                        {{"reason", reason}})
        .add();
}

/// What the connections of one backend share.
struct shared_guard {
  explicit shared_guard(const wire_limits& limits)
      : handshake_claims(limits.handshake_total_bytes),
        deadlines(
            std::chrono::duration_cast<handshake_deadlines::clock::duration>(
                std::chrono::duration<double>(limits.handshake_timeout))) {}

  /// Every connection open through the backend.
  std::atomic<std::size_t> open{0};
  detail::peer_table peers;
  /// What connections without a handshake have claimed.
  claim_budget handshake_claims;
  handshake_deadlines deadlines;
};

/// A scribe that refuses, by closing its socket, a read larger than the
/// message limit, a header refuse_header() objects to, a message
/// refuse_payload() objects to, and a handshake that does not come in
/// time. Closing the socket lets CAF notice the end of the connection as it
/// would any other and clean up after it.
class guarded_scribe : public caf::io::network::scribe_impl {
public:
  guarded_scribe(default_multiplexer& mx, native_socket fd,
                 const wire_limits& limits, std::shared_ptr<shared_guard> all)
      : scribe_impl(mx, fd), limits_(limits), all_(std::move(all)) {
    if (++all_->open > limits_.connections) {
      refuse("connections");
    } else {
      all_->deadlines.watch(this, fd);
      peer_ = addr() + ":" + std::to_string(port());
      all_->peers.add(peer_, traffic_);
    }
  }

  ~guarded_scribe() override {
    if (!peer_.empty())
      all_->peers.drop(peer_);
    // Before the socket closes (in a base's destructor).
    all_->deadlines.forget(this);
    all_->handshake_claims.give_back(handshake_claim_);
    --all_->open;
  }

  void configure_read(caf::io::receive_policy::config config) override {
    // BASP asks for a message's bytes as the header claims them; CAF would
    // reserve them all before the first arrives.
    if (config.second > limits_.message_bytes) {
      refuse("message_bytes");
      config.second = 1;
    }
    scribe_impl::configure_read(config);
  }

  bool consume(caf::execution_unit* ctx, const void* data,
               std::size_t num_bytes) override {
    std::string_view bytes{static_cast<const char*>(data), num_bytes};
    if (metrics::enabled()) {
      traffic_->bytes_in.fetch_add(num_bytes, std::memory_order_relaxed);
      if (!awaiting_payload_)
        traffic_->messages_in.fetch_add(1, std::memory_order_relaxed);
    }
    // BASP reads a header, then the payload it claims if any: the same
    // order as CAF's broker, which reads exactly what is asked for.
    auto refused =
        awaiting_payload_ ? check_payload(bytes) : check_header(bytes);
    if (refused) {
      // Zeroed, the bytes decode as nothing CAF accepts: a header as an
      // invalid one (CAF closes the connection), a payload as nothing CAF
      // knows (dropped).
      std::memset(rd_buf().data(), 0, num_bytes);
      refuse(refused);
    }
    return scribe_impl::consume(ctx, data, num_bytes);
  }

  void flush() override {
    if (metrics::enabled())
      count_out(wr_buf());
    scribe_impl::flush();
  }

private:
  void refuse(const char* reason) {
    count_refusal(reason);
    ::shutdown(stream_.fd(), SHUT_RDWR);
  }

  /// Counts what CAF's broker wrote since the last flush.
  void count_out(const std::vector<char>& buf) {
    traffic_->bytes_out.fetch_add(buf.size(), std::memory_order_relaxed);
    traffic_->messages_out.fetch_add(out_.feed(buf.data(), buf.size()),
                                     std::memory_order_relaxed);
  }

  /// Why the header is refused, or nullptr; else what it claims comes next.
  const char* check_header(std::string_view bytes) {
    if (refuse_header(bytes, handshake_done_, limits_) != nullptr)
      return "header";
    auto hdr = read_basp_header(bytes);
    if (hdr.payload_len == 0)
      return nullptr;
    awaiting_payload_ = true;
    handshake_next_ = is_handshake(hdr);
    if (!handshake_done_) {
      if (!all_->handshake_claims.try_take(hdr.payload_len))
        return "handshake_bytes";
      handshake_claim_ = hdr.payload_len;
    }
    return nullptr;
  }

  const char* check_payload(std::string_view bytes) {
    awaiting_payload_ = false;
    all_->handshake_claims.give_back(handshake_claim_);
    handshake_claim_ = 0;
    if (handshake_next_ && !handshake_done_) {
      handshake_done_ = true;
      all_->deadlines.forget(this);
    }
    return refuse_payload(bytes) != nullptr ? "payload" : nullptr;
  }

  wire_limits limits_;
  // Shared: CAF may release a scribe after its multiplexer.
  std::shared_ptr<shared_guard> all_;
  bool awaiting_payload_ = false;
  bool handshake_next_ = false;
  bool handshake_done_ = false;
  std::size_t handshake_claim_ = 0;
  /// HOST:PORT of the peer; empty when refused at once (too many).
  std::string peer_;
  std::shared_ptr<detail::peer_traffic> traffic_ =
      std::make_shared<detail::peer_traffic>();
  detail::basp_stream_counter out_;
};

wire_limits limits_of(const caf::actor_system_config& cfg) {
  if (auto sasync_cfg = dynamic_cast<const system_config*>(&cfg))
    return sasync_cfg->wire;
  return {};
}

class guarded_multiplexer : public default_multiplexer {
public:
  explicit guarded_multiplexer(caf::actor_system* sys)
      : default_multiplexer(sys), limits_(limits_of(sys->config())),
        all_(std::make_shared<shared_guard>(limits_)) {
    // Holds the shared part: a scrape may run while the backend ends.
    collector_ = metrics::add_collector([all = all_] { all->peers.collect(); });
  }

  ~guarded_multiplexer() override {
    metrics::remove_collector(collector_);
    all_->deadlines.stop();
  }

  caf::io::scribe_ptr new_scribe(native_socket fd) override {
    caf::io::network::keepalive(fd, true);
    return caf::make_counted<guarded_scribe>(*this, fd, limits_, all_);
  }

private:
  wire_limits limits_;
  std::shared_ptr<shared_guard> all_;
  std::uint64_t collector_ = 0;
};

} // namespace

void load_guarded_middleman(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman, guarded_multiplexer>();
}

std::string check_limits(const wire_limits& limits) {
  if (limits.message_bytes < 4096 || limits.connections == 0)
    return "node.max-message-bytes must be at least 4096 and "
           "node.max-connections at least 1";
  if (limits.handshake_bytes < 1024)
    return "node.max-handshake-bytes must be at least 1024";
  if (limits.handshake_total_bytes < limits.handshake_bytes)
    return "node.max-handshake-total-bytes must be at least "
           "node.max-handshake-bytes";
  if (!(limits.handshake_timeout >= 0.1 && limits.handshake_timeout <= 3600))
    return "node.handshake-timeout must be from 0.1 to 3600 seconds";
  return {};
}

const char* refuse_payload(std::string_view payload) {
  // Each type name of a message follows a '+' (its list is "@<>+A+B"), so
  // one pass over the '+' finds them all, on every message a node reads.
  std::size_t nesting = 0;
  for (auto pos = payload.find('+'); pos != std::string_view::npos;
       pos = payload.find('+', pos + 1)) {
    auto rest = payload.substr(pos);
    if (starts_with(rest, "+@charbuf"))
      return "a byte vector (@charbuf), which CAF sizes as the message claims";
    if (starts_with(rest, "+@config_value"))
      return "a @config_value, which nests without a limit";
    for (auto type : system_message_types)
      if (starts_with(rest, type))
        return "a system message (exit, down, timeout or stream), which "
               "only CAF itself may send";
    for (auto type : nesting_types)
      if (starts_with(rest, type) && ++nesting > max_nesting_types)
        return "values that hold messages, nested deeper than sasync sends";
  }
  return nullptr;
}

} // namespace sasync
