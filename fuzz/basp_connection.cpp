// Fuzzes what a peer's bytes do to a node: each input is the byte stream of
// one plain TCP connection (BASP headers, handshakes and messages as a peer
// would send them), sent over loopback to a CAF 0.17 middleman in this
// process, guarded as sasyncd's is, with an actor published. The wire guard
// sees the bytes first; what it lets through reaches CAF's own BASP broker
// (header checks, handshakes, message dispatch) on the multiplexer thread.
// A crash or a hang anywhere there is a finding.
#include "sasync/actors/net/wire_guard.hpp"
#include "sasync/actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

struct node_config : sasync::system_config {
  node_config() {
    sasync::load_guarded_middleman(*this);
    wire.handshake_timeout = 30; // longer than an input may take
  }
};

/// The node, started once and kept for every input.
struct node {
  node_config cfg;
  caf::actor_system sys{cfg};
  std::uint16_t port = 0;

  node() {
    // An argument, so that CAF keeps one in a tuple: with none, its
    // spawn binds a reference to an empty pointer (UBSan reports it).
    auto echo = sys.spawn(
        [](caf::event_based_actor*, int) -> caf::behavior {
          return {[](int x) { return x; },
                  [](const std::string& x) { return x; }};
        },
        0);
    auto published = sys.middleman().publish(echo, 0, "127.0.0.1", true);
    if (!published) {
      std::fprintf(stderr, "cannot publish: %s\n",
                   sys.render(published.error()).c_str());
      std::abort();
    }
    port = *published;
  }
};

node& the_node() {
  // Lives until the process ends: its threads still run at exit, so the
  // process ends without running destructors under them.
  static auto* instance = [] {
    std::atexit([] { std::_Exit(0); });
    return new node;
  }();
  return *instance;
}

/// Connects `fd` to `addr`. libFuzzer's timeout alarm may interrupt a
/// connect that waits for the node to accept; the connection then goes on
/// in the background, so wait for it instead of calling that a failure (a
/// node that never accepts is caught by libFuzzer's timeout as a hang).
bool connected(int fd, const sockaddr_in& addr) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr))
      == 0)
    return true;
  if (errno != EINTR)
    return false;
  pollfd p{fd, POLLOUT, 0};
  while (::poll(&p, 1, -1) < 0)
    if (errno != EINTR)
      return false;
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
    return false;
  errno = error;
  return error == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  auto port = the_node().port;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!connected(fd, addr)) {
    std::perror("connect to the node"); // it died: a finding
    std::abort();
  }
  // The node may close the connection before taking every byte.
  for (std::size_t sent = 0; sent < size;) {
    auto n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  // Read what the node answers until it closes, as it does once the input
  // ended; after many inputs CAF's broker sometimes closes one late, which
  // is no crash: the connection is then closed from here after 5 s.
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5'000) <= 0) {
      std::fprintf(stderr, "the node kept a finished connection open 5 s\n");
      break;
    }
    if (::recv(fd, buf, sizeof(buf), 0) <= 0)
      break;
  }
  ::close(fd);
  return 0;
}
