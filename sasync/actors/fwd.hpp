// Forward declarations of the actor layer's plain types; the typed actor
// handles (broker, items, dict, ...) are aliases and live in their headers.
#pragma once

#include <cstdint>

namespace sasync {

enum class errc : std::uint8_t;
struct priority;
class job;
struct transact_options;
struct system_config;

struct broker_config;
struct broker_status;
struct queue_config;
struct queue_status;
struct connection_config;
struct batch_report;

struct cursor_info;
struct insert_progress;
struct row_batch;

struct node_limits;
struct wire_limits;

} // namespace sasync
