// A group actor's point operations on their way to the transaction queue.
// Many clients' gets and sets reach a group actor together; one message to
// the queue per operation (and one answer back) costs more CPU than the
// statement itself. The outbox gathers what arrives together and sends it in
// one run(jobs) message, answered once; the queue still puts every job in
// line at its own priority, so order and group commit stay as they were.
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/job.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/actors/queue/transaction_queue.hpp"

#include <caf/error.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace sasync::detail {

/// Gets the job's error from the queue (none: committed).
using job_settle = std::function<void(const caf::error&)>;

/// The jobs gathered for the queue, in lists of one access mode and one
/// priority each: the answer to a list comes once all of it is done, so a
/// get never waits for a write's commit, nor a job for one less urgent.
class job_outbox {
public:
  /// Jobs per message at most: half a batch of the queue
  /// (defaults::max_batch). The clients a batch answered send their next
  /// operations together; in one list they would all run in the next
  /// batch, and connection and scheduler would wait for each other in
  /// turn. In halves, an idle connection starts on the first while the
  /// second waits; each half's answers come back on their own, and the
  /// two halves then take turns: one runs while the other's clients are
  /// answered (README: Performance, "Arrival order").
  static constexpr std::size_t max_jobs = defaults::max_batch / 2;

  /// Jobs of one access mode and priority (never empty), with their
  /// settles in the same order.
  struct list {
    queued_jobs jobs;
    std::vector<job_settle> settles;

    bool takes(access_mode mode, priority prio) const {
      auto& first = jobs.front();
      return first.prio == prio && first.work->mode() == mode;
    }
  };

  /// Adds `work`; a list that is full comes back to be sent now.
  std::optional<list> add(job_ptr work, priority prio, job_settle settle) {
    auto mode = work->mode();
    auto i = lists_.begin();
    while (i != lists_.end() && !i->takes(mode, prio))
      ++i;
    if (i == lists_.end())
      i = lists_.insert(lists_.end(), list{});
    i->jobs.push_back(queued_job{std::move(work), prio});
    i->settles.push_back(std::move(settle));
    if (i->jobs.size() < max_jobs)
      return std::nullopt;
    auto full = std::move(*i);
    lists_.erase(i);
    return full;
  }

  std::vector<list> take() {
    dispatch_sent_ = false;
    return std::move(lists_);
  }

  /// True once a reminder to send is on its way (the actor's own message),
  /// or while requests that came in one message are handled (hold()).
  bool dispatch_sent() const noexcept { return dispatch_sent_ || held_; }
  void note_dispatch_sent() noexcept { dispatch_sent_ = true; }

  /// Requests that came in one message gather until release().
  void hold() noexcept { held_ = true; }
  void release() noexcept { held_ = false; }
  bool empty() const noexcept { return lists_.empty(); }

private:
  std::vector<list> lists_;
  bool dispatch_sent_ = false;
  bool held_ = false;
};

/// True when a group actor's state has an outbox.
template <class State, class = void> struct has_outbox : std::false_type {};
template <class State>
struct has_outbox<State, std::void_t<decltype(std::declval<State&>().outbox)>>
    : std::true_type {};

/// Sends `l` in one message; each job's settle gets its own error.
template <class Self>
void send_list(Self* self, const transaction_queue& queue,
               job_outbox::list l) {
  auto settles = std::make_shared<std::vector<job_settle>>(
      std::move(l.settles));
  self->request(queue, caf::infinite, run_atom::value, std::move(l.jobs))
      .then(
          [settles](std::vector<caf::error>& errors) {
            for (std::size_t i = 0; i < settles->size(); ++i)
              (*settles)[i](i < errors.size()
                                ? errors[i]
                                : make_error(errc::transaction_error,
                                             "the queue lost a job's answer"));
          },
          [settles](caf::error& err) {
            for (auto& settle : *settles)
              settle(err);
          });
}

/// Sends everything gathered (the actor's dispatch message).
template <class Self>
void dispatch_jobs(Self* self, const transaction_queue& queue) {
  for (auto& l : self->state.outbox.take())
    send_list(self, queue, std::move(l));
}

/// Sends what the outbox gathered once the messages that wait are handled:
/// at once when none wait.
template <class Self>
void dispatch_soon(Self* self, const transaction_queue& queue) {
  if (self->mailbox().empty())
    return dispatch_jobs(self, queue);
  self->state.outbox.note_dispatch_sent();
  self->send(self, dispatch_atom::value); // its own: others are refused
}

/// While it lives, the jobs of the requests that came in one message
/// gather in the outbox as those of as many messages would; then they go
/// as send_job sends one: at once, or after the messages that wait.
template <class Self> class outbox_hold {
public:
  outbox_hold(Self* self, transaction_queue queue)
      : self_(self), queue_(std::move(queue)) {
    self_->state.outbox.hold();
  }
  ~outbox_hold() {
    auto& box = self_->state.outbox;
    box.release();
    if (!box.empty() && !box.dispatch_sent())
      dispatch_soon(self_, queue_);
  }
  outbox_hold(const outbox_hold&) = delete;
  outbox_hold& operator=(const outbox_hold&) = delete;

private:
  Self* self_;
  transaction_queue queue_;
};

/// Sends `work` to `queue` at `prio`; `settle` gets its error (none:
/// committed). A job that runs merged with its neighbours (a point
/// operation) waits in the outbox of a group actor that has one, until the
/// messages that arrived with it are handled.
template <class Self, class Settle>
void send_job(Self* self, const transaction_queue& queue, job_ptr work,
              priority prio, Settle settle) {
  using state_type = std::decay_t<decltype(self->state)>;
  if constexpr (has_outbox<state_type>::value) {
    if (work->merger()) {
      auto& box = self->state.outbox;
      if (auto full = box.add(std::move(work), prio, std::move(settle)))
        return send_list(self, queue, std::move(*full));
      if (!box.dispatch_sent())
        dispatch_soon(self, queue);
      return;
    }
  }
  self->request(queue, caf::infinite, run_atom::value, std::move(work), prio)
      .then([settle]() mutable { settle(caf::error{}); },
            [settle](caf::error& err) mutable { settle(err); });
}

} // namespace sasync::detail
