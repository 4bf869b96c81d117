// Named parameters on their own: which `:name`s are placeholders, and the
// values bound in their order.
#define CAF_SUITE storage.named_params

#include "sasync/storage/named_params.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace sasync;

namespace {

using names = std::vector<std::string>;

/// What `call` refused with (invalid_argument), or "" when it passed.
template <class F> std::string refusal(F call) {
  try {
    call();
    return {};
  } catch (const storage_failure& f) {
    CAF_CHECK(f.kind() == failure_kind::invalid_argument);
    return f.what();
  }
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(names_become_question_marks_in_order) {
  auto out = parse_named("INSERT INTO t (a, b) VALUES (:first, :second_2)");
  CAF_CHECK_EQUAL(out.sql, "INSERT INTO t (a, b) VALUES (?, ?)");
  CAF_CHECK_EQUAL(out.names, (names{"first", "second_2"}));
  auto tight = parse_named("SELECT * FROM t WHERE a=:a AND b<>:_B9");
  CAF_CHECK_EQUAL(tight.sql, "SELECT * FROM t WHERE a=? AND b<>?");
  CAF_CHECK_EQUAL(tight.names, (names{"a", "_B9"}));
}

CAF_TEST(a_repeated_name_binds_its_value_at_each_place) {
  auto out = parse_named("SELECT * FROM t WHERE a = :x OR b = :y OR c = :x");
  CAF_CHECK_EQUAL(out.sql, "SELECT * FROM t WHERE a = ? OR b = ? OR c = ?");
  CAF_CHECK_EQUAL(out.names, (names{"x", "y", "x"}));
  auto params = bind_named(out, {{"x", value{1}}, {"y", value{"two"}}});
  CAF_REQUIRE_EQUAL(params.size(), 3u);
  CAF_CHECK(params[0] == value{1});
  CAF_CHECK(params[1] == value{"two"});
  CAF_CHECK(params[2] == value{1});
}

CAF_TEST(string_literals_are_left_alone) {
  auto out = parse_named("SELECT ':no', 'it''s :no ? either', :yes");
  CAF_CHECK_EQUAL(out.sql, "SELECT ':no', 'it''s :no ? either', ?");
  CAF_CHECK_EQUAL(out.names, (names{"yes"}));
}

CAF_TEST(quoted_identifiers_are_left_alone) {
  auto out = parse_named("SELECT \":odd\"\"name?\" FROM t WHERE k = :k");
  CAF_CHECK_EQUAL(out.sql, "SELECT \":odd\"\"name?\" FROM t WHERE k = ?");
  CAF_CHECK_EQUAL(out.names, (names{"k"}));
}

CAF_TEST(comments_are_left_alone) {
  auto out = parse_named("SELECT :a -- :b?\n, /* :c ? /* :d */ :e */ :f");
  CAF_CHECK_EQUAL(out.sql, "SELECT ? -- :b?\n, /* :c ? /* :d */ :e */ ?");
  CAF_CHECK_EQUAL(out.names, (names{"a", "f"}));
}

CAF_TEST(dollar_quoted_strings_are_left_alone) {
  auto out = parse_named("SELECT $$:a ?$$, $tag$ :b $$ :c $tag$, :d");
  CAF_CHECK_EQUAL(out.sql, "SELECT $$:a ?$$, $tag$ :b $$ :c $tag$, ?");
  CAF_CHECK_EQUAL(out.names, (names{"d"}));
}

CAF_TEST(casts_and_slices_are_no_placeholders) {
  auto out = parse_named("SELECT :v::bigint, x::text, a[1:n], a[lo:hi], :w");
  CAF_CHECK_EQUAL(out.sql, "SELECT ?::bigint, x::text, a[1:n], a[lo:hi], ?");
  CAF_CHECK_EQUAL(out.names, (names{"v", "w"}));
  // A lone ':' or one before a digit is text too.
  auto lone = parse_named("SELECT ': ', 1 : 2, :3");
  CAF_CHECK_EQUAL(lone.sql, "SELECT ': ', 1 : 2, :3");
  CAF_CHECK(lone.names.empty());
}

CAF_TEST(a_statement_without_names_takes_no_values) {
  auto out = to_positional("SELECT 1", {});
  CAF_CHECK_EQUAL(out.sql, "SELECT 1");
  CAF_CHECK(out.params.empty());
}

CAF_TEST(to_positional_rewrites_and_binds) {
  auto out = to_positional("UPDATE t SET v = :v WHERE k = :k",
                           {{"k", value{7}}, {"v", value{"x"}}});
  CAF_CHECK_EQUAL(out.sql, "UPDATE t SET v = ? WHERE k = ?");
  CAF_REQUIRE_EQUAL(out.params.size(), 2u);
  CAF_CHECK(out.params[0] == value{"x"});
  CAF_CHECK(out.params[1] == value{7});
}

CAF_TEST(mixing_question_marks_and_names_is_refused) {
  auto why = refusal([] { parse_named("SELECT ?, :a"); });
  CAF_CHECK(mentions(why, "mixes ? and :name"));
  CAF_CHECK(mentions(why, ":a"));
  why = refusal([] { parse_named("SELECT ? FROM t"); });
  CAF_CHECK(mentions(why, "? placeholders"));
  // A '?' in a string is no placeholder.
  CAF_CHECK_EQUAL(refusal([] { parse_named("SELECT '?', :a"); }), "");
}

CAF_TEST(a_name_without_a_value_is_refused) {
  auto why = refusal([] {
    to_positional("SELECT :a, :missing", {{"a", value{1}}});
  });
  CAF_CHECK(mentions(why, ":missing"));
}

CAF_TEST(a_value_the_statement_does_not_use_is_refused) {
  auto why = refusal([] {
    to_positional("SELECT :a", {{"a", value{1}}, {"extra", value{2}}});
  });
  CAF_CHECK(mentions(why, ":extra"));
  why = refusal([] { to_positional("SELECT 1", {{"a", value{1}}}); });
  CAF_CHECK(mentions(why, ":a"));
  // A peer's key of any size is named shortly.
  auto key = std::string(10'000, 'k');
  why = refusal([&] { to_positional("SELECT 1", {{key, value{1}}}); });
  CAF_CHECK(why.size() < 200);
}

CAF_TEST(unterminated_quotes_end_the_scan_without_placeholders) {
  auto out = parse_named("SELECT :a, 'open :b");
  CAF_CHECK_EQUAL(out.sql, "SELECT ?, 'open :b");
  CAF_CHECK_EQUAL(out.names, (names{"a"}));
  auto dollar = parse_named("SELECT $x$ :c");
  CAF_CHECK(dollar.names.empty());
}
