// Turns the C++ blocks of README.md into one program and the output it must
// print, so that the README's examples are compiled and run as they stand.
// The rules are described in tests/CMakeLists.txt, next to the test.
#include <cstddef>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr const char* skip_marker = "<!-- example: not compiled -->";
constexpr const char* declarations_marker = "<!-- example: declarations -->";
constexpr const char* url_literal = "\"sqlite:///app.db\"";
constexpr const char* prints_tag = "// prints:";

struct source_line {
  std::size_t number; ///< in README.md, from 1
  std::string text;
};

struct block {
  std::vector<source_line> includes;
  std::vector<source_line> declarations; ///< at namespace scope
  std::vector<source_line> body;         ///< inside main
  std::vector<source_line> prints;       ///< expected output lines
};

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.pop_back();
  return s;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string replace_url(std::string s) {
  static const std::string literal = url_literal;
  for (auto at = s.find(literal); at != std::string::npos;
       at = s.find(literal, at))
    s.replace(at, literal.size(), "readme_url()");
  return s;
}

/// Splits one fenced block (its lines without the fences) as the rules say;
/// all of a declarations block but its includes is at namespace scope.
block split(const std::vector<source_line>& lines, bool all_declarations) {
  block out;
  std::vector<source_line> code;
  for (auto& l : lines) {
    if (starts_with(l.text, "#include"))
      out.includes.push_back(l);
    else
      code.push_back({l.number, replace_url(l.text)});
    if (auto at = l.text.find(prints_tag); at != std::string::npos) {
      auto text = l.text.substr(at + std::string{prints_tag}.size());
      if (!text.empty() && text.front() == ' ')
        text.erase(0, 1);
      out.prints.push_back({l.number, trim_right(text)});
    }
  }
  // A type or template starts at column 0 and ends where its braces close
  // on a line ending with `;` or `}`; everything else runs in main.
  static const std::vector<std::string> keywords{"struct ", "class ",
                                                 "template ", "template<",
                                                 "namespace ", "enum "};
  if (all_declarations) {
    out.declarations = std::move(code);
    return out;
  }
  int depth = 0;
  bool in_declaration = false;
  for (auto& l : code) {
    if (!in_declaration)
      for (auto& k : keywords)
        in_declaration = in_declaration || starts_with(l.text, k);
    if (!in_declaration) {
      out.body.push_back(l);
      continue;
    }
    out.declarations.push_back(l);
    for (char c : l.text)
      depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    auto t = trim_right(l.text);
    if (depth == 0 && !t.empty() && (t.back() == ';' || t.back() == '}'))
      in_declaration = false;
  }
  return out;
}

void emit(std::ostream& out, const std::vector<source_line>& lines,
          const std::string& readme, const std::string& indent) {
  if (lines.empty())
    return;
  out << "#line " << lines.front().number << " \"" << readme << "\"\n";
  auto next = lines.front().number;
  for (auto& l : lines) {
    if (l.number != next)
      out << "#line " << l.number << " \"" << readme << "\"\n";
    out << indent << l.text << '\n';
    next = l.number + 1;
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " README.md OUT.cpp OUT.expected\n";
    return 1;
  }
  std::string readme = argv[1];
  std::ifstream in{readme};
  if (!in) {
    std::cerr << readme << ": cannot read\n";
    return 1;
  }
  std::vector<block> blocks;
  std::vector<source_line> current;
  bool in_cpp = false;
  bool in_other = false;
  bool skip_next = false;
  bool skipping = false;
  bool declarations_next = false;
  bool declaring = false;
  std::string text;
  for (std::size_t number = 1; std::getline(in, text); ++number) {
    auto t = trim_right(text);
    if (in_cpp) {
      if (t == "```") {
        in_cpp = false;
        if (!skipping) {
          auto b = split(current, declaring);
          if (b.prints.empty() && !declaring) {
            std::cerr << readme << ':' << current.front().number - 1
                      << ": a compiled example prints nothing to check "
                         "(mark a line with `// prints: TEXT`, or put "
                      << skip_marker << " before the block)\n";
            return 1;
          }
          blocks.push_back(std::move(b));
        }
        current.clear();
      } else {
        current.push_back({number, text});
      }
    } else if (in_other) {
      in_other = t != "```";
    } else if (t == "```cpp" || t == "```c++") {
      in_cpp = true;
      skipping = skip_next;
      declaring = declarations_next;
    } else if (starts_with(t, "```")) {
      in_other = true;
    }
    skip_next = t == skip_marker;
    declarations_next = t == declarations_marker;
  }
  if (in_cpp || in_other) {
    std::cerr << readme << ": a code block is not closed\n";
    return 1;
  }
  if (blocks.empty()) {
    std::cerr << readme << ": no C++ example to compile\n";
    return 1;
  }

  std::ostringstream program;
  program << "// Generated from " << readme
          << " by tests/readme/extract_examples.cpp; do not edit.\n";
  for (auto& b : blocks)
    emit(program, b.includes, readme, "");
  program << "#line 1 \"readme-examples-main\"\n"
             "#include <iostream>\n"
             "namespace {\n"
             "const char* readme_url_value = nullptr;\n"
             "const char* readme_url() { return readme_url_value; }\n"
             "} // namespace\n";
  for (auto& b : blocks)
    emit(program, b.declarations, readme, "");
  program << "#line 1 \"readme-examples-main\"\n"
             "int main(int argc, char** argv) {\n"
             "  if (argc != 2)\n"
             "    return 1;\n"
             "  readme_url_value = argv[1];\n"
             "  std::cout << std::unitbuf; // nothing lost if it hangs\n";
  emit(program, blocks.front().body, readme, "  ");
  for (std::size_t i = 1; i < blocks.size(); ++i) {
    program << "  {\n";
    emit(program, blocks[i].body, readme, "    ");
    program << "  }\n";
  }
  program << "}\n";

  std::ostringstream expected;
  for (auto& b : blocks)
    for (auto& p : b.prints)
      expected << p.text << '\n';

  // Written only when changed, so an unrelated README edit rebuilds nothing.
  auto write = [](const std::string& path, const std::string& content) {
    std::ifstream old{path};
    std::stringstream was;
    was << old.rdbuf();
    if (old && was.str() == content)
      return true;
    std::ofstream out{path, std::ios::trunc};
    out << content;
    return static_cast<bool>(out);
  };
  if (!write(argv[2], program.str()) || !write(argv[3], expected.str())) {
    std::cerr << "cannot write " << argv[2] << " or " << argv[3] << '\n';
    return 1;
  }
  return 0;
}
