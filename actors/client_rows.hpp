// Client helpers for rows in bulk: queries and their cursors (pulled with
// fetch, or pushed to a row_consumer), and ordered bulk inserts, from scoped
// actors (answers as caf::expected) and event-based actors (callbacks).
#pragma once

#include "actors/bulk_insert.hpp"
#include "actors/client_request.hpp"
#include "actors/cursor.hpp"
#include "actors/node.hpp"
#include "actors/row_consumer.hpp"

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sasync {

// Timeouts and the answers of ended actors as in client_node.hpp. A request
// to a cursor that has ended fails with invalid_argument ("the cursor has
// ended"); to a bulk insert the broker closed at shutdown, with shutting_down.

// -- scoped actors: queries ---------------------------------------------------

/// A cursor over the rows of `statement` (`?` parameters bound, `{}` for
/// none); pull its rows with fetch.
caf::expected<cursor_info> query(caf::scoped_actor& self, const node& db,
                                 std::string statement,
                                 std::vector<value> params = {},
                                 client_timeout timeout = {});

/// The same, the rows pushed to `consumer` (row_consumer.hpp): `credit`
/// rows at once, more as the consumer grants them with credit().
caf::expected<cursor_info>
query(caf::scoped_actor& self, const node& db, std::string statement,
      std::vector<value> params, const row_consumer& consumer,
      std::uint32_t credit, client_timeout timeout = {});

/// The cursor's next rows, at most `n`; `done` on the last batch.
caf::expected<row_batch> fetch(caf::scoped_actor& self, const cursor& rows,
                               std::uint32_t n, client_timeout timeout = {});

/// Ends the cursor early and gives its connection back.
caf::expected<void> cancel(caf::scoped_actor& self, const cursor& rows,
                           client_timeout timeout = {});

/// Calls `on_row` for every row of `statement`, `batch` rows per fetch, and
/// returns how many rows there were. The cursor reads one batch ahead, so
/// memory holds about two batches whatever the result's size. If `on_row`
/// throws, the cursor is cancelled and the exception passes on.
caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const node& db, std::string statement,
             std::vector<value> params,
             const std::function<void(const row&)>& on_row,
             std::uint32_t batch = 1000, client_timeout timeout = {});

/// The same for a cursor already open (say, after printing its columns).
caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const cursor& rows,
             const std::function<void(const row&)>& on_row,
             std::uint32_t batch = 1000, client_timeout timeout = {});

// -- scoped actors: bulk inserts ----------------------------------------------

/// An ordered bulk insert into `spec.table`.
caf::expected<bulk_insert> insert_into(caf::scoped_actor& self, const node& db,
                                       insert_spec spec,
                                       client_timeout timeout = {});

/// Appends `rows`; answers after they committed, with their keys in input
/// order (none when the spec names no key column).
caf::expected<std::vector<value>> write(caf::scoped_actor& self,
                                        const bulk_insert& inserter,
                                        std::vector<row> rows,
                                        client_timeout timeout = {});

/// Rows committed, waiting, and transactions run so far.
caf::expected<insert_progress> progress(caf::scoped_actor& self,
                                        const bulk_insert& inserter,
                                        client_timeout timeout = {});

/// What insert_rows reports as it goes.
struct insert_callbacks {
  /// Each write's keys, in input order (when the spec names a key).
  std::function<void(std::vector<value>&)> on_keys;
  /// Rows committed so far.
  std::function<void(std::uint64_t)> on_progress;
};

/// Writes the rows `next()` yields (none ends them) through `inserter`, in
/// input order, `batch` rows per write with two writes in flight, so memory
/// holds about two batches however many rows come. Returns the rows
/// written; on an error, the rows written before it are those reported by
/// on_progress.
caf::expected<std::uint64_t> insert_rows(
    caf::scoped_actor& self, const bulk_insert& inserter, std::uint32_t batch,
    const std::function<std::optional<row>()>& next,
    const insert_callbacks& callbacks = {}, client_timeout timeout = {});

// -- any actor ----------------------------------------------------------------

/// Lets the cursor push `n` more rows to its consumer (no answer).
template <class Self>
void credit(Self& self, const cursor& rows, std::uint32_t n) {
  self->send(rows, credit_atom::value, n);
}

// -- event-based actors -------------------------------------------------------
// `on_result(T&)` gets the answer (`on_done()` for none), `on_error(
// caf::error&)` the error.

template <class Self, class OnResult, class OnError>
void query(Self* self, const node& db, std::string statement,
           std::vector<value> params, OnResult on_result, OnError on_error,
           client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    query_atom::value, std::move(statement), std::move(params));
}

/// A query whose rows go to `consumer`; `on_result(cursor_info&)` once it
/// runs.
template <class Self, class OnResult, class OnError>
void query(Self* self, const node& db, std::string statement,
           std::vector<value> params, const row_consumer& consumer,
           std::uint32_t credit, OnResult on_result, OnError on_error,
           client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    query_atom::value, std::move(statement), std::move(params),
                    consumer, credit);
}

template <class Self, class OnResult, class OnError>
void fetch(Self* self, const cursor& rows, std::uint32_t n, OnResult on_result,
           OnError on_error, client_timeout timeout = {}) {
  detail::call_then(self, rows, timeout, detail::gone_means::cursor_ended,
                    std::move(on_result), std::move(on_error),
                    fetch_atom::value, n);
}

template <class Self, class OnDone, class OnError>
void cancel(Self* self, const cursor& rows, OnDone on_done, OnError on_error,
            client_timeout timeout = {}) {
  detail::call_then(self, rows, timeout, detail::gone_means::cursor_ended,
                    std::move(on_done), std::move(on_error),
                    cancel_atom::value);
}

template <class Self, class OnResult, class OnError>
void insert_into(Self* self, const node& db, insert_spec spec,
                 OnResult on_result, OnError on_error,
                 client_timeout timeout = {}) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    insert_atom::value, std::move(spec));
}

template <class Self, class OnResult, class OnError>
void write(Self* self, const bulk_insert& inserter, std::vector<row> rows,
           OnResult on_result, OnError on_error, client_timeout timeout = {}) {
  detail::call_then(self, inserter, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    write_atom::value, std::move(rows));
}

template <class Self, class OnResult, class OnError>
void progress(Self* self, const bulk_insert& inserter, OnResult on_result,
              OnError on_error, client_timeout timeout = {}) {
  detail::call_then(self, inserter, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    progress_atom::value);
}

} // namespace sasync
