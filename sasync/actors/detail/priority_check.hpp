// A request's priority checked where it arrives, before it changes
// anything: the same refusal the transaction queue gives (invalid_argument).
#pragma once

#include "sasync/actors/errc.hpp"
#include "sasync/actors/priority.hpp"

#include <caf/error.hpp>

#include <string>

namespace sasync::detail {

/// invalid_argument when the niceness of `p` is outside -20..20, else none.
inline caf::error check_priority(priority p) {
  if (p.level > priority::tier::last) // from a peer: no such tier
    return make_error(errc::invalid_argument, "unknown priority tier " +
                                                  std::to_string(int(p.level)));
  if (valid(p))
    return {};
  return make_error(errc::invalid_argument,
                    "niceness " + std::to_string(int{p.niceness}) +
                        " is outside -20..20");
}

} // namespace sasync::detail
