// Registers sasync's error category and message types with CAF.
#include "actors/system_config.hpp"

#include "actors/broker_status.hpp"
#include "actors/errc.hpp"
#include "actors/priority.hpp"
#include "storage/table_def.hpp"
#include "storage/value.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>

namespace sasync {

void configure(caf::actor_system_config& cfg) {
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  cfg.add_error_category(errc_category,
                         [](std::uint8_t code, caf::atom_value,
                            const caf::message& ctx) -> std::string {
                           return render(static_cast<errc>(code), ctx);
                         });
  // Every type that may cross to another node is registered by name.
  cfg.add_message_type<value>("sasync::value");
  cfg.add_message_type<std::vector<value>>("std::vector<sasync::value>");
  cfg.add_message_type<result_set>("sasync::result_set");
  cfg.add_message_type<column_def>("sasync::column_def");
  cfg.add_message_type<index_def>("sasync::index_def");
  cfg.add_message_type<table_def>("sasync::table_def");
  cfg.add_message_type<priority>("sasync::priority");
  cfg.add_message_type<queue_status>("sasync::queue_status");
  cfg.add_message_type<broker_status>("sasync::broker_status");
  cfg.add_message_type<std::vector<caf::error>>("std::vector<caf::error>");
}

} // namespace sasync
