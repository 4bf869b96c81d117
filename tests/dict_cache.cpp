// The dict's cache: written entries go least recently used first, entries
// not written yet never go, and a preloaded cache knows what is missing
// until it outgrows its bound.
#define CAF_SUITE actors.dict_cache

#include "sasync/actors/objects/detail/dict_cache.hpp"

#include <caf/test/unit_test.hpp>

#include <initializer_list>
#include <map>
#include <string>

using sasync::stored_value;
using sasync::detail::dict_cache;

namespace {

stored_value text(const std::string& s) {
  return {"text", sasync::blob(s.begin(), s.end())};
}

/// "value", "missing" or "unknown" for what the cache says of `name`.
std::string what(dict_cache& cache, const std::string& name) {
  auto known = cache.find(name);
  if (!known)
    return "unknown";
  return *known ? "value" : "missing";
}

/// what() of each name, as "a=value b=unknown".
std::string each(dict_cache& cache, std::initializer_list<const char*> names) {
  std::string out;
  for (auto name : names)
    out += (out.empty() ? "" : " ") + std::string{name} + "=" +
           what(cache, name);
  return out;
}

} // namespace

CAF_TEST(written_entries_beyond_the_bound_go_least_recently_used_first) {
  dict_cache cache{2};
  for (auto name : {"a", "b", "c"}) {
    cache.write(name, text(name));
    cache.written(name);
    if (std::string{name} == "b")
      CAF_CHECK_EQUAL(what(cache, "a"), "value"); // a is used after b
  }
  CAF_CHECK_EQUAL(each(cache, {"b", "a", "c"}),
                  "b=unknown a=value c=value");
}

CAF_TEST(entries_not_written_yet_stay_beyond_the_bound) {
  dict_cache cache{1};
  cache.write("a", text("a"));
  cache.write("b", std::nullopt);
  cache.write("c", text("c"));
  CAF_CHECK_EQUAL(each(cache, {"a", "b", "c"}), "a=value b=missing c=value");
  cache.written("a");
  cache.written("b"); // both may go now; c, unwritten, still stays
  CAF_CHECK_EQUAL(each(cache, {"c", "a", "b"}),
                  "c=value a=unknown b=unknown");
}

CAF_TEST(a_read_does_not_override_a_newer_write) {
  dict_cache cache{10};
  cache.write("a", text("new"));
  auto entry = cache.read("a", text("old"));
  CAF_REQUIRE(entry.has_value());
  CAF_CHECK_EQUAL(*entry, text("new"));
  auto read_b = cache.read("b", text("stored"));
  CAF_REQUIRE(read_b.has_value());
  CAF_CHECK_EQUAL(*read_b, text("stored"));
}

CAF_TEST(a_preloaded_cache_knows_the_missing_until_it_outgrows_its_bound) {
  dict_cache cache{3};
  cache.write("gone", std::nullopt); // a delete not written yet
  cache.preload({{"a", text("a")}, {"gone", text("old")}});
  CAF_CHECK(cache.complete());
  CAF_CHECK_EQUAL(what(cache, "x"), "unknown"); // absent: complete says missing
  CAF_CHECK_EQUAL(what(cache, "gone"), "unknown");
  CAF_CHECK_EQUAL(cache.merged({}).count("gone"), 0u);
  for (auto name : {"b", "c", "d"}) {
    cache.write(name, text(name));
    cache.written(name);
  }
  CAF_CHECK(!cache.complete());
  // The delete still waiting shows now that absence means "ask the
  // database".
  CAF_CHECK_EQUAL(what(cache, "gone"), "missing");
  std::map<std::string, stored_value> stored{{"gone", text("old")},
                                             {"z", text("z")}};
  auto all = cache.merged(stored);
  CAF_CHECK_EQUAL(all.count("gone"), 0u);
  CAF_CHECK_EQUAL(all.count("z"), 1u);
}

CAF_TEST(a_cleared_cache_holds_the_group_as_empty_until_released) {
  dict_cache cache{1};
  cache.write("a", text("a"));
  cache.written("a");
  cache.write("gone", std::nullopt);
  auto had = cache.clear();
  CAF_CHECK_EQUAL(had.size(), 2u);
  CAF_CHECK(had["a"].has_value());
  CAF_CHECK(!had["gone"].has_value());
  CAF_CHECK(cache.complete());
  CAF_CHECK_EQUAL(cache.size(), 0u);
  // Held, it stays complete beyond its bound of 1.
  for (auto name : {"b", "c", "d"}) {
    cache.write(name, text(name));
    cache.written(name);
  }
  CAF_CHECK(cache.complete());
  CAF_CHECK_EQUAL(cache.merged_size({}), 3u);
  cache.release();
  CAF_CHECK(!cache.complete());
  CAF_CHECK_EQUAL(cache.size(), 1u);
}

CAF_TEST(a_clear_that_fails_stops_taking_the_cache_as_the_group) {
  dict_cache cache{10};
  cache.clear();
  cache.write("x", std::nullopt); // a delete still to be written
  cache.abandon_clear();
  CAF_CHECK(!cache.complete());
  // The database may hold other names again; x's delete still shows.
  CAF_CHECK_EQUAL(each(cache, {"x", "y"}), "x=missing y=unknown");
}

CAF_TEST(a_complete_cache_keeps_its_own_view_over_a_late_read) {
  dict_cache cache{10};
  cache.preload({});
  cache.write("a", std::nullopt);
  // A read that began before the preload found an old value: it gets it,
  // but the cache still says what it knows.
  auto late = cache.read("a", text("old"));
  CAF_CHECK(late.has_value());
  CAF_CHECK_EQUAL(what(cache, "a"), "unknown"); // absent: missing
  CAF_CHECK_EQUAL(cache.merged_size({}), 0u);
}

CAF_TEST(merged_size_counts_stored_names_with_the_caches_writes_applied) {
  dict_cache cache{10};
  cache.write("new", text("n"));
  cache.write("deleted", std::nullopt);
  CAF_CHECK_EQUAL(cache.merged_size({"deleted", "kept", "new"}), 2u);
}
