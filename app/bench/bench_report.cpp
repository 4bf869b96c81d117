#include "bench_report.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <mutex>
#include <string>
#include <thread>

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

latencies thread_wakeups(int rounds) {
  std::mutex m;
  std::condition_variable cv;
  bool ball_with_other = false;
  std::thread other{[&] {
    std::unique_lock<std::mutex> lock{m};
    for (int i = 0; i < rounds; ++i) {
      cv.wait(lock, [&] { return ball_with_other; });
      ball_with_other = false;
      cv.notify_all();
    }
  }};
  latencies out;
  {
    std::unique_lock<std::mutex> lock{m};
    for (int i = 0; i < rounds; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      ball_with_other = true;
      cv.notify_all();
      cv.wait(lock, [&] { return !ball_with_other; });
      out.add((std::chrono::steady_clock::now() - t0) / 2);
    }
  }
  other.join();
  return out;
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

process_usage usage_now() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {cpu_seconds(), static_cast<std::uint64_t>(usage.ru_nvcsw),
          static_cast<std::uint64_t>(usage.ru_nivcsw)};
}

namespace {

/// utime + stime of /proc/PID/stat, in seconds.
double proc_cpu_seconds(pid_t pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>{stat}, {}};
  auto paren = text.rfind(')');
  if (paren == std::string::npos)
    return 0;
  // Fields after the command name, which is in parentheses: utime and
  // stime are the 12th and 13th of them.
  std::istringstream rest{text.substr(paren + 2)};
  std::string field;
  double ticks = 0;
  for (int i = 1; i <= 13 && rest >> field; ++i)
    if (i >= 12)
      ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

} // namespace

process_usage usage_of(pid_t pid) {
  process_usage out;
  out.cpu_seconds = proc_cpu_seconds(pid);
  // /proc/PID/status counts the main thread's switches only.
  std::error_code ec;
  auto tasks = "/proc/" + std::to_string(pid) + "/task";
  for (auto& task : std::filesystem::directory_iterator{tasks, ec}) {
    std::ifstream status{task.path() / "status"};
    std::string key;
    std::uint64_t n = 0;
    while (status >> key) {
      if (key == "voluntary_ctxt_switches:" && status >> n)
        out.voluntary_switches += n;
      else if (key == "nonvoluntary_ctxt_switches:" && status >> n)
        out.involuntary_switches += n;
    }
  }
  return out;
}

void per_op_figures(const std::string& name, const process_usage& used,
                    std::uint64_t ops) {
  auto per_op = [ops](double x) {
    return ops > 0 ? x / static_cast<double>(ops) : 0;
  };
  figure(name + "_cpu_per_op", per_op(used.cpu_seconds * 1e6), "us", 1);
  figure(name + "_context_switches_per_op",
         per_op(static_cast<double>(used.voluntary_switches +
                                    used.involuntary_switches)),
         "switches", 2);
  figure(name + "_wakeups_per_op",
         per_op(static_cast<double>(used.voluntary_switches)), "wakeups", 2);
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
