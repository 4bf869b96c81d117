#include "sasync/storage/metrics.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <dirent.h>
#include <unistd.h>

namespace sasync::metrics {

namespace {

enum class family_kind { counter, gauge, histogram };

const char* type_name(family_kind k) {
  switch (k) {
  case family_kind::counter:
    return "counter";
  case family_kind::gauge:
    return "gauge";
  case family_kind::histogram:
    return "histogram";
  }
  return "untyped";
}

struct family {
  family_kind kind;
  std::string help;
  std::map<labels, counter*> counters;
  std::map<labels, gauge*> gauges;
  std::map<labels, histogram*> histograms;
};

struct registry {
  std::mutex mutex;
  std::map<std::string, family, std::less<>> families;
  std::deque<counter> counters;
  std::deque<gauge> gauges;
  std::deque<std::unique_ptr<histogram>> histograms;
  /// Removed series, made again from zero when asked for, so that series
  /// that come and go (peers) take no more room than those alive.
  std::vector<counter*> free_counters;
  std::vector<gauge*> free_gauges;
  std::map<std::uint64_t, std::function<void()>> collectors;
  std::uint64_t next_collector = 0;
};

registry& the_registry() {
  // Never destroyed: threads of a process that is ending may still count.
  static auto* r = new registry;
  return *r;
}

std::atomic<bool> recording{false};

family& family_of(registry& r, std::string_view name, std::string_view help,
                  family_kind kind) {
  auto i = r.families.find(name);
  if (i == r.families.end()) {
    family made;
    made.kind = kind;
    made.help = help;
    i = r.families.emplace(std::string{name}, std::move(made)).first;
  }
  else if (i->second.kind != kind)
    throw std::logic_error("metric " + std::string{name} + " is a " +
                           type_name(i->second.kind) + ", not a " +
                           type_name(kind));
  return i->second;
}

/// A label value with backslash, double quote and line feed escaped.
void append_escaped(std::string& out, const std::string& value) {
  for (char c : value) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
}

void append_labels(std::string& out, const labels& ls,
                   const char* extra_name = nullptr,
                   const std::string& extra_value = {}) {
  if (ls.empty() && extra_name == nullptr)
    return;
  out += '{';
  bool first = true;
  for (auto& [k, v] : ls) {
    if (!first)
      out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped(out, v);
    out += '"';
  }
  if (extra_name != nullptr) {
    if (!first)
      out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

/// A number as Prometheus reads it: integers without a fraction.
std::string number(double x) {
  char buf[64];
  if (x == static_cast<double>(static_cast<std::int64_t>(x)))
    std::snprintf(buf, sizeof(buf), "%lld",
                  static_cast<long long>(static_cast<std::int64_t>(x)));
  else
    std::snprintf(buf, sizeof(buf), "%.9g", x);
  return buf;
}

void render_histogram(std::string& out, const std::string& name,
                      const labels& ls, const histogram& h) {
  std::uint64_t cumulative = 0;
  auto& bounds = h.bounds();
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += h.bucket(i);
    out += name;
    out += "_bucket";
    append_labels(out, ls, "le", i < bounds.size() ? number(bounds[i]) : "+Inf");
    out += ' ';
    out += std::to_string(cumulative);
    out += '\n';
  }
  out += name + "_sum";
  append_labels(out, ls);
  out += ' ' + number(h.sum()) + '\n';
  out += name + "_count";
  append_labels(out, ls);
  out += ' ' + std::to_string(cumulative) + '\n';
}

std::string render(registry& r) {
  std::string out;
  for (auto& [name, f] : r.families) {
    out += "# HELP " + name + ' ' + f.help + '\n';
    out += "# TYPE " + name + ' ' + type_name(f.kind) + '\n';
    for (auto& [ls, c] : f.counters) {
      out += name;
      append_labels(out, ls);
      out += ' ' + std::to_string(c->value()) + '\n';
    }
    for (auto& [ls, g] : f.gauges) {
      out += name;
      append_labels(out, ls);
      out += ' ' + number(g->value()) + '\n';
    }
    for (auto& [ls, h] : f.histograms)
      render_histogram(out, name, ls, *h);
  }
  return out;
}

} // namespace

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  if (bounds_.size() > max_bounds)
    bounds_.resize(max_bounds);
  std::sort(bounds_.begin(), bounds_.end());
}

void histogram::observe(double x) noexcept {
  auto at = std::lower_bound(bounds_.begin(), bounds_.end(), x);
  counts_[static_cast<std::size_t>(at - bounds_.begin())].fetch_add(
      1, std::memory_order_relaxed);
  // No fetch_add for double before C++20.
  auto old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + x, std::memory_order_relaxed))
    ;
}

std::uint64_t histogram::count() const noexcept {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i)
    n += bucket(i);
  return n;
}

std::vector<double> latency_bounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 10};
}

std::vector<double> size_bounds() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}

namespace {

/// The series of `ls` in `series`: found, or made (a removed one's slot
/// reused from zero).
template <class T, class Store>
T& series_of(std::map<labels, T*>& series, Store& store, std::vector<T*>& free,
             const labels& ls) {
  auto i = series.find(ls);
  if (i != series.end())
    return *i->second;
  T* made = nullptr;
  if (free.empty()) {
    made = &store.emplace_back();
  } else {
    made = free.back();
    free.pop_back();
    made->set(0);
  }
  series.emplace(ls, made);
  return *made;
}

} // namespace

counter& counter_of(std::string_view name, std::string_view help,
                    const labels& ls) {
  auto& r = the_registry();
  std::lock_guard<std::mutex> guard{r.mutex};
  auto& f = family_of(r, name, help, family_kind::counter);
  return series_of(f.counters, r.counters, r.free_counters, ls);
}

gauge& gauge_of(std::string_view name, std::string_view help,
                const labels& ls) {
  auto& r = the_registry();
  std::lock_guard<std::mutex> guard{r.mutex};
  auto& f = family_of(r, name, help, family_kind::gauge);
  return series_of(f.gauges, r.gauges, r.free_gauges, ls);
}

histogram& histogram_of(std::string_view name, std::string_view help,
                        std::vector<double> bounds, const labels& ls) {
  auto& r = the_registry();
  std::lock_guard<std::mutex> guard{r.mutex};
  auto& f = family_of(r, name, help, family_kind::histogram);
  auto i = f.histograms.find(ls);
  if (i != f.histograms.end())
    return *i->second;
  auto& made =
      r.histograms.emplace_back(std::make_unique<histogram>(std::move(bounds)));
  f.histograms.emplace(ls, made.get());
  return *made;
}

void remove(std::string_view name, const labels& ls) {
  auto& r = the_registry();
  std::lock_guard<std::mutex> guard{r.mutex};
  auto i = r.families.find(name);
  if (i == r.families.end())
    return;
  auto& f = i->second;
  if (auto c = f.counters.find(ls); c != f.counters.end()) {
    r.free_counters.push_back(c->second);
    f.counters.erase(c);
  }
  if (auto g = f.gauges.find(ls); g != f.gauges.end()) {
    r.free_gauges.push_back(g->second);
    f.gauges.erase(g);
  }
  // Histograms are not reused (their bounds differ); they are few.
  f.histograms.erase(ls);
}

bool enabled() noexcept { return recording.load(std::memory_order_relaxed); }

void enable(bool on) noexcept {
  recording.store(on, std::memory_order_relaxed);
}

std::uint64_t add_collector(std::function<void()> collect) {
  auto& r = the_registry();
  std::lock_guard<std::mutex> guard{r.mutex};
  auto id = r.next_collector++;
  r.collectors.emplace(id, std::move(collect));
  return id;
}

void remove_collector(std::uint64_t id) {
  auto& r = the_registry();
  std::lock_guard<std::mutex> guard{r.mutex};
  r.collectors.erase(id);
}

std::string scrape() {
  auto& r = the_registry();
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard<std::mutex> guard{r.mutex};
    for (auto& [id, c] : r.collectors)
      collectors.push_back(c);
  }
  // Outside the lock: collectors register metrics of their own.
  for (auto& collect : collectors)
    collect();
  std::lock_guard<std::mutex> guard{r.mutex};
  return render(r);
}

void collect_process_figures() {
  static auto& rss = gauge_of("process_resident_memory_bytes",
                              "Resident memory size in bytes.");
  static auto& fds =
      gauge_of("process_open_fds", "Number of open file descriptors.");
  if (auto* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long size = 0;
    unsigned long resident = 0;
    if (std::fscanf(f, "%lu %lu", &size, &resident) == 2)
      rss.set(static_cast<double>(resident) *
              static_cast<double>(::sysconf(_SC_PAGESIZE)));
    std::fclose(f);
  }
  if (auto* dir = ::opendir("/proc/self/fd")) {
    double n = 0;
    while (auto* entry = ::readdir(dir))
      if (entry->d_name[0] != '.')
        ++n;
    ::closedir(dir);
    fds.set(n - 1); // the directory's own descriptor
  }
}

} // namespace sasync::metrics
