// `sasync status` as text for people and as JSON for scripts: one list of
// fields, so the two forms always say the same.
#pragma once

#include "sasync/actors/broker_status.hpp"

#include <string>

namespace sasync::cli {

/// The status as lines of `name: value`.
std::string status_text(const broker_status& st);

/// The status as one JSON object (and a newline) with the same fields.
std::string status_json(const broker_status& st);

} // namespace sasync::cli
