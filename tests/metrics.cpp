// The metrics registry: references that stay, histograms that count into
// the right bucket, and the text a scrape answers. Each test uses metric
// names of its own: the registry is the process's.
#define CAF_SUITE storage.metrics

#include "sasync/storage/metrics.hpp"

#include <caf/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace sasync;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

} // namespace

CAF_TEST(one_name_and_labels_give_the_same_counter) {
  auto& a = metrics::counter_of("test_same_total", "help", {{"k", "v"}});
  auto& b = metrics::counter_of("test_same_total", "help", {{"k", "v"}});
  auto& c = metrics::counter_of("test_same_total", "help", {{"k", "w"}});
  CAF_CHECK_EQUAL(&a, &b);
  CAF_CHECK_NOT_EQUAL(&a, &c);
  a.add(3);
  c.add();
  auto text = metrics::scrape();
  CAF_CHECK(has_line(text, "# HELP test_same_total help"));
  CAF_CHECK(has_line(text, "# TYPE test_same_total counter"));
  CAF_CHECK(has_line(text, "test_same_total{k=\"v\"} 3"));
  CAF_CHECK(has_line(text, "test_same_total{k=\"w\"} 1"));
}

CAF_TEST(a_name_is_one_kind_of_metric) {
  metrics::counter_of("test_kind", "help");
  auto refused = false;
  try {
    metrics::gauge_of("test_kind", "help");
  } catch (const std::logic_error&) {
    refused = true;
  }
  CAF_CHECK(refused);
}

CAF_TEST(label_values_are_escaped) {
  metrics::gauge_of("test_escaped", "help", {{"v", "a\"b\\c\nd"}}).set(1.5);
  CAF_CHECK(has_line(metrics::scrape(),
                     "test_escaped{v=\"a\\\"b\\\\c\\nd\"} 1.5"));
}

CAF_TEST(histogram_buckets_are_cumulative_with_sum_and_count) {
  auto& h = metrics::histogram_of("test_sizes", "help", {1, 4, 16});
  for (double x : {0.5, 1.0, 2.0, 4.0, 5.0, 100.0})
    h.observe(x);
  CAF_CHECK_EQUAL(h.count(), 6u);
  auto text = metrics::scrape();
  CAF_CHECK(has_line(text, "# TYPE test_sizes histogram"));
  // An observation on a bound is in that bound's bucket (le: <=).
  CAF_CHECK(has_line(text, "test_sizes_bucket{le=\"1\"} 2"));
  CAF_CHECK(has_line(text, "test_sizes_bucket{le=\"4\"} 4"));
  CAF_CHECK(has_line(text, "test_sizes_bucket{le=\"16\"} 5"));
  CAF_CHECK(has_line(text, "test_sizes_bucket{le=\"+Inf\"} 6"));
  CAF_CHECK(has_line(text, "test_sizes_sum 112.5"));
  CAF_CHECK(has_line(text, "test_sizes_count 6"));
}

CAF_TEST(collectors_run_at_each_scrape_until_removed) {
  auto& g = metrics::gauge_of("test_collected", "help");
  int runs = 0;
  auto id = metrics::add_collector([&] { g.set(++runs); });
  CAF_CHECK(has_line(metrics::scrape(), "test_collected 1"));
  CAF_CHECK(has_line(metrics::scrape(), "test_collected 2"));
  metrics::remove_collector(id);
  metrics::scrape();
  CAF_CHECK_EQUAL(runs, 2);
}

CAF_TEST(counts_from_many_threads_add_up) {
  auto& c = metrics::counter_of("test_threads_total", "help");
  auto& h = metrics::histogram_of("test_threads_seconds", "help",
                                  metrics::latency_bounds());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        c.add();
        h.observe(0.001);
      }
    });
  for (auto& t : threads)
    t.join();
  CAF_CHECK_EQUAL(c.value(), 40'000u);
  CAF_CHECK_EQUAL(h.count(), 40'000u);
  CAF_CHECK_LESS(std::abs(h.sum() - 40.0), 1e-6);
}

CAF_TEST(process_figures_are_read_from_proc) {
  metrics::collect_process_figures();
  CAF_CHECK_GREATER(
      metrics::gauge_of("process_resident_memory_bytes", "").value(), 1e6);
  CAF_CHECK_GREATER(metrics::gauge_of("process_open_fds", "").value(), 2);
}

CAF_TEST(a_removed_series_leaves_the_scrape_and_comes_back_from_zero) {
  auto& gone = metrics::counter_of("test_removed_total", "help",
                                   {{"peer", "10.0.0.1:1"}});
  metrics::counter_of("test_removed_total", "help", {{"peer", "10.0.0.2:2"}})
      .add(2);
  gone.add(5);
  metrics::gauge_of("test_removed", "help", {{"peer", "10.0.0.1:1"}}).set(7);
  CAF_CHECK(
      has_line(metrics::scrape(), "test_removed_total{peer=\"10.0.0.1:1\"} 5"));
  metrics::remove("test_removed_total", {{"peer", "10.0.0.1:1"}});
  metrics::remove("test_removed", {{"peer", "10.0.0.1:1"}});
  metrics::remove("test_no_such_family", {{"peer", "10.0.0.1:1"}});
  auto text = metrics::scrape();
  CAF_CHECK(text.find("peer=\"10.0.0.1:1\"") == std::string::npos);
  CAF_CHECK(has_line(text, "test_removed_total{peer=\"10.0.0.2:2\"} 2"));
  // Asked for again, the series starts from zero.
  auto& again = metrics::counter_of("test_removed_total", "help",
                                    {{"peer", "10.0.0.1:1"}});
  CAF_CHECK_EQUAL(again.value(), 0u);
  again.add();
  CAF_CHECK(
      has_line(metrics::scrape(), "test_removed_total{peer=\"10.0.0.1:1\"} 1"));
}
