// Delivering a void response promise, which CAF 0.17's typed promise cannot
// do by itself (its deliver needs at least one value).
#pragma once

#include <caf/response_promise.hpp>
#include <caf/typed_response_promise.hpp>
#include <caf/unit.hpp>

namespace sasync::detail {

inline void deliver_done(caf::typed_response_promise<void>& rp) {
  static_cast<caf::response_promise&>(rp).deliver(caf::unit);
}

} // namespace sasync::detail
