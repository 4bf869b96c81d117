// The metrics of a running sasyncd, read as a scraper would: its endpoint's
// port from its "metrics on HOST:PORT" line, GET /metrics over loopback,
// and one sample's value out of the text.
#pragma once

#include "child_process.hpp"

#include <chrono>
#include <cstdint>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sasync::test {

/// The port of the metrics endpoint that `daemon` prints next (`[metrics]
/// port=0`), or 0 if its next line within `bound` is not that.
inline std::uint16_t metrics_port_of(child_process& daemon,
                                     std::chrono::milliseconds bound) {
  auto line = daemon.read_line(bound);
  if (!line || line->rfind("metrics on ", 0) != 0)
    return 0;
  return static_cast<std::uint16_t>(
      std::stoi(line->substr(line->rfind(':') + 1)));
}

/// The body of GET /metrics at `port` on loopback (HTTP/1.0: the server
/// closes the connection after the answer), or empty.
inline std::string scrape_metrics(std::uint16_t port) {
  auto fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return {};
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval wait{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  std::string text;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0) {
    std::string ask = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, ask.data(), ask.size(), 0) ==
        static_cast<ssize_t>(ask.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return text;
}

/// The value of the sample `line` (name and labels) in `text`, or -1.
inline double sample(const std::string& text, const std::string& line) {
  auto at = text.find("\n" + line + " ");
  if (at == std::string::npos)
    return -1;
  return std::stod(text.substr(at + line.size() + 2));
}

} // namespace sasync::test
