// HOST:PORT addresses of nodes, as the CLI's --nodes and a cluster's
// members give them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sasync {

/// Where a node listens.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;

  std::string to_string() const { return host + ":" + std::to_string(port); }
  friend bool operator==(const endpoint& a, const endpoint& b) {
    return a.host == b.host && a.port == b.port;
  }
};

/// "HOST:PORT" (IPv6 hosts in brackets: "[::1]:4242"), or nullopt.
std::optional<endpoint> parse_endpoint(const std::string& text);

/// "HOST:PORT,HOST:PORT,..." in order, without duplicates. Empty entries,
/// a missing host and a port outside 1..65535 make the whole list bad:
/// the answer is then empty and `why` says which entry and why.
std::vector<endpoint> parse_endpoints(const std::string& text,
                                      std::string& why);

} // namespace sasync
