// sasyncd's /metrics: the process's metrics (sasync/storage/metrics.hpp) in
// Prometheus' text format over HTTP, served by cpp-httplib on threads of
// its own, with the broker's status read at every scrape.
#pragma once

#include "sasync/actors/broker.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace sasync {

class metrics_endpoint {
public:
  /// Listens on host:port (0: a free port) and serves GET /metrics; the
  /// reason in words when it cannot listen. Turns the hot path's metrics
  /// on.
  static std::unique_ptr<metrics_endpoint>
  start(caf::actor_system& sys, broker db, const std::string& host,
        std::uint16_t port, std::string& why);

  /// Stops serving and joins its threads.
  ~metrics_endpoint();

  std::uint16_t port() const noexcept;

  struct impl;

private:
  explicit metrics_endpoint(std::unique_ptr<impl> x);
  std::unique_ptr<impl> impl_;
};

} // namespace sasync
