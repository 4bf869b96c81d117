// Display of priorities.
#include "sasync/actors/priority.hpp"

namespace sasync {

std::string to_string(priority p) {
  switch (p.level) {
  case priority::tier::next:
    return "do_next";
  case priority::tier::last:
    return "do_last";
  default:
    return "niceness(" + std::to_string(int{p.niceness}) + ")";
  }
}

} // namespace sasync
