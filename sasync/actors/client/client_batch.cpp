// The blocking batch helpers.
#include "sasync/actors/client/client_batch.hpp"

namespace sasync {

caf::expected<std::vector<batch_result>>
batch(caf::scoped_actor& self, const node& db, std::vector<batch_op> ops,
      client_timeout timeout, priority prio) {
  return detail::call<std::vector<batch_result>>(
      self, db, timeout, detail::gone_means::shut_down, batch_atom::value,
      std::move(ops), prio);
}

caf::expected<std::vector<batch_result>>
batch(caf::scoped_actor& self, const node& db, const batch_builder& ops,
      client_timeout timeout, priority prio) {
  if (ops.error())
    return ops.error();
  return batch(self, db, ops.ops(), timeout, prio);
}

} // namespace sasync
