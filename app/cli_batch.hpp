// `sasync batch`: the lines of a batch file read into operations. One
// operation a line, its fields separated by tabs, each field with the
// escapes of cli_text.hpp (\t, \n, \\, ...); empty lines and lines that
// start with # are skipped:
//
//   items  set     GROUP NAME VALUE [--if-version V]
//   items  delete  GROUP NAME       [--if-version V]
//   array  set     GROUP X Y Z VALUE [--if-version V]
//   array  delete  GROUP X Y Z      [--if-version V]
//   sql    STATEMENT [PARAM...]     (`?` parameters; numbers bind as numbers)
//
// VALUE is stored as text, as `items set` stores it.
#pragma once

#include "sasync/storage/batch_op.hpp"

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace sasync::cli {

/// A batch file's operations and the line each came from.
struct batch_lines {
  std::vector<batch_op> ops;
  std::vector<std::size_t> line_of;
};

/// A line that is no operation: its number and why.
struct bad_batch_line {
  std::size_t line;
  std::string why;
};

/// Reads `in` to its end; throws bad_batch_line at the first line that is
/// no operation, or when there are more than max_batch_ops.
batch_lines read_batch(std::istream& in);

} // namespace sasync::cli
