// The runner for every CAF test suite of sasync; CTest runs one suite a test.
// CAF prints the line of a failed check only at its most verbose level,
// among the lines of every check that passed: unless told a level, this
// runner asks for that one and drops the passed checks' lines, so that a
// failure in CI's log names its check and what it compared.
#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>

#include <iostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Passes on whole lines, but not those of passed checks ("** file:line",
/// after any colour codes).
class without_passed_checks : public std::streambuf {
public:
  explicit without_passed_checks(std::streambuf* out) : out_(out) {}

  ~without_passed_checks() override {
    if (!line_.empty())
      pass_on(line_);
  }

protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof()))
      return traits_type::not_eof(c);
    line_ += traits_type::to_char_type(c);
    if (c == '\n') {
      pass_on(line_);
      line_.clear();
    }
    return c;
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i)
      overflow(traits_type::to_int_type(s[i]));
    return n;
  }

  int sync() override { return out_->pubsync(); }

private:
  static bool passed_check(std::string_view line) {
    while (line.size() > 1 && line[0] == '\x1b') { // a colour code
      auto end = line.find('m');
      if (end == std::string_view::npos)
        return false;
      line.remove_prefix(end + 1);
    }
    return line.substr(0, 3) == "** ";
  }

  void pass_on(const std::string& line) {
    if (!passed_check(line)) {
      out_->sputn(line.data(), static_cast<std::streamsize>(line.size()));
      out_->pubsync();
    }
  }

  std::streambuf* out_;
  std::string line_;
};

bool names_a_verbosity(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--")
      break;
    if (arg.substr(0, 2) == "-v" || arg.substr(0, 19) == "--console-verbosity")
      return true;
  }
  return false;
}

} // namespace

int main(int argc, char** argv) {
  if (names_a_verbosity(argc, argv))
    return caf::test::main(argc, argv);
  std::vector<char*> args{argv, argv + argc};
  std::string flag = "-v", level = "5";
  args.insert(args.begin() + 1, {flag.data(), level.data()});
  without_passed_checks filter{std::cerr.rdbuf()};
  auto* original = std::cerr.rdbuf(&filter);
  auto result = caf::test::main(static_cast<int>(args.size()), args.data());
  std::cerr.rdbuf(original);
  return result;
}
