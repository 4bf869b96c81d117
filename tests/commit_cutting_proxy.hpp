// A TCP proxy on loopback in front of the PostgreSQL server that forwards
// every byte both ways and, when armed, lets one COMMIT (or another marked
// message) through and then drops the server's answer and closes both
// sides: the client's COMMIT reached the server, but the client never
// learns how it went. No mock
// can tell sasync's connection that so truthfully; the server stays real.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sasync::test {

class commit_cutting_proxy {
public:
  /// Listens on a free loopback port; forwards to 127.0.0.1:`upstream`.
  explicit commit_cutting_proxy(std::uint16_t upstream) : upstream_(upstream) {
    // Close-on-exec throughout: a program the test starts must not hold a
    // copy of a socket, or closing it here would not end the connection.
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof(addr);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ||
        ::listen(listener_, 64) ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len))
      throw std::runtime_error("the proxy cannot listen");
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  commit_cutting_proxy(const commit_cutting_proxy&) = delete;
  commit_cutting_proxy& operator=(const commit_cutting_proxy&) = delete;

  ~commit_cutting_proxy() {
    stop_ = true;
    acceptor_.join();
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& t : pipes_)
      t.join();
    ::close(listener_);
  }

  std::uint16_t port() const noexcept { return port_; }

  /// The next client packet that holds `marker` (a statement's text or a
  /// parameter's) is cut off from its answer. Set before the work starts.
  void arm(std::string marker = "COMMIT") {
    marker_ = std::move(marker);
    armed_ = true;
  }

  /// How many packets were cut off from their answer.
  int cuts() const noexcept { return cuts_; }

  /// How many client packets holding a COMMIT passed, cut or not.
  int commits() const noexcept { return commits_; }

  /// How many client packets holding a BEGIN passed.
  int begins() const noexcept { return begins_; }

  /// Client connections accepted so far.
  int connections() const noexcept { return connections_; }

private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  void accept_loop() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        continue;
      int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0)
        continue;
      int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      auto addr = loopback(upstream_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))) {
        ::close(server);
        ::close(client);
        continue;
      }
      ++connections_;
      std::lock_guard<std::mutex> guard{mtx_};
      pipes_.emplace_back([this, client, server] { pipe(client, server); });
    }
  }

  /// Moves bytes both ways until either side closes, the proxy stops, or
  /// the server answers a packet that was armed to be cut.
  void pipe(int client, int server) {
    bool cutting = false;
    char buf[65536];
    while (!stop_) {
      pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0)
        continue;
      if (p[0].revents) {
        auto n = ::recv(client, buf, sizeof(buf), 0);
        if (n <= 0)
          break;
        std::string_view bytes{buf, static_cast<std::size_t>(n)};
        if (bytes.find("COMMIT") != std::string_view::npos)
          ++commits_;
        if (bytes.find("BEGIN") != std::string_view::npos)
          ++begins_;
        if (armed_ && bytes.find(marker_) != std::string_view::npos &&
            armed_.exchange(false)) {
          cutting = true;
          ++cuts_;
        }
        if (!send_all(server, buf, n))
          break;
      }
      if (p[1].revents) {
        auto n = ::recv(server, buf, sizeof(buf), 0);
        // The server has answered the COMMIT (so it committed): the client
        // hears nothing of it, only the connection closing.
        if (n <= 0 || cutting)
          break;
        if (!send_all(client, buf, n))
          break;
      }
    }
    ::close(client);
    ::close(server);
  }

  static bool send_all(int fd, const char* data, ssize_t n) {
    while (n > 0) {
      auto sent = ::send(fd, data, static_cast<std::size_t>(n), MSG_NOSIGNAL);
      if (sent <= 0)
        return false;
      data += sent;
      n -= sent;
    }
    return true;
  }

  std::uint16_t upstream_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> armed_{false};
  std::atomic<int> cuts_{0};
  std::atomic<int> commits_{0};
  std::atomic<int> begins_{0};
  /// Written by arm() before the work it cuts starts, read after armed_.
  std::string marker_;
  std::atomic<int> connections_{0};
  std::mutex mtx_;
  std::vector<std::thread> pipes_;
  std::thread acceptor_;
};

} // namespace sasync::test
