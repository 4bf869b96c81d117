// Requests that arrive together in one message and are answered together in
// one. A node relays a client's per-name requests to a group actor in one
// message (net/detail/relay.hpp); one message each, and one answer each,
// cost the node more than the operations. The group actor handles each
// request as if it came alone, but the promise each handler keeps
// (kept_promise.hpp) fills a slot here instead of answering; the last slot
// filled sends every answer at once.
#pragma once

#include <caf/atom.hpp>
#include <caf/message.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace sasync::detail {

/// The answers of requests that came in one message, in their order.
class gathered_answers {
public:
  using on_all = std::function<void(std::vector<caf::message>&&)>;

  gathered_answers(std::size_t n, on_all done)
      : answers_(n), waiting_(n + 1), done_(std::move(done)) {}

  /// Request `i`'s answer (an empty message for one of no result); once
  /// each.
  void settle(std::size_t i, caf::message answer) {
    answers_[i] = std::move(answer);
    one_less();
  }

  /// Called once every request was handed out: the one extra count keeps
  /// answers settled while handing out from sending too early.
  void handed_out() { one_less(); }

private:
  void one_less() {
    if (--waiting_ == 0)
      done_(std::move(answers_));
  }

  std::vector<caf::message> answers_;
  std::size_t waiting_;
  on_all done_;
};

/// Where one gathered request's answer goes.
struct gathered_slot {
  std::shared_ptr<gathered_answers> answers;
  std::size_t index = 0;
  /// The request's kind for /metrics (request_metrics.hpp): its message
  /// did not arrive on its own.
  caf::atom_value kind{};

  explicit operator bool() const noexcept { return answers != nullptr; }
};

/// The slot the request now being handled on this thread answers into,
/// if it came gathered: set by answering_into for one handler call, and
/// taken by the first promise the handler keeps.
gathered_slot& current_gathered_slot();

/// For one handler call: its request answers into `slot`.
class answering_into {
public:
  explicit answering_into(gathered_slot slot) {
    current_gathered_slot() = std::move(slot);
  }
  ~answering_into() { current_gathered_slot() = {}; }
  answering_into(const answering_into&) = delete;
  answering_into& operator=(const answering_into&) = delete;
};

} // namespace sasync::detail
