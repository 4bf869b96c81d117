#include "metrics_endpoint.hpp"

#include "sasync/actors/broker_status.hpp"
#include "sasync/actors/detail/alive_gauge.hpp"
#include "sasync/storage/metrics.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <httplib.h>

#include <chrono>
#include <sys/socket.h>
#include <thread>

namespace sasync {

namespace {

/// How long a scrape waits for the broker's status; a scrape then answers
/// without it (sasync_up 0) rather than hang.
constexpr auto status_wait = std::chrono::seconds{2};

void set_queue_figures(const broker_status& s) {
  using metrics::counter_of;
  using metrics::gauge_of;
  auto& q = s.queue;
  gauge_of("sasync_queue_waiting", "Jobs waiting in the transaction queue.")
      .set(static_cast<double>(q.waiting));
  gauge_of("sasync_queue_running", "Jobs running on a connection now.")
      .set(static_cast<double>(q.running));
  gauge_of("sasync_queue_capacity",
           "Waiting jobs beyond which new work is refused as overloaded.")
      .set(static_cast<double>(q.capacity));
  auto connections = [](const char* state) -> metrics::gauge& {
    return gauge_of("sasync_connections",
                    "Database connections: open, idle, or lent to a cursor.",
                    {{"state", state}});
  };
  connections("open").set(static_cast<double>(q.connections));
  connections("idle").set(static_cast<double>(q.idle));
  connections("lent").set(static_cast<double>(q.leased));
  counter_of("sasync_transactions_total",
             "Transactions the connections ran (each commits a batch of "
             "jobs).")
      .set(q.batches);
  counter_of("sasync_statements_prepared_total",
             "Statements prepared: misses of the connections' statement "
             "caches.")
      .set(q.prepared);
}

/// Reads the broker's status into the registry; sasync_up says whether it
/// answered.
void collect_broker(caf::actor_system& sys, const broker& db) {
  auto& up = metrics::gauge_of(
      "sasync_up", "1 when the broker answered this scrape's status request.");
  caf::scoped_actor self{sys};
  self->request(db, status_wait, status_atom::value)
      .receive(
          [&](broker_status& s) {
            up.set(1);
            set_queue_figures(s);
          },
          [&](caf::error&) { up.set(0); });
}

} // namespace

struct metrics_endpoint::impl {
  httplib::Server server;
  std::thread thread;
  std::uint16_t port = 0;
  std::uint64_t collector = 0;
};

std::unique_ptr<metrics_endpoint>
metrics_endpoint::start(caf::actor_system& sys, broker db,
                        const std::string& host, std::uint16_t port,
                        std::string& why) {
  auto x = std::make_unique<impl>();
  x->server.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics::scrape(), "text/plain; version=0.0.4");
  });
  x->server.set_payload_max_length(64 * 1024);
  // cpp-httplib's default adds SO_REUSEPORT, with which a second sasyncd
  // would share a taken port instead of failing; SO_REUSEADDR only lets a
  // restart bind while the last run's connections are in TIME-WAIT.
  x->server.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  int bound = port == 0 ? x->server.bind_to_any_port(host)
                        : (x->server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    why = "cannot listen for metrics on " + host + ":" + std::to_string(port);
    return nullptr;
  }
  x->port = static_cast<std::uint16_t>(bound);
  x->collector = metrics::add_collector([&sys, db] {
    collect_broker(sys, db);
    metrics::collect_process_figures();
  });
  detail::declare_alive_gauges();
  metrics::enable(true);
  x->thread = std::thread{[srv = &x->server] { srv->listen_after_bind(); }};
  // A stop() before the server runs would be lost, and its thread never
  // joined: hand it out running.
  for (int i = 0; i < 5000 && !x->server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  return std::unique_ptr<metrics_endpoint>{new metrics_endpoint(std::move(x))};
}

metrics_endpoint::metrics_endpoint(std::unique_ptr<impl> x)
    : impl_(std::move(x)) {
}

metrics_endpoint::~metrics_endpoint() {
  metrics::remove_collector(impl_->collector);
  impl_->server.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

std::uint16_t metrics_endpoint::port() const noexcept {
  return impl_->port;
}

} // namespace sasync
