#include "sasync/actors/net/detail/peer_traffic.hpp"

#include "sasync/actors/net/wire_header.hpp"
#include "sasync/storage/metrics.hpp"

#include <algorithm>

namespace sasync::detail {

namespace {

constexpr const char* bytes_family = "sasync_peer_bytes_total";
constexpr const char* messages_family = "sasync_peer_messages_total";

metrics::labels labels_of(const std::string& peer, const char* direction) {
  return {{"peer", peer}, {"direction", direction}};
}

void show(const std::string& peer, const char* direction,
          const std::atomic<std::uint64_t>& bytes,
          const std::atomic<std::uint64_t>& messages) {
  metrics::counter_of(bytes_family,
                      "Bytes over a connection alive, by peer address and "
                      "direction.",
                      labels_of(peer, direction))
      .set(bytes.load(std::memory_order_relaxed));
  metrics::counter_of(messages_family,
                      "Network messages (BASP) over a connection alive, by "
                      "peer address and direction.",
                      labels_of(peer, direction))
      .set(messages.load(std::memory_order_relaxed));
}

} // namespace

void peer_table::add(const std::string& peer,
                     std::shared_ptr<peer_traffic> t) {
  std::lock_guard<std::mutex> guard{mtx_};
  alive_[peer] = std::move(t);
}

void peer_table::drop(const std::string& peer) {
  std::lock_guard<std::mutex> guard{mtx_};
  alive_.erase(peer);
}

void peer_table::collect() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::set<std::string> now;
  for (auto& [peer, t] : alive_) {
    now.insert(peer);
    show(peer, "in", t->bytes_in, t->messages_in);
    show(peer, "out", t->bytes_out, t->messages_out);
  }
  for (auto& peer : shown_)
    if (now.count(peer) == 0)
      for (auto direction : {"in", "out"}) {
        metrics::remove(bytes_family, labels_of(peer, direction));
        metrics::remove(messages_family, labels_of(peer, direction));
      }
  shown_ = std::move(now);
}

std::uint64_t basp_stream_counter::feed(const char* bytes, std::size_t size) {
  std::uint64_t messages = 0;
  while (size > 0) {
    if (skip_ > 0) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, size));
      skip_ -= n;
      bytes += n;
      size -= n;
      continue;
    }
    auto n = std::min(basp_header_bytes - header_.size(), size);
    header_.append(bytes, n);
    bytes += n;
    size -= n;
    if (header_.size() == basp_header_bytes) {
      ++messages;
      skip_ = read_basp_header(header_).payload_len;
      header_.clear();
    }
  }
  return messages;
}

} // namespace sasync::detail
