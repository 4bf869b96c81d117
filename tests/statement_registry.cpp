// Named statements on their own: one text per name, for good, and a bound
// on the number of names.
#define CAF_SUITE storage.statement_registry

#include "sasync/storage/statement_registry.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using namespace sasync;

namespace {

/// What define() refused with, or "" when it took the statement.
std::string refusal(statement_registry& reg, const std::string& name,
                    const std::string& sql) {
  try {
    reg.define(name, sql);
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

CAF_TEST(a_defined_statement_is_found_by_its_name) {
  statement_registry reg;
  CAF_CHECK_EQUAL(refusal(reg, "by_customer", "SELECT * FROM t WHERE c = ?"),
                  "");
  auto found = reg.find("by_customer");
  CAF_REQUIRE(found != nullptr);
  CAF_CHECK_EQUAL(*found, "SELECT * FROM t WHERE c = ?");
  CAF_CHECK(reg.find("By_Customer") == nullptr);
  CAF_CHECK(reg.find("nobody") == nullptr);
  CAF_CHECK_EQUAL(reg.size(), 1u);
}

CAF_TEST(the_same_text_again_under_the_same_name_is_fine) {
  statement_registry reg;
  CAF_CHECK_EQUAL(refusal(reg, "q", "SELECT 1"), "");
  CAF_CHECK_EQUAL(refusal(reg, "q", "SELECT 1"), "");
  CAF_CHECK_EQUAL(reg.size(), 1u);
}

CAF_TEST(another_text_under_a_defined_name_is_refused_and_the_first_stays) {
  statement_registry reg;
  CAF_CHECK_EQUAL(refusal(reg, "q", "SELECT 1"), "");
  auto why = refusal(reg, "q", "SELECT 2");
  CAF_CHECK(mentions(why, "'q' is already defined as: SELECT 1"));
  CAF_CHECK(!mentions(why, "SELECT 2"));
  CAF_CHECK_EQUAL(*reg.find("q"), "SELECT 1");
  // Even a difference in space is another text.
  CAF_CHECK_NOT_EQUAL(refusal(reg, "q", "SELECT  1"), "");
}

CAF_TEST(names_that_are_no_identifiers_and_empty_statements_are_refused) {
  statement_registry reg;
  for (auto name : {"", "1st", "has space", "semi;colon", "quo\"te", "a-b"})
    CAF_CHECK(mentions(refusal(reg, name, "SELECT 1"), "statement name"));
  CAF_CHECK(mentions(refusal(reg, std::string(64, 'n'), "SELECT 1"),
                     "statement name"));
  CAF_CHECK_EQUAL(refusal(reg, std::string(63, 'n'), "SELECT 1"), "");
  CAF_CHECK(mentions(refusal(reg, "empty", ""), "'empty' is empty"));
  CAF_CHECK(reg.find("empty") == nullptr);
  CAF_CHECK_EQUAL(reg.size(), 1u);
}

CAF_TEST(names_beyond_the_capacity_are_refused_but_defined_ones_still_work) {
  statement_registry reg{3};
  for (auto name : {"a", "b", "c"})
    CAF_CHECK_EQUAL(refusal(reg, name, "SELECT 1"), "");
  CAF_CHECK(
      mentions(refusal(reg, "d", "SELECT 1"), "more than 3 named statements"));
  CAF_CHECK(reg.find("d") == nullptr);
  // Defining a known name again needs no room.
  CAF_CHECK_EQUAL(refusal(reg, "b", "SELECT 1"), "");
  CAF_CHECK_EQUAL(reg.size(), 3u);
}

CAF_TEST(the_default_capacity_is_1000_names) {
  statement_registry reg;
  for (int i = 0; i < 1000; ++i)
    CAF_REQUIRE_EQUAL(refusal(reg, "s" + std::to_string(i), "SELECT 1"), "");
  CAF_CHECK(mentions(refusal(reg, "s1000", "SELECT 1"),
                     "more than 1000 named statements"));
  CAF_CHECK_EQUAL(reg.size(), 1000u);
}
