// Reading a batch file: tab-separated fields, checked as the CLI checks the
// same operations' arguments.
#include "cli_batch.hpp"

#include "cli_text.hpp"

#include "sasync/storage/value_codec.hpp"

#include <charconv>
#include <istream>
#include <optional>

namespace sasync::cli {

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (;;) {
    auto tab = line.find('\t', from);
    out.push_back(line.substr(from, tab - from));
    if (tab == std::string::npos)
      return out;
    from = tab + 1;
  }
}

template <class T> std::optional<T> number(const std::string& text) {
  T out{};
  auto end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc{} || ptr != end || text.empty())
    return std::nullopt;
  return out;
}

/// Reads the fields of one line into `op`; throws the reason as a string.
batch_op parse_fields(std::vector<std::string> f) {
  batch_op op;
  auto need = [&](bool ok, const char* what) {
    if (!ok)
      throw std::string{what};
  };
  need(!f.empty() && !f[0].empty(), "an empty operation");
  if (f[0] == "sql") {
    need(f.size() >= 2 && !f[1].empty(), "expected sql<TAB>STATEMENT");
    op.kind = batch_kind::statement;
    op.text = f[1];
    for (std::size_t i = 2; i < f.size(); ++i)
      op.params.push_back(parameter(f[i]));
    return op;
  }
  need(f[0] == "items" || f[0] == "array",
       "expected items, array or sql first");
  auto cells = f[0] == "array";
  need(f.size() >= 2 && (f[1] == "set" || f[1] == "delete"),
       "expected set or delete after items or array");
  auto sets = f[1] == "set";
  // An optional --if-version V at the end.
  bool conditional = false;
  if (f.size() >= 2 && f[f.size() - 2] == "--if-version") {
    auto v = number<std::uint64_t>(f.back());
    need(v.has_value(), "--if-version takes a whole number from 0 up");
    op.expected = *v;
    conditional = true;
    f.resize(f.size() - 2);
  }
  std::size_t want = 3 + (cells ? 3 : 1) + (sets ? 1 : 0);
  if (f.size() != want)
    throw std::string{"expected "} + f[0] + "<TAB>" + f[1] + "<TAB>GROUP" +
        (cells ? "<TAB>X<TAB>Y<TAB>Z" : "<TAB>NAME") +
        (sets ? "<TAB>VALUE" : "") + " [--if-version<TAB>V]";
  auto group = number<std::int64_t>(f[2]);
  need(group.has_value(), "GROUP must be a whole number");
  op.group = *group;
  if (cells) {
    auto x = number<std::int64_t>(f[3]);
    auto y = number<std::int64_t>(f[4]);
    auto z = number<std::int64_t>(f[5]);
    need(x && y && z, "X, Y and Z must be whole numbers");
    op.at = coordinates{*x, *y, *z};
  } else {
    op.text = f[3];
  }
  if (sets)
    op.x = encode(f.back());
  using k = batch_kind;
  if (cells)
    op.kind = sets ? (conditional ? k::cell_set_if : k::cell_set)
                   : (conditional ? k::cell_delete_if : k::cell_delete);
  else
    op.kind = sets ? (conditional ? k::item_set_if : k::item_set)
                   : (conditional ? k::item_delete_if : k::item_delete);
  return op;
}

} // namespace

batch_lines read_batch(std::istream& in) {
  batch_lines out;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    if (out.ops.size() == max_batch_ops)
      throw bad_batch_line{number, "more than " +
                                       std::to_string(max_batch_ops) +
                                       " operations in one batch"};
    std::vector<std::string> fields;
    for (auto& raw : split_tabs(line)) {
      auto field = unescape(raw);
      if (!field)
        throw bad_batch_line{number, "a dangling or unknown \\ escape"};
      fields.push_back(std::move(*field));
    }
    try {
      out.ops.push_back(parse_fields(std::move(fields)));
    } catch (const std::string& why) {
      throw bad_batch_line{number, why};
    }
    out.line_of.push_back(number);
  }
  if (out.ops.empty())
    throw bad_batch_line{number, "no operations"};
  return out;
}

} // namespace sasync::cli
