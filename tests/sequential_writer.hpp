// A load-test client: one set after another on an items actor, each
// answer reported to the test, which says whether to go on.
#pragma once

#include "sasync/actors/client.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace sasync::test {

/// How a set went: the error is empty on success. Returns whether to send
/// the next one.
using answer_fn =
    std::function<bool(const std::string& name, const caf::error& err,
                       std::chrono::steady_clock::duration waited)>;

/// Sets `prefix`0, `prefix`1, ... (the value is the number) one after
/// another until `answered` says stop; then quits.
inline void sequential_writer(caf::event_based_actor* self, items store,
                              std::string prefix, answer_fn answered) {
  auto next = std::make_shared<std::function<void(std::int64_t)>>();
  *next = [=](std::int64_t n) {
    auto name = prefix + std::to_string(n);
    auto sent = std::chrono::steady_clock::now();
    auto report = [=](const caf::error& err) {
      if (answered(name, err, std::chrono::steady_clock::now() - sent)) {
        (*next)(n + 1);
      } else {
        *next = nullptr; // ends the cycle through the closure
        self->quit();
      }
    };
    set(
        self, store, name, n, [=] { report(caf::error{}); },
        [=](caf::error& err) { report(err); },
        caf::duration{std::chrono::seconds(60)});
  };
  (*next)(0);
}

} // namespace sasync::test
