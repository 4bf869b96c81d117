#include "bench_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace sasync::bench {

void figure(std::string_view name, double value, std::string_view unit,
            int decimals) {
  std::printf("%.*s: %.*f %.*s\n", static_cast<int>(name.size()), name.data(),
              decimals, value, static_cast<int>(unit.size()), unit.data());
  std::fflush(stdout);
}

void setting(std::string_view name, std::string_view text) {
  std::printf("%.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
              static_cast<int>(text.size()), text.data());
}

void ratio(std::string_view name, double ours, double base) {
  figure(name, base > 0 ? ours / base : 0, "x", 2);
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // KiB on Linux
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double current_rss_mb() {
  std::ifstream statm{"/proc/self/statm"};
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) *
         static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double latencies::percentile_us(double p) {
  if (ns_.empty())
    return 0;
  auto rank = static_cast<std::size_t>(
      std::ceil(p / 100.0 * static_cast<double>(ns_.size())));
  auto nth =
      ns_.begin() + static_cast<std::ptrdiff_t>(
                        std::clamp<std::size_t>(rank, 1, ns_.size()) - 1);
  std::nth_element(ns_.begin(), nth, ns_.end());
  return static_cast<double>(*nth) / 1000.0;
}

} // namespace sasync::bench
