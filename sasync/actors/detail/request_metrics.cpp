#include "sasync/actors/detail/request_metrics.hpp"

#include "sasync/actors/detail/gathered_answers.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/metrics.hpp"

#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>

#include <map>
#include <unordered_map>
#include <string>

namespace sasync::detail {

namespace {

/// The registry's series of one kind.
struct kind_series {
  metrics::histogram* seconds = nullptr;
  metrics::counter* ok = nullptr;
  std::map<std::string, metrics::counter*> failed;
};

/// The registry's series by kind and result, per thread: a request counts
/// without a lock once its thread has met its kind and result.
struct series {
  std::unordered_map<std::uint64_t, kind_series> kinds;
};

thread_local series known;

std::string result_of(const caf::error& err) {
  if (!err)
    return "ok";
  if (err.category() == errc_category)
    return to_string(static_cast<errc>(err.code()));
  return "other";
}

metrics::counter& requests_counter(caf::atom_value kind,
                                   const std::string& result) {
  return metrics::counter_of("sasync_requests_total",
                             "Requests the node answered, by kind and "
                             "result: ok or the sasync::errc.",
                             {{"kind", to_string(kind)}, {"result", result}});
}

} // namespace

request_meter request_meter::start(caf::local_actor* self) {
  request_meter m;
  if (!metrics::enabled())
    return m;
  if (auto& slot = current_gathered_slot()) {
    m.kind_ = slot.kind;
    m.started_ = clock::now();
    return m;
  }
  auto* e = self->current_mailbox_element();
  if (e == nullptr)
    return m;
  auto& msg = e->content();
  if (msg.size() == 0 || !msg.match_element<caf::atom_value>(0))
    return m;
  m.kind_ = msg.get_as<caf::atom_value>(0);
  m.started_ = clock::now();
  return m;
}

void request_meter::answered(const caf::error& err) const {
  if (!*this || !metrics::enabled())
    return;
  auto took = clock::now() - started_;
  auto& ks = known.kinds[static_cast<std::uint64_t>(kind_)];
  if (ks.seconds == nullptr) {
    ks.seconds = &metrics::histogram_of(
        "sasync_request_seconds",
        "Time from a request's arrival at its actor to its answer, by kind.",
        metrics::latency_bounds(), {{"kind", to_string(kind_)}});
    ks.ok = &requests_counter(kind_, "ok");
  }
  ks.seconds->observe(took);
  if (!err) {
    ks.ok->add();
    return;
  }
  auto result = result_of(err);
  auto i = ks.failed.find(result);
  if (i == ks.failed.end())
    i = ks.failed.emplace(result, &requests_counter(kind_, result)).first;
  i->second->add();
}

} // namespace sasync::detail
