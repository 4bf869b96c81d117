// CAF's arrival-order scheduler (work sharing) with a worker that looks for
// work a little longer before it sleeps. An operation crosses to a
// connection's thread and back; a worker that went to sleep in between
// must be woken for the answer (a futex call on each side and a context
// switch), which at one client in flight cost more than the statement.
// Looking for a few microseconds first takes the answer awake; between
// looks it yields its core to any other thread that is ready (a
// connection's, or another process's on a machine with few cores). Under
// load the queue is rarely empty and the looking never starts.
#pragma once

#include <caf/policy/work_sharing.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <chrono>
#include <mutex>

#include <sched.h>

namespace sasync::detail {

/// How long an idle worker looks for work before it sleeps
/// (`sasync.worker-spin`, microseconds) in `coordinator`'s system.
std::chrono::nanoseconds
worker_spin_of(caf::scheduler::abstract_coordinator* coordinator);

class spinning_sharing : public caf::policy::work_sharing {
public:
  struct coordinator_data : caf::policy::work_sharing::coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator* parent)
        : caf::policy::work_sharing::coordinator_data(parent),
          spin(worker_spin_of(parent)) {}

    std::chrono::nanoseconds spin;
  };

  template <class Worker> caf::resumable* dequeue(Worker* self) {
    auto& data = d(self->parent());
    if (data.spin.count() > 0) {
      using clock = std::chrono::steady_clock;
      auto until = clock::now() + data.spin;
      do {
        if (auto* job = try_take(data))
          return job;
        sched_yield();
      } while (clock::now() < until);
    }
    return caf::policy::work_sharing::dequeue(self);
  }

private:
  static caf::resumable* try_take(coordinator_data& data) {
    std::unique_lock<std::mutex> guard(data.lock);
    if (data.queue.empty())
      return nullptr;
    auto* job = data.queue.front();
    data.queue.pop_front();
    return job;
  }
};

} // namespace sasync::detail
