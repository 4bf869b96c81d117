#include "sasync/actors/detail/gathered_answers.hpp"

namespace sasync::detail {

gathered_slot& current_gathered_slot() {
  // Per thread: a handler runs on one, start to end.
  thread_local gathered_slot slot;
  return slot;
}

} // namespace sasync::detail
