// Forward declarations of the storage layer's types.
#pragma once

namespace sasync {

class value;
struct result_set;
struct engine_config;
struct column_def;
struct index_def;
struct table_def;
class storage_failure;
enum class failure_kind : unsigned char;
enum class column_type : unsigned char;
class connection;
class transaction_scope;

enum class dialect_kind : unsigned char;
enum class access_mode : unsigned char;

} // namespace sasync
