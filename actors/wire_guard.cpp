// The guarded network backend: CAF's own, with scribes (one per TCP
// connection) that check what the BASP broker asks them to read.
#include "actors/wire_guard.hpp"

#include "actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/scribe_impl.hpp>

#include <atomic>
#include <cstring>
#include <memory>

#include <sys/socket.h>

namespace sasync {

namespace {

using caf::io::network::default_multiplexer;
using caf::io::network::native_socket;

/// Type names whose values can hold a message, and so nest: CAF's message,
/// error (its context), down, exit and stream messages, and sasync's list of
/// errors. A message names each level's type again, so the count bounds the
/// depth CAF's decoder recurses to.
constexpr std::string_view nesting_types[] = {
    "+@message",      "+@error",           "+@down",
    "+@exit",         "+@open_stream_msg", "+@downstream_msg",
    "+@upstream_msg", "+@group_down",      "+std::vector<caf::error>",
};

/// More than sasync's messages ever hold (an error answer has one).
constexpr std::size_t max_nesting_types = 64;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

/// Every connection open through the backend.
struct connection_count {
  std::atomic<std::size_t> open{0};
};

/// A scribe that refuses, by closing its socket, a read larger than the
/// message limit and a message refuse_payload() objects to. Closing the
/// socket lets CAF notice the end of the connection as it would any other
/// and clean up after it.
class guarded_scribe : public caf::io::network::scribe_impl {
public:
  guarded_scribe(default_multiplexer& mx, native_socket fd,
                 const wire_limits& limits,
                 std::shared_ptr<connection_count> count)
      : scribe_impl(mx, fd), limits_(limits), count_(std::move(count)) {
    if (++count_->open > limits_.connections)
      refuse();
  }

  ~guarded_scribe() override { --count_->open; }

  void configure_read(caf::io::receive_policy::config config) override {
    // BASP asks for a message's bytes as the header claims them; CAF would
    // reserve them all before the first arrives.
    if (config.second > limits_.message_bytes) {
      refuse();
      config.second = 1;
    }
    scribe_impl::configure_read(config);
  }

  bool consume(caf::execution_unit* ctx, const void* data,
               std::size_t num_bytes) override {
    std::string_view bytes{static_cast<const char*>(data), num_bytes};
    if (refuse_payload(bytes) != nullptr) {
      // Zeroed, the bytes decode as nothing CAF knows and are dropped.
      std::memset(rd_buf().data(), 0, num_bytes);
      refuse();
    }
    return scribe_impl::consume(ctx, data, num_bytes);
  }

private:
  void refuse() { ::shutdown(stream_.fd(), SHUT_RDWR); }

  wire_limits limits_;
  // Shared: CAF may release a scribe after its multiplexer.
  std::shared_ptr<connection_count> count_;
};

wire_limits limits_of(const caf::actor_system_config& cfg) {
  if (auto sasync_cfg = dynamic_cast<const system_config*>(&cfg))
    return sasync_cfg->wire;
  return {};
}

class guarded_multiplexer : public default_multiplexer {
public:
  explicit guarded_multiplexer(caf::actor_system* sys)
      : default_multiplexer(sys), limits_(limits_of(sys->config())) {}

  caf::io::scribe_ptr new_scribe(native_socket fd) override {
    caf::io::network::keepalive(fd, true);
    return caf::make_counted<guarded_scribe>(*this, fd, limits_, count_);
  }

private:
  wire_limits limits_;
  std::shared_ptr<connection_count> count_ =
      std::make_shared<connection_count>();
};

} // namespace

void load_guarded_middleman(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman, guarded_multiplexer>();
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
    for (auto type : nesting_types)
      if (starts_with(rest, type) && ++nesting > max_nesting_types)
        return "values that hold messages, nested deeper than sasync sends";
  }
  return nullptr;
}

} // namespace sasync
