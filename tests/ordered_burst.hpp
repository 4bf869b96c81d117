// A burst of requests to one items actor sent all at once, as many clients
// would send them: what the relays between a client and a node must carry
// without losing a request or its order on a name.
#pragma once

#include "sasync/actors/atoms.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/storage/value_codec.hpp"
#include "sasync/storage/versioned_value.hpp"

#include <caf/actor_system.hpp>
#include <caf/duration.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sasync::test {

/// What the burst came to.
struct burst_outcome {
  int acknowledged = 0; ///< sets answered without an error
  int gets = 0;
  int in_order = 0;          ///< gets that saw the set sent just before them
  std::string first_error;   ///< of any request, rendered; empty if none
  std::string first_misread; ///< what the first get out of order saw
};

/// Sends `sets` sets of new names (`k0`, `k1`, ...), each followed by a set
/// of the name `last` to the same number, and after every hundredth a
/// versioned get of `last`: a request that goes on its own, between
/// relays, and must see the set sent before it. Then waits for every
/// answer, each within `bound`.
inline burst_outcome send_ordered_burst(caf::scoped_actor& self,
                                        const items& store, int sets,
                                        caf::duration bound) {
  using set_handle = decltype(self->request(store, bound, set_atom::value,
                                            std::string{}, stored_value{}));
  using get_handle = decltype(self->request(
      store, bound, get_atom::value, std::string{}, version_atom::value));
  std::vector<set_handle> set_handles;
  std::vector<std::pair<int, get_handle>> get_handles;
  for (int i = 0; i < sets; ++i) {
    set_handles.push_back(self->request(store, bound, set_atom::value,
                                        "k" + std::to_string(i),
                                        encode(std::int64_t{i})));
    set_handles.push_back(self->request(store, bound, set_atom::value,
                                        std::string{"last"},
                                        encode(std::int64_t{i})));
    if (i % 100 == 0)
      get_handles.emplace_back(i, self->request(store, bound, get_atom::value,
                                                std::string{"last"},
                                                version_atom::value));
  }
  burst_outcome out;
  auto failed = [&](caf::error& e) {
    if (out.first_error.empty())
      out.first_error = self->system().render(e);
  };
  for (auto& h : set_handles)
    h.receive([&] { ++out.acknowledged; }, failed);
  for (auto& [i, h] : get_handles) {
    ++out.gets;
    h.receive(
        [&, i = i](caf::optional<versioned_value>& x) {
          auto seen = x ? decode<std::int64_t>(x->value) : -1;
          if (seen == i)
            ++out.in_order;
          else if (out.first_misread.empty())
            out.first_misread = "the get after set " + std::to_string(i) +
                                " saw " + std::to_string(seen);
        },
        failed);
  }
  return out;
}

} // namespace sasync::test
