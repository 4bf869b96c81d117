// Loopback ports for tests that need one free, or one nothing listens on.
#pragma once

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sasync::test {

/// A loopback socket bound to a free port; -1 if there is none.
inline int bound_socket(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if (fd < 0 || ::bind(fd, sa, sizeof addr) != 0 ||
      ::getsockname(fd, sa, &len) != 0) {
    if (fd >= 0)
      ::close(fd);
    return -1;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

/// A loopback port nothing listens on: bound, then closed again.
inline std::string closed_port() {
  std::uint16_t port = 0;
  int fd = bound_socket(port);
  CAF_REQUIRE(fd >= 0);
  ::close(fd);
  return std::to_string(port);
}

} // namespace sasync::test
