// CAF's session::read_some, session::write_some and session::~session,
// defined again under their own (mangled) names: a program's definition of
// a function of a shared library comes first for that library's calls too
// (they go through its PLT), and each finds CAF's own with RTLD_NEXT. The
// Itanium C++ ABI passes `this` as the first argument, and the destructor
// here only forgets the session before CAF's destroys it.
#include "sasync/actors/net/tls_traffic.hpp"

#include "sasync/actors/net/detail/next_definition.hpp"
#include "sasync/actors/net/detail/peer_traffic.hpp"
#include "sasync/storage/metrics.hpp"

#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/rw_state.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

using caf::io::network::native_socket;
using caf::io::network::rw_state;
using sasync::detail::next_definition;

using read_fn = rw_state (*)(void*, std::size_t&, native_socket, void*,
                             std::size_t);
using write_fn = rw_state (*)(void*, std::size_t&, native_socket, const void*,
                              std::size_t);
using destroy_fn = void (*)(void*);

constexpr const char* read_name = "_ZN3caf7openssl7session9read_someERmiPvm";
constexpr const char* write_name =
    "_ZN3caf7openssl7session10write_someERmiPKvm";
constexpr const char* destroy_name = "_ZN3caf7openssl7sessionD1Ev";

/// One TLS connection's counts.
struct tls_connection {
  std::string peer;
  std::shared_ptr<sasync::detail::peer_traffic> traffic =
      std::make_shared<sasync::detail::peer_traffic>();
  sasync::detail::basp_stream_counter in;
  sasync::detail::basp_stream_counter out;
};

/// Every TLS connection seen while metrics are enabled, by its session.
class tls_connections {
public:
  tls_connections() {
    sasync::metrics::add_collector([this] { peers_.collect(); });
  }

  void count(const void* session, native_socket fd, const void* bytes,
             std::size_t size, bool inbound) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = by_session_.find(session);
    if (i == by_session_.end()) {
      auto addr = caf::io::network::remote_addr_of_fd(fd);
      auto port = caf::io::network::remote_port_of_fd(fd);
      if (!addr || !port)
        return;
      auto c = std::make_unique<tls_connection>();
      c->peer = *addr + ":" + std::to_string(*port);
      peers_.add(c->peer, c->traffic);
      i = by_session_.emplace(session, std::move(c)).first;
    }
    auto& c = *i->second;
    auto data = static_cast<const char*>(bytes);
    if (inbound) {
      c.traffic->bytes_in.fetch_add(size, std::memory_order_relaxed);
      c.traffic->messages_in.fetch_add(c.in.feed(data, size),
                                       std::memory_order_relaxed);
    } else {
      c.traffic->bytes_out.fetch_add(size, std::memory_order_relaxed);
      c.traffic->messages_out.fetch_add(c.out.feed(data, size),
                                        std::memory_order_relaxed);
    }
  }

  void forget(const void* session) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = by_session_.find(session); i != by_session_.end()) {
      peers_.drop(i->second->peer);
      by_session_.erase(i);
    }
  }

private:
  std::mutex mtx_;
  std::unordered_map<const void*, std::unique_ptr<tls_connection>>
      by_session_;
  sasync::detail::peer_table peers_;
};

/// Made at the first count, never destroyed: sessions may end while the
/// program exits.
tls_connections& connections() {
  static auto* all = new tls_connections;
  return *all;
}

} // namespace

// Global, with external linkage and CAF's names: the definitions CAF's
// calls reach.
rw_state sasync_tls_read_some(void* session, std::size_t& result,
                              native_socket fd, void* buf, std::size_t len)
    __asm__("_ZN3caf7openssl7session9read_someERmiPvm");
rw_state sasync_tls_write_some(void* session, std::size_t& result,
                               native_socket fd, const void* buf,
                               std::size_t len)
    __asm__("_ZN3caf7openssl7session10write_someERmiPKvm");
void sasync_tls_session_destroyed(void* session)
    __asm__("_ZN3caf7openssl7sessionD1Ev");

rw_state sasync_tls_read_some(void* session, std::size_t& result,
                              native_socket fd, void* buf, std::size_t len) {
  static auto next = next_definition<read_fn>(read_name);
  auto state = next(session, result, fd, buf, len);
  if (state == rw_state::success && result > 0 && sasync::metrics::enabled())
    connections().count(session, fd, buf, result, true);
  return state;
}

rw_state sasync_tls_write_some(void* session, std::size_t& result,
                               native_socket fd, const void* buf,
                               std::size_t len) {
  static auto next = next_definition<write_fn>(write_name);
  auto state = next(session, result, fd, buf, len);
  if (state == rw_state::success && result > 0 && sasync::metrics::enabled())
    connections().count(session, fd, buf, result, false);
  return state;
}

void sasync_tls_session_destroyed(void* session) {
  static auto next = next_definition<destroy_fn>(destroy_name);
  if (sasync::metrics::enabled())
    connections().forget(session);
  next(session);
}

namespace sasync {

void keep_tls_traffic_counted() {
  // The reference to this function pulls the definitions above into the
  // program.
}

} // namespace sasync
