// What a broker reports about itself.
#pragma once

#include "sasync/actors/queue/queue_status.hpp"

#include <string>

namespace sasync {

struct broker_status {
  std::string state;   ///< idle, starting, running, draining, stopped
  std::string backend; ///< the engine URL, password masked
  queue_status queue;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broker_status& x) {
  return f(x.state, x.backend, x.queue);
}

} // namespace sasync
