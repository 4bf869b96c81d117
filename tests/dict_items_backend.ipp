// A dict and an items actor on one group agree, on a real backend: after an
// items write is acknowledged, every later read through the dict sees it
// (get, contains, size, names, load, also after preload); after a dict
// write is acknowledged (at once: it is written behind), items reads see
// it, and a set_if through items sees the version the dict's write raised;
// the order of the writes on one name holds across both. Included by one
// suite per backend, each defining `struct backend` (url()) and CAF_SUITE
// first.

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace sasync;

namespace {

const caf::duration limit{std::chrono::seconds(60)};

struct fixture {
  backend where;
  system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  broker db = start();
  items store = of<items>(items_atom::value);
  dict cache = of<dict>(dict_atom::value);

  ~fixture() {
    self->request(db, limit, shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
  }

  broker start() {
    broker_config bc;
    bc.engine = engine_config::parse(where.url());
    return spawn_broker(sys, bc);
  }

  template <class Handle, class Atom> Handle of(Atom kind) {
    Handle out;
    self->request(db, limit, kind, std::int64_t{19})
        .receive([&](Handle& x) { out = std::move(x); },
                 [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return out;
  }

  /// The answer of a request that must succeed.
  template <class R, class Handle, class... Ts>
  R value(const Handle& to, Ts... xs) {
    R out{};
    self->request(to, limit, xs...)
        .receive([&](R& x) { out = std::move(x); },
                 [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return out;
  }

  template <class Handle, class... Ts> void done(const Handle& to, Ts... xs) {
    self->request(to, limit, xs...)
        .receive([] {}, [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  }

  /// The error of a request that must fail.
  template <class R, class Handle, class... Ts>
  caf::error failure(const Handle& to, Ts... xs) {
    caf::error out;
    self->request(to, limit, xs...)
        .receive([&](R&) { CAF_FAIL("expected an error"); },
                 [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  template <class Handle, class... Ts>
  caf::error failure_void(const Handle& to, Ts... xs) {
    caf::error out;
    self->request(to, limit, xs...)
        .receive([&] { CAF_FAIL("expected an error"); },
                 [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  static stored_value text(const std::string& x) {
    return *detail::try_encode(x);
  }

  /// What the dict answers for `name`: its text, or "-" when missing.
  std::string dict_get(const std::string& name) {
    auto x = value<caf::optional<stored_value>>(cache, get_atom::value, name);
    return x ? as_text(*x) : "-";
  }

  std::string items_get(const std::string& name) {
    auto x = value<caf::optional<stored_value>>(store, get_atom::value, name);
    return x ? as_text(*x) : "-";
  }

  std::uint64_t items_version(const std::string& name) {
    auto x = value<caf::optional<versioned_value>>(store, get_atom::value, name,
                                                   version_atom::value);
    return x ? x->version : 0;
  }

  static std::string as_text(const stored_value& x) {
    return std::string(x.bytes.begin(), x.bytes.end());
  }

  std::vector<std::string> dict_names() {
    return value<std::vector<std::string>>(cache, names_atom::value);
  }

  std::uint64_t dict_size() {
    return value<std::uint64_t>(cache, size_atom::value);
  }

  bool dict_contains(const std::string& name) {
    return value<bool>(cache, contains_atom::value, name);
  }

  /// The items writes, each followed by the dict's view of it (the dict
  /// cached every name first, or preloaded the group).
  void items_writes_reach_the_dict() {
    using names = std::vector<std::string>;
    // Cached: "a" with a value, "b" and "c" as missing.
    done(store, set_atom::value, std::string{"a"}, text("1"));
    CAF_CHECK_EQUAL(dict_get("a"), "1");
    CAF_CHECK_EQUAL(dict_get("b"), "-");
    CAF_CHECK_EQUAL(dict_get("c"), "-");
    CAF_CHECK_EQUAL(dict_size(), 1u);
    done(store, set_atom::value, std::string{"a"}, text("2"));
    CAF_CHECK_EQUAL(dict_get("a"), "2");
    done(store, insert_atom::value, std::string{"b"}, text("b1"));
    CAF_CHECK_EQUAL(dict_contains("b"), true);
    CAF_CHECK_EQUAL(dict_get("b"), "b1");
    done(store, update_atom::value, std::string{"a"}, text("3"));
    CAF_CHECK_EQUAL(dict_get("a"), "3");
    CAF_CHECK_EQUAL(dict_size(), 2u);
    CAF_CHECK_EQUAL(dict_names(), (names{"a", "b"}));
    auto v = value<std::uint64_t>(store, set_if_atom::value, std::string{"c"},
                                  text("c1"), std::uint64_t{0});
    CAF_CHECK_EQUAL(dict_get("c"), "c1");
    auto loaded = value<std::map<std::string, stored_value>>(cache,
                                                             load_atom::value);
    CAF_CHECK_EQUAL(loaded.size(), 3u);
    CAF_CHECK(loaded["c"] == text("c1"));
    done(store, delete_if_atom::value, std::string{"c"}, v);
    CAF_CHECK_EQUAL(dict_contains("c"), false);
    CAF_CHECK_EQUAL(value<std::uint64_t>(store, delete_atom::value,
                                         names{"a", "x"}),
                    1u);
    CAF_CHECK_EQUAL(dict_get("a"), "-");
    CAF_CHECK_EQUAL(dict_names(), (names{"b"}));
    done(store, set_atom::value, std::string{"d"}, text("d1"));
    CAF_CHECK_EQUAL(dict_get("d"), "d1");
    CAF_CHECK_EQUAL(value<std::uint64_t>(store, clear_atom::value), 2u);
    CAF_CHECK_EQUAL(dict_get("b"), "-");
    CAF_CHECK_EQUAL(dict_get("d"), "-");
    CAF_CHECK_EQUAL(dict_size(), 0u);
    CAF_CHECK_EQUAL(dict_names(), names{});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(dict_items_tests, fixture)

CAF_TEST(items_writes_reach_the_names_a_dict_cached) {
  items_writes_reach_the_dict();
}

CAF_TEST(items_writes_reach_a_preloaded_dict) {
  done(cache, preload_atom::value);
  CAF_CHECK(value<dict_status>(cache, status_atom::value).preloaded);
  items_writes_reach_the_dict();
}

CAF_TEST(dict_writes_reach_items_at_once) {
  using names = std::vector<std::string>;
  done(cache, set_atom::value, std::string{"a"}, text("1"));
  CAF_CHECK_EQUAL(items_get("a"), "1");
  done(cache, set_atom::value, std::string{"a"}, text("2"));
  done(cache, set_atom::value, std::string{"b"}, text("b1"));
  CAF_CHECK_EQUAL(items_get("a"), "2");
  CAF_CHECK_EQUAL(value<names>(store, names_atom::value), (names{"a", "b"}));
  done(cache, delete_atom::value, names{"a"});
  CAF_CHECK_EQUAL(items_get("a"), "-");
  CAF_CHECK_EQUAL(value<std::uint64_t>(cache, clear_atom::value), 1u);
  CAF_CHECK_EQUAL(value<names>(store, names_atom::value), names{});
}

CAF_TEST(set_if_through_items_sees_the_version_of_a_dict_write) {
  done(cache, set_atom::value, std::string{"n"}, text("1"));
  auto seen = items_version("n");
  CAF_REQUIRE_NOT_EQUAL(seen, 0u);
  done(cache, set_atom::value, std::string{"n"}, text("2"));
  // The dict's write raised the version: the one read before is stale.
  auto err = failure<std::uint64_t>(store, set_if_atom::value,
                                    std::string{"n"}, text("3"), seen);
  CAF_CHECK(is(err, errc::conflict));
  CAF_CHECK(conflict_version(err) == std::optional<std::uint64_t>{seen + 1});
  CAF_CHECK_EQUAL(value<std::uint64_t>(store, set_if_atom::value,
                                       std::string{"n"}, text("3"), seen + 1),
                  seen + 2);
  CAF_CHECK_EQUAL(dict_get("n"), "3");
  err = failure_void(store, delete_if_atom::value, std::string{"n"}, seen);
  CAF_CHECK(is(err, errc::conflict));
  CAF_CHECK_EQUAL(dict_get("n"), "3");
}

CAF_TEST(writes_on_one_name_keep_their_order_across_dict_and_items) {
  // Each write is acknowledged before the next goes: the last one stays,
  // whichever actor took it.
  for (int i = 0; i < 40; ++i) {
    auto name = "k" + std::to_string(i % 4);
    auto x = std::to_string(i);
    if (i % 2 == 0)
      done(cache, set_atom::value, name, text(x));
    else
      done(store, set_atom::value, name, text(x));
    CAF_CHECK_EQUAL(dict_get(name), x);
    CAF_CHECK_EQUAL(items_get(name), x);
  }
  done(cache, flush_atom::value);
  for (int i = 36; i < 40; ++i) {
    auto name = "k" + std::to_string(i % 4);
    CAF_CHECK_EQUAL(items_get(name), std::to_string(i));
    CAF_CHECK_EQUAL(dict_get(name), std::to_string(i));
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
