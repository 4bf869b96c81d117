// A table definition: columns, primary key and extra indexes (sAsync's
// `table(name, cols, index_NAME=[...], unique_NAME=[...])`).
#pragma once

#include <string>
#include <vector>

namespace sasync {

/// Column types, mapped to each dialect's own names by the DDL generator.
enum class column_type : unsigned char { integer, real, text, blob, boolean };

struct column_def {
  std::string name;
  column_type type = column_type::text;
  bool nullable = true;
  bool primary_key = false;
  /// Integer key filled by the database (SQLite AUTOINCREMENT, PostgreSQL
  /// identity). Only for a single integer primary-key column.
  bool autoincrement = false;
};

struct index_def {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
};

struct table_def {
  std::string name;
  std::vector<column_def> columns;
  std::vector<index_def> indexes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, column_def& x) {
  return f(x.name, x.type, x.nullable, x.primary_key, x.autoincrement);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, index_def& x) {
  return f(x.name, x.columns, x.unique);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, table_def& x) {
  return f(x.name, x.columns, x.indexes);
}

} // namespace sasync
