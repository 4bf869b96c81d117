// What the operator's log may show of a statement: literals masked,
// parameters (which never reach it) left as placeholders.
#define CAF_SUITE storage.event_log

#include "sasync/storage/event_log.hpp"

#include <caf/test/unit_test.hpp>

using namespace sasync;

CAF_TEST(string_literals_are_masked_and_placeholders_stay) {
  CAF_CHECK_EQUAL(masked_statement("SELECT 'secret', x FROM t WHERE y = ?"),
                  "SELECT '?', x FROM t WHERE y = ?");
  CAF_CHECK_EQUAL(masked_statement("ALTER ROLE r PASSWORD 'it''s secret'"),
                  "ALTER ROLE r PASSWORD '?'");
  CAF_CHECK_EQUAL(masked_statement("SELECT E'a\\'b', $1, $2::int"),
                  "SELECT E'?', $1, $2::int");
  CAF_CHECK_EQUAL(masked_statement("SELECT $$secret$$, $tag$x$y$tag$"),
                  "SELECT '?', '?'");
  CAF_CHECK_EQUAL(masked_statement("SELECT :name, 'open"), "SELECT :name, '?'");
  auto longest = masked_statement(std::string(2000, 'x'));
  CAF_CHECK_LESS(longest.size(), 600u);
  CAF_CHECK_EQUAL(longest.substr(longest.size() - 3), "...");
}

CAF_TEST(levels_are_four_words) {
  CAF_CHECK(parse_log_level("error") == log_level::error);
  CAF_CHECK(parse_log_level("warn") == log_level::warn);
  CAF_CHECK(parse_log_level("info") == log_level::info);
  CAF_CHECK(parse_log_level("debug") == log_level::debug);
  CAF_CHECK(!parse_log_level("warning"));
  CAF_CHECK(!parse_log_level("INFO"));
  CAF_CHECK(!parse_log_level(""));
}
