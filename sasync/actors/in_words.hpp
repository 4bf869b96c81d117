// CAF's own errors in words a person understands.
#pragma once

#include <caf/fwd.hpp>

#include <string>

namespace sasync {

/// `err` as a person would say it: CAF's own errors (which CAF renders as
/// `system_error(...)` or `exit_reason(...)`) in words, others as `sys`
/// renders them.
std::string in_words(const caf::actor_system& sys, const caf::error& err);

} // namespace sasync
