#include "bench_load.hpp"

#include "sasync/actors/client.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <functional>
#include <future>
#include <memory>
#include <mutex>

namespace sasync::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// What the clients report to the run, each once, when it is done.
struct shared_result {
  std::mutex mtx;
  load_result result;
  std::size_t clients_left = 0;
  std::promise<void> all_done;

  void report(const latencies& lat, std::uint64_t failed,
              const std::string& error) {
    std::lock_guard<std::mutex> guard{mtx};
    result.lat.merge(lat);
    result.failed += failed;
    if (result.first_error.empty())
      result.first_error = error;
    if (--clients_left == 0)
      all_done.set_value();
  }
};

struct client_state {
  latencies lat;
  std::uint64_t failed = 0;
  std::string first_error;
  /// Sends operation i; its answer sends the next.
  std::function<void(std::uint64_t)> send;
  static inline const char* name = "sasync.bench.client";
};

using client_ptr = caf::stateful_actor<client_state>*;

void record_failure(client_ptr self, const caf::error& err) {
  auto& st = self->state;
  if (st.failed++ == 0)
    st.first_error = self->system().render(err);
}

void client(client_ptr self, items store, const workload* w,
            std::uint64_t first, std::uint64_t step,
            std::shared_ptr<shared_result> shared) {
  self->state.send = [self, store, w, step, shared](std::uint64_t i) {
    auto& st = self->state;
    if (i >= w->ops) {
      shared->report(st.lat, st.failed, st.first_error);
      self->quit();
      return;
    }
    auto t0 = clock_type::now();
    auto answered = [self, t0, i, step] {
      self->state.lat.add(clock_type::now() - t0);
      self->state.send(i + step);
    };
    auto failed = [self, answered](const caf::error& err) {
      record_failure(self, err);
      answered();
    };
    if (w->writes(i)) {
      set(self, store, w->name(i), w->payload, answered,
          [failed](caf::error& err) { failed(err); });
      return;
    }
    get<std::string>(
        self, store, w->name(i),
        [w, answered, failed](std::optional<std::string> x) {
          if (x && x->size() == w->payload.size())
            answered();
          else
            failed(caf::make_error(caf::sec::runtime_error,
                                   "a get missed a value it should find"));
        },
        [failed](caf::error& err) { failed(err); });
  };
  self->state.send(first);
}

} // namespace

load_result run_load(caf::actor_system& sys, const items& store,
                     const workload& w, std::size_t clients) {
  clients = std::max<std::size_t>(1, std::min<std::uint64_t>(clients, w.ops));
  auto shared = std::make_shared<shared_result>();
  shared->clients_left = clients;
  auto finished = shared->all_done.get_future();
  throughput rate{w.ops};
  measure(rate, [&] {
    for (std::size_t k = 0; k < clients; ++k)
      sys.spawn(client, store, &w, k, clients, shared);
    finished.wait();
  });
  std::lock_guard<std::mutex> guard{shared->mtx};
  auto out = std::move(shared->result);
  out.rate = rate;
  return out;
}

} // namespace sasync::bench
