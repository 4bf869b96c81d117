// One plain TCP connection, bounded in time, closed before returning.
#include "sasync/actors/net/refusal.hpp"

#include <cerrno>
#include <chrono>
#include <memory>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sasync {

namespace {

enum class answer { bytes, closed, silent, unknown };

/// What the node does within `wait_ms` of a plain connection.
answer probe(const std::string& host, std::uint16_t port, int wait_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints,
                    &found) != 0)
    return answer::unknown;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addrs{found,
                                                             &::freeaddrinfo};
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return answer::unknown;
  auto close_fd = [](int* x) { ::close(*x); };
  std::unique_ptr<int, decltype(close_fd)> owned{&fd, close_fd};
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  auto left = [&] {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    return static_cast<int>(ms < 0 ? 0 : ms);
  };
  if (::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    if (errno != EINPROGRESS)
      return answer::unknown;
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof(err);
    if (::poll(&p, 1, left()) <= 0 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
      return answer::unknown;
  }
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    auto ready = ::poll(&p, 1, left());
    if (ready == 0)
      return answer::silent;
    if (ready < 0 && errno != EINTR)
      return answer::unknown;
    if (ready < 0)
      continue;
    char byte;
    auto n = ::recv(fd, &byte, 1, 0);
    if (n > 0)
      return answer::bytes;
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
      return answer::closed;
  }
}

} // namespace

std::string why_refused(const std::string& host, std::uint16_t port, bool tls,
                        int wait_ms) {
  switch (probe(host, port, wait_ms)) {
  case answer::bytes:
    return tls ? "the node talks plain TCP, not TLS: connect without a "
                 "certificate"
               : std::string{};
  case answer::closed:
    return "the node refused the connection: it has as many as its "
           "max-connections allows";
  case answer::silent:
    return tls ? "the node talks TLS and refused this client's certificate "
                 "(is it signed by the node's CA, and the node's by this "
                 "CA?)"
               : "the node talks TLS only: connect with a certificate, its "
                 "key and the CA (--tls-cert, --tls-key, --tls-ca); or it "
                 "is stopped and answers nothing";
  default:
    return {};
  }
}

} // namespace sasync
