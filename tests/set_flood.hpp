// A load-test client: a set for every name it is given, all sent at once,
// and one report once every set is answered.
#pragma once

#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace sasync::test {

/// What a flood of sets came back with.
struct flood_result {
  std::vector<std::string> acked; ///< sorted
  std::size_t overloaded = 0;
  std::vector<std::string> other_errors;
};

/// Sets `value` under every name of the vector it receives, all at once;
/// fulfils `out` once every set is answered, then quits.
inline caf::behavior
set_flood(caf::event_based_actor* self, items store, std::string value,
          std::shared_ptr<std::promise<flood_result>> out) {
  return {[=](const std::vector<std::string>& names) {
    auto result = std::make_shared<flood_result>();
    auto left = std::make_shared<std::size_t>(names.size());
    auto answered = [=] {
      if (--*left == 0) {
        std::sort(result->acked.begin(), result->acked.end());
        out->set_value(std::move(*result));
        self->quit();
      }
    };
    for (auto& name : names)
      set(
          self, store, name, value,
          [=] {
            result->acked.push_back(name);
            answered();
          },
          [=](caf::error& err) {
            if (is(err, errc::overloaded))
              ++result->overloaded;
            else
              result->other_errors.push_back(self->system().render(err));
            answered();
          });
  }};
}

} // namespace sasync::test
