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
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using overrun_atom = caf::atom_constant<caf::atom("overrun")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using table_atom = caf::atom_constant<caf::atom("table")>;
using transact_atom = caf::atom_constant<caf::atom("transact")>;
using sql_atom = caf::atom_constant<caf::atom("sql")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

// Persistent objects: the broker hands out one actor per group.
using items_atom = caf::atom_constant<caf::atom("items")>;
using dict_atom = caf::atom_constant<caf::atom("dict")>;
using array_atom = caf::atom_constant<caf::atom("array")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using set_atom = caf::atom_constant<caf::atom("set")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using names_atom = caf::atom_constant<caf::atom("names")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using preload_atom = caf::atom_constant<caf::atom("preload")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using dispatch_atom = caf::atom_constant<caf::atom("dispatch")>;
using clear_atom = caf::atom_constant<caf::atom("clear")>;

// Cursors and bulk inserts.
using lease_atom = caf::atom_constant<caf::atom("lease")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using query_atom = caf::atom_constant<caf::atom("query")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
using credit_atom = caf::atom_constant<caf::atom("credit")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using rows_atom = caf::atom_constant<caf::atom("rows")>;
using insert_atom = caf::atom_constant<caf::atom("insert")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;

// Named statements (sAsync's s()).
using prepare_atom = caf::atom_constant<caf::atom("prepare")>;
using execute_atom = caf::atom_constant<caf::atom("execute")>;

// The dict's mapping operations (Python's dict); update also names the items
// write that must find its name present.
using contains_atom = caf::atom_constant<caf::atom("contains")>;
using size_atom = caf::atom_constant<caf::atom("size")>;
using pop_atom = caf::atom_constant<caf::atom("pop")>;
using setdefault_atom = caf::atom_constant<caf::atom("setdefault")>;
using update_atom = caf::atom_constant<caf::atom("update")>;

// The broker's check for a named statement.
using prepared_atom = caf::atom_constant<caf::atom("prepared")>;

// Versions and compare-and-set on items and array cells.
using version_atom = caf::atom_constant<caf::atom("version")>;
using set_if_atom = caf::atom_constant<caf::atom("set_if")>;
using delete_if_atom = caf::atom_constant<caf::atom("delete_if")>;
// Cluster mode: the members as the database knows them, a member's leaving,
// its periodic report and its cluster client's endpoint rotation.
using cluster_atom = caf::atom_constant<caf::atom("cluster")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using rejoin_atom = caf::atom_constant<caf::atom("rejoin")>;
// Cluster mode: the group actor of a group this node owns, asked by a node
// (its own or another member) that routes a request for the group here.
using own_atom = caf::atom_constant<caf::atom("own")>;
/// An items operation that the dict of its group runs in its place (the
/// two agree on the group; objects/detail/dict_route.hpp).
using through_atom = caf::atom_constant<caf::atom("through")>;

// Atomic batches of data operations, and the holds on a group's names
// that keep them in order with the group's other operations.
using batch_atom = caf::atom_constant<caf::atom("batch")>;
using hold_atom = caf::atom_constant<caf::atom("hold")>;

// Requests batched on the wire: a client's stand-in sends a group actor's
// waiting requests to the node's entry actor in one relay.
using relay_atom = caf::atom_constant<caf::atom("relay")>;
// A request to a stand-in with the bound its requester waits for: the
// stand-in answers request_timeout once it passed, so the request needs no
// timer of CAF's clock thread (two wake-ups of it per request).
using bounded_atom = caf::atom_constant<caf::atom("bounded")>;

} // namespace sasync
