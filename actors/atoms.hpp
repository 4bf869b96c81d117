// The atoms of sasync's message interfaces; each reads like a verb.
#pragma once

#include <caf/atom.hpp>

namespace sasync {

using run_atom = caf::atom_constant<caf::atom("run")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using table_atom = caf::atom_constant<caf::atom("table")>;
using transact_atom = caf::atom_constant<caf::atom("transact")>;
using sql_atom = caf::atom_constant<caf::atom("sql")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

} // namespace sasync
