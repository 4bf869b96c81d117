// What the priority suites share: requests sent without waiting, a probe
// statement that logs when it ran and what it saw, and the log read back in
// the order the probes ran.
#pragma once

#include "sasync/actors/client.hpp"
#include "sasync/actors/net/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <type_traits>
#include <vector>

namespace sasync::test {

using log_lines = std::vector<std::string>;

/// An argument for actors spawned from a lambda: CAF 0.17 keeps no argument
/// tuple for a function spawned without arguments and then dereferences
/// its null pointer (UndefinedBehaviorSanitizer stops there).
struct spawn_arg {};

inline stored_value text_value(const std::string& x) {
  return *detail::try_encode(x);
}

struct priority_probe {
  static constexpr auto bound = std::chrono::seconds(30);

  caf::actor_system& sys;
  caf::scoped_actor& self;
  node db;
  std::size_t submitted = 0;

  /// Sends a request without waiting; its answer comes to `self` as "ok" or
  /// the error's text.
  template <class R, class Handle, class... Ts>
  void submit(const Handle& to, Ts... xs) {
    caf::actor report{self};
    ++submitted;
    sys.spawn(
        [=](caf::event_based_actor* a, spawn_arg) {
          auto sent = a->request(to, caf::infinite, xs...);
          auto on_error = [=](caf::error& err) {
            a->send(report, a->system().render(err));
          };
          if constexpr (std::is_void_v<R>)
            sent.then([=] { a->send(report, std::string{"ok"}); }, on_error);
          else
            sent.then([=](R&) { a->send(report, std::string{"ok"}); },
                      on_error);
        },
        spawn_arg{});
  }

  /// The probe statement: logs a tag and how many rows `table` holds for a
  /// group, with `?` parameters or named ones (:tag, :g).
  static std::string probe_sql(const char* table, bool named = false) {
    return std::string{"INSERT INTO prio_log(tag, seen) SELECT CAST("} +
           (named ? ":tag" : "?") + " AS TEXT), COUNT(*) FROM " + table +
           " WHERE group_id = " + (named ? ":g" : "?");
  }

  /// A write that logs `tag` and how many rows `table` holds for `group`
  /// when it runs.
  void probe(const std::string& tag, const char* table, std::int64_t group,
             priority prio) {
    submit<result_set>(db, sql_atom::value, probe_sql(table),
                       std::vector<value>{tag, group}, prio);
  }

  /// The same in the form without a priority (its default).
  void probe(const std::string& tag, const char* table, std::int64_t group) {
    submit<result_set>(db, sql_atom::value, probe_sql(table),
                       std::vector<value>{tag, group});
  }

  /// Waits until the queue shows `seen` (every request submitted has
  /// reached it, say).
  template <class Pred> void wait_for_queue(Pred seen, const char* what) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      auto st = status(self, db, bound);
      CAF_REQUIRE(st);
      if (seen(st->queue))
        return;
    }
    CAF_FAIL("the queue never showed " << what);
  }

  void wait_in_queue(std::uint64_t n) {
    wait_for_queue([n](const queue_status& q) { return q.waiting >= n; },
                   "every job waiting");
  }

  /// Collects every answer; each must be "ok".
  void collect() {
    for (; submitted > 0; --submitted) {
      std::string answer = "(no answer)";
      self->receive([&](std::string& x) { answer = std::move(x); },
                    caf::after(bound) >> [] {});
      CAF_CHECK_EQUAL(answer, "ok");
    }
  }

  /// The probes' tags and what each saw, in the order they ran.
  log_lines log() {
    auto rows =
        sql(self, db, "SELECT tag, seen FROM prio_log ORDER BY id", {}, bound);
    CAF_REQUIRE(rows);
    log_lines out;
    for (auto& r : rows->rows)
      out.push_back(r[0].as_text() + "=" + std::to_string(r[1].as_integer()));
    return out;
  }
};

} // namespace sasync::test
