// Client helpers for rows in bulk: queries and their cursors (pulled with
// fetch, or pushed to a row_consumer), and ordered bulk inserts, from scoped
// actors (answers as caf::expected) and event-based actors (callbacks).
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/client/client_request.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/net/node.hpp"
#include "sasync/actors/query/bulk_insert.hpp"
#include "sasync/actors/query/cursor.hpp"
#include "sasync/actors/query/row_consumer.hpp"

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
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
                                 client_timeout timeout = {},
                                 priority prio = defaults::statement_priority);

/// The same, the rows pushed to `consumer` (row_consumer.hpp): `credit`
/// rows at once, more as the consumer grants them with credit().
caf::expected<cursor_info>
query(caf::scoped_actor& self, const node& db, std::string statement,
      std::vector<value> params, const row_consumer& consumer,
      std::uint32_t credit, client_timeout timeout = {},
      priority prio = defaults::statement_priority);

/// The cursor's next rows, at most `n`; `done` on the last batch.
caf::expected<row_batch> fetch(caf::scoped_actor& self, const cursor& rows,
                               std::uint32_t n, client_timeout timeout = {});

/// Ends the cursor early and gives its connection back.
caf::expected<void> cancel(caf::scoped_actor& self, const cursor& rows,
                           client_timeout timeout = {});

/// Calls `on_row` for every row of `statement`, `batch` rows per fetch, and
/// returns how many rows there were. The cursor reads two batches ahead, so
/// memory holds about three batches whatever the result's size. If `on_row`
/// throws, the cursor is cancelled and the exception passes on. The query
/// waits in the queue at `prio`; its fetches then run on the cursor's own
/// connection, outside the queue.
caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const node& db, std::string statement,
             std::vector<value> params,
             const std::function<void(row_view)>& on_row,
             std::uint32_t batch = 1000, client_timeout timeout = {},
             priority prio = defaults::statement_priority);

/// The same for a cursor already open (say, after printing its columns).
caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const cursor& rows,
             const std::function<void(row_view)>& on_row,
             std::uint32_t batch = 1000, client_timeout timeout = {});

// -- scoped actors: bulk inserts ----------------------------------------------

/// An ordered bulk insert into `spec.table`.
caf::expected<bulk_insert> insert_into(caf::scoped_actor& self, const node& db,
                                       insert_spec spec,
                                       client_timeout timeout = {});

/// Appends `rows`; answers after they committed, with their keys in input
/// order (none when the spec names no key column). The rows' batch waits in
/// the queue at `prio` (or at a more urgent one a write waiting with them
/// asked for).
caf::expected<std::vector<value>>
write(caf::scoped_actor& self, const bulk_insert& inserter,
      std::vector<row> rows, client_timeout timeout = {},
      priority prio = defaults::insert_priority);

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
/// on_progress. Every write goes at `prio`.
caf::expected<std::uint64_t>
insert_rows(caf::scoped_actor& self, const bulk_insert& inserter,
            std::uint32_t batch,
            const std::function<std::optional<row>()>& next,
            const insert_callbacks& callbacks = {}, client_timeout timeout = {},
            priority prio = defaults::insert_priority);

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
           client_timeout timeout = {},
           priority prio = defaults::statement_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    query_atom::value, std::move(statement), std::move(params),
                    prio);
}

/// A query whose rows go to `consumer`; `on_result(cursor_info&)` once it
/// runs.
template <class Self, class OnResult, class OnError>
void query(Self* self, const node& db, std::string statement,
           std::vector<value> params, const row_consumer& consumer,
           std::uint32_t credit, OnResult on_result, OnError on_error,
           client_timeout timeout = {},
           priority prio = defaults::statement_priority) {
  detail::call_then(self, db, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    query_atom::value, std::move(statement), std::move(params),
                    consumer, credit, prio);
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
           OnResult on_result, OnError on_error, client_timeout timeout = {},
           priority prio = defaults::insert_priority) {
  detail::call_then(self, inserter, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    write_atom::value, std::move(rows), prio);
}

template <class Self, class OnResult, class OnError>
void progress(Self* self, const bulk_insert& inserter, OnResult on_result,
              OnError on_error, client_timeout timeout = {}) {
  detail::call_then(self, inserter, timeout, detail::gone_means::shut_down,
                    std::move(on_result), std::move(on_error),
                    progress_atom::value);
}

// -- event-based actors: rows in bulk ----------------------------------------

namespace detail {

/// Pulls a cursor's rows a batch at a time for an event-based actor; kept
/// alive by its pending fetch alone.
template <class Self, class OnDone, class OnError>
struct row_pump : std::enable_shared_from_this<row_pump<Self, OnDone, OnError>> {
  Self* self;
  cursor rows;
  std::function<void(row_view)> on_row;
  OnDone on_done;
  OnError on_error;
  std::uint32_t batch;
  client_timeout timeout;
  std::uint64_t count = 0;

  row_pump(Self* self, cursor rows, std::function<void(row_view)> on_row,
           OnDone on_done, OnError on_error, std::uint32_t batch,
           client_timeout timeout)
      : self(self), rows(std::move(rows)), on_row(std::move(on_row)),
        on_done(std::move(on_done)), on_error(std::move(on_error)),
        batch(batch), timeout(timeout) {}

  void pull() {
    auto me = this->shared_from_this();
    call_then(
        self, rows, timeout, gone_means::cursor_ended,
        [me](row_batch& got) { me->take(got); },
        [me](caf::error& err) {
          me->self->send(me->rows, cancel_atom::value);
          me->on_error(err);
        },
        fetch_atom::value, batch);
  }

  void take(row_batch& got) {
    try {
      for (auto& r : got.rows)
        on_row(r);
    } catch (...) {
      self->send(rows, cancel_atom::value);
      throw;
    }
    count += got.rows.size();
    if (got.done)
      on_done(count);
    else
      pull();
  }
};

/// Up to `batch` rows from `next`; `more` turns false once it has none.
inline std::vector<row>
next_rows(const std::function<std::optional<row>()>& next, std::uint32_t batch,
          bool& more) {
  std::vector<row> rows;
  rows.reserve(batch);
  while (more && rows.size() < batch) {
    auto r = next();
    if (!r)
      more = false;
    else
      rows.emplace_back(std::move(*r));
  }
  return rows;
}

/// Writes rows for an event-based actor, two writes in flight; kept alive
/// by its pending writes alone.
template <class Self, class OnDone, class OnError>
struct insert_pump
    : std::enable_shared_from_this<insert_pump<Self, OnDone, OnError>> {
  Self* self;
  bulk_insert inserter;
  std::uint32_t batch;
  std::function<std::optional<row>()> next;
  insert_callbacks callbacks;
  OnDone on_done;
  OnError on_error;
  client_timeout timeout;
  priority prio;
  std::size_t in_flight = 0;
  bool more = true;
  std::uint64_t written = 0;
  caf::error failure;

  insert_pump(Self* self, bulk_insert inserter, std::uint32_t batch,
              std::function<std::optional<row>()> next,
              insert_callbacks callbacks, OnDone on_done, OnError on_error,
              client_timeout timeout, priority prio)
      : self(self), inserter(std::move(inserter)), batch(batch),
        next(std::move(next)), callbacks(std::move(callbacks)),
        on_done(std::move(on_done)), on_error(std::move(on_error)),
        timeout(timeout), prio(prio) {}

  /// Sends writes until two are in flight; answers once none is left.
  void fill() {
    while (!failure && more && in_flight < 2) {
      auto rows = next_rows(next, batch, more);
      if (rows.empty())
        break;
      send(std::move(rows));
    }
    if (in_flight != 0)
      return;
    if (failure)
      on_error(failure);
    else
      on_done(written);
  }

  void send(std::vector<row> rows) {
    auto me = this->shared_from_this();
    auto n = rows.size();
    ++in_flight;
    // The bulk insert answers its writes in input order.
    call_then(
        self, inserter, timeout, gone_means::shut_down,
        [me, n](std::vector<value>& keys) {
          --me->in_flight;
          me->written += n;
          if (me->callbacks.on_keys)
            me->callbacks.on_keys(keys);
          if (me->callbacks.on_progress)
            me->callbacks.on_progress(me->written);
          me->fill();
        },
        [me](caf::error& err) {
          --me->in_flight;
          if (!me->failure)
            me->failure = err;
          me->fill();
        },
        write_atom::value, std::move(rows), prio);
  }
};

} // namespace detail

/// Calls `on_row(row_view)` for every row of the cursor, `batch` rows per
/// fetch, then `on_done(std::uint64_t)` with how many there were; or
/// `on_error(caf::error&)` (the cursor is cancelled). If `on_row` throws,
/// the cursor is cancelled and the exception passes on.
template <class Self, class OnDone, class OnError>
void for_each_row(Self* self, const cursor& rows,
                  std::function<void(row_view)> on_row, OnDone on_done,
                  OnError on_error, std::uint32_t batch = 1000,
                  client_timeout timeout = {}) {
  using pump = detail::row_pump<Self, OnDone, OnError>;
  std::make_shared<pump>(self, rows, std::move(on_row), std::move(on_done),
                         std::move(on_error), batch, timeout)
      ->pull();
}

/// The same for every row of `statement` (`?` parameters bound), the query
/// at `prio`.
template <class Self, class OnDone, class OnError>
void for_each_row(Self* self, const node& db, std::string statement,
                  std::vector<value> params,
                  std::function<void(row_view)> on_row, OnDone on_done,
                  OnError on_error, std::uint32_t batch = 1000,
                  client_timeout timeout = {},
                  priority prio = defaults::statement_priority) {
  auto opened = [self, on_row, on_done, on_error, batch,
                 timeout](cursor_info& info) mutable {
    for_each_row(self, info.rows, std::move(on_row), std::move(on_done),
                 std::move(on_error), batch, timeout);
  };
  query(self, db, std::move(statement), std::move(params), std::move(opened),
        on_error, timeout, prio);
}

/// Writes the rows `next()` yields (none ends them) through `inserter` in
/// input order, `batch` rows per write with two writes in flight; then
/// `on_done(std::uint64_t)` with the rows written, or `on_error(
/// caf::error&)` with the first error once no write is in flight. Every
/// write goes at `prio`.
template <class Self, class OnDone, class OnError>
void insert_rows(Self* self, const bulk_insert& inserter, std::uint32_t batch,
                 std::function<std::optional<row>()> next,
                 insert_callbacks callbacks, OnDone on_done, OnError on_error,
                 client_timeout timeout = {},
                 priority prio = defaults::insert_priority) {
  if (batch == 0) {
    auto err =
        make_error(errc::invalid_argument, "insert_rows needs batch >= 1");
    on_error(err);
    return;
  }
  using pump = detail::insert_pump<Self, OnDone, OnError>;
  std::make_shared<pump>(self, inserter, batch, std::move(next),
                         std::move(callbacks), std::move(on_done),
                         std::move(on_error), timeout, prio)
      ->fill();
}

} // namespace sasync
