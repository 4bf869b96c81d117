// What each network connection sent and received, for /metrics: counted by
// the wire guard (plain TCP) and by the TLS session hooks (tls_traffic.cpp),
// shown per peer address while the connection lives.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace sasync::detail {

/// What one connection sent and received; counted while metrics are
/// enabled, on the multiplexer's thread, read at scrapes.
struct peer_traffic {
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
};

/// The connections alive, by peer address (HOST:PORT), and the series a
/// scrape last showed for them, so a peer's series go when its connection
/// does.
class peer_table {
public:
  void add(const std::string& peer, std::shared_ptr<peer_traffic> t);

  void drop(const std::string& peer);

  /// Sets each live peer's series and removes those of peers gone.
  void collect();

private:
  std::mutex mtx_;
  std::map<std::string, std::shared_ptr<peer_traffic>> alive_;
  std::set<std::string> shown_;
};

/// Counts the BASP messages in one direction of a connection's byte
/// stream: each is a header and the payload it claims, in pieces of any
/// size.
class basp_stream_counter {
public:
  /// The messages whose headers end in these bytes.
  std::uint64_t feed(const char* bytes, std::size_t size);

private:
  /// Payload bytes still to come of the last message.
  std::uint64_t skip_ = 0;
  /// The bytes of a header so far.
  std::string header_;
};

} // namespace sasync::detail
