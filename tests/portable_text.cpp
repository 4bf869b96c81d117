// Text every backend stores exactly: no NUL bytes, well-formed UTF-8.
#define CAF_SUITE storage.portable_text

#include "sasync/storage/portable_text.hpp"

#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/value.hpp"

#include <caf/test/unit_test.hpp>

#include <string>

using namespace sasync;

CAF_TEST(utf8_and_ascii_text_is_portable) {
  for (std::string ok : {"", "plain", "tab\tand\nnewline", "\x7f",
                         "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
                         "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
                         "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
                         "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 \xf0\x9f\x98\x80"})
    CAF_CHECK_EQUAL(text_problem(ok), "");
}

CAF_TEST(nul_bytes_are_refused_naming_the_offset) {
  auto why = text_problem(std::string{"key\0one", 7});
  CAF_CHECK_NOT_EQUAL(why.find("NUL"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(why.find("byte 3"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text_problem(std::string(1, '\0')), "");
}

CAF_TEST(ill_formed_utf8_is_refused) {
  for (std::string bad : {
           "\x80",             // a continuation byte alone
           "\xbf",             //
           "\xc0\xaf",         // overlong '/'
           "\xc1\xbf",         // overlong
           "\xc3",             // cut short
           "caf\xc3",          //
           "\xe0\x80\xaf",     // overlong
           "\xed\xa0\x80",     // a surrogate
           "\xe2\x82",         // cut short
           "\xf0\x80\x80\xaf", // overlong
           "\xf4\x90\x80\x80", // above U+10FFFF
           "\xf5\x80\x80\x80", //
           "\xff",             //
           "\xfe",             //
       }) {
    auto why = text_problem(bad);
    CAF_CHECK_NOT_EQUAL(why.find("UTF-8"), std::string::npos);
  }
  CAF_CHECK_NOT_EQUAL(text_problem("ok\xff").find("byte 2"), std::string::npos);
}

CAF_TEST(statements_and_text_parameters_are_checked_blobs_are_not) {
  auto refused = [](auto fn) {
    try {
      fn();
    } catch (const storage_failure& f) {
      return f.kind() == failure_kind::invalid_argument;
    }
    return false;
  };
  CAF_CHECK(refused(
      [] { check_portable_statement(std::string{"SELECT 1\0x", 10}, {}); }));
  CAF_CHECK(refused([] {
    check_portable_statement("SELECT ?, ?", {1, std::string{"a\0b", 3}});
  }));
  CAF_CHECK(refused([] { check_portable_text("a name", "\xff"); }));
  CAF_CHECK(!refused([] {
    check_portable_statement("SELECT ?, ?", {blob{0, 0xff}, value{}});
  }));
}
