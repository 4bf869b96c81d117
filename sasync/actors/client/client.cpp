// The non-template client helpers.
#include "sasync/actors/client.hpp"

#include <cstdio>
#include <deque>

namespace sasync {

namespace {

/// The words every helper's own timeout starts with.
constexpr const char* unanswered_prefix = "no answer to ";

/// `bound` in seconds as a person writes them: 30, 0.5, 0.001.
std::string seconds_of(caf::duration bound) {
  double seconds = static_cast<double>(bound.count);
  switch (bound.unit) {
  case caf::time_unit::minutes:
    seconds *= 60;
    break;
  case caf::time_unit::milliseconds:
    seconds /= 1e3;
    break;
  case caf::time_unit::microseconds:
    seconds /= 1e6;
    break;
  case caf::time_unit::nanoseconds:
    seconds /= 1e9;
    break;
  default:
    break;
  }
  char out[40];
  std::snprintf(out, sizeof out, "%.6f", seconds);
  std::string text = out;
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.')
    text.pop_back();
  return text;
}

} // namespace

bool is_unanswered(const caf::error& err) {
  if (!is(err, errc::timeout))
    return false;
  auto& ctx = err.context();
  return ctx.match_elements<std::string, bool>() &&
         ctx.get_as<std::string>(0).rfind(unanswered_prefix, 0) == 0;
}

namespace detail {

caf::error explain_timeout(caf::error err, const char* receiver,
                           caf::atom_value op, caf::duration bound) {
  if (err != caf::sec::request_timeout)
    return err;
  std::string request = receiver;
  if (!request.empty())
    request += ' ';
  request += to_string(op);
  return make_error(errc::timeout, unanswered_prefix + request + " within " +
                                       seconds_of(bound) + " s");
}

caf::error explain_gone(caf::error err, bool remote, gone_means gone) {
  if (err != caf::sec::request_receiver_down)
    return err;
  if (gone == gone_means::cursor_ended)
    return make_error(errc::invalid_argument,
                      "the cursor has ended: it answered its last batch or an "
                      "error, was cancelled or sat idle past its timeout");
  if (remote)
    return make_error(errc::unreachable,
                      "the connection to the node has ended; connect again");
  return make_error(errc::shutting_down,
                    "the broker has shut down (or this actor was closed)");
}

} // namespace detail

namespace {

constexpr auto shut_down = detail::gone_means::shut_down;

} // namespace

// -- node ---------------------------------------------------------------------

caf::expected<items> items_of(caf::scoped_actor& self, const node& db,
                              std::int64_t group, client_timeout timeout) {
  return detail::call<items>(self, db, timeout, shut_down, items_atom::value,
                             group);
}

caf::expected<dict> dict_of(caf::scoped_actor& self, const node& db,
                            std::int64_t group, client_timeout timeout) {
  return detail::call<dict>(self, db, timeout, shut_down, dict_atom::value,
                            group);
}

caf::expected<array> array_of(caf::scoped_actor& self, const node& db,
                              std::int64_t group, client_timeout timeout) {
  return detail::call<array>(self, db, timeout, shut_down, array_atom::value,
                             group);
}

caf::expected<void> create_table(caf::scoped_actor& self, const node& db,
                                 table_def def, client_timeout timeout,
                                 priority prio) {
  return detail::call<void>(self, db, timeout, shut_down, table_atom::value,
                            std::move(def), prio);
}

caf::expected<result_set> sql(caf::scoped_actor& self, const node& db,
                              std::string statement, std::vector<value> params,
                              client_timeout timeout, priority prio) {
  return detail::call<result_set>(self, db, timeout, shut_down, sql_atom::value,
                                  std::move(statement), std::move(params),
                                  prio);
}

caf::expected<void> prepare(caf::scoped_actor& self, const node& db,
                            std::string name, std::string statement,
                            client_timeout timeout) {
  return detail::call<void>(self, db, timeout, shut_down, prepare_atom::value,
                            std::move(name), std::move(statement));
}

caf::expected<result_set> execute(caf::scoped_actor& self, const node& db,
                                  std::string name, std::vector<value> params,
                                  client_timeout timeout, priority prio) {
  return detail::call<result_set>(self, db, timeout, shut_down,
                                  execute_atom::value, std::move(name),
                                  std::move(params), prio);
}

caf::expected<bool> prepared(caf::scoped_actor& self, const node& db,
                             std::string name, client_timeout timeout) {
  return detail::call<bool>(self, db, timeout, shut_down,
                            prepared_atom::value, std::move(name));
}

caf::expected<broker_status> status(caf::scoped_actor& self, const node& db,
                                    client_timeout timeout) {
  return detail::call<broker_status>(self, db, timeout, shut_down,
                                     status_atom::value);
}

caf::expected<void> shutdown(caf::scoped_actor& self, const broker& db,
                             client_timeout timeout) {
  auto bound = timeout.resolve(false);
  auto done = detail::ask<void>(self, db, bound, shutdown_atom::value);
  // A broker that has stopped is gone: shut down, as asked.
  if (!done && done.error() == caf::sec::request_receiver_down)
    return caf::expected<void>{};
  if (!done)
    return detail::explain_timeout(std::move(done.error()), "",
                                   shutdown_atom::value, bound);
  return done;
}

// -- items, dict and array ----------------------------------------------------

caf::expected<std::uint64_t> erase(caf::scoped_actor& self, const items& store,
                                   std::vector<std::string> names,
                                   client_timeout timeout, priority prio) {
  return detail::call<std::uint64_t>(self, store, timeout, shut_down,
                                     delete_atom::value, std::move(names),
                                     prio);
}

caf::expected<void> erase(caf::scoped_actor& self, const dict& store,
                          std::vector<std::string> names,
                          client_timeout timeout, priority prio) {
  return detail::call<void>(self, store, timeout, shut_down, delete_atom::value,
                            std::move(names), prio);
}

caf::expected<std::vector<std::string>> names(caf::scoped_actor& self,
                                              const items& store,
                                              client_timeout timeout,
                                              priority prio) {
  return detail::call<std::vector<std::string>>(self, store, timeout, shut_down,
                                                names_atom::value, prio);
}

caf::expected<std::vector<std::string>> names(caf::scoped_actor& self,
                                              const dict& store,
                                              client_timeout timeout,
                                              priority prio) {
  return detail::call<std::vector<std::string>>(self, store, timeout, shut_down,
                                                names_atom::value, prio);
}

caf::expected<std::vector<std::string>>
names(caf::scoped_actor& self, const items& store, std::string from,
      std::uint32_t n, client_timeout timeout, priority prio) {
  return detail::call<std::vector<std::string>>(self, store, timeout, shut_down,
                                                names_atom::value,
                                                std::move(from), n, prio);
}

caf::expected<std::map<std::string, stored_value>>
load_page(caf::scoped_actor& self, const items& store, std::string from,
          std::uint32_t n, client_timeout timeout, priority prio) {
  return detail::call<std::map<std::string, stored_value>>(
      self, store, timeout, shut_down, load_atom::value, std::move(from), n,
      prio);
}

caf::expected<void> preload(caf::scoped_actor& self, const dict& store,
                            client_timeout timeout, priority prio) {
  return detail::call<void>(self, store, timeout, shut_down,
                            preload_atom::value, prio);
}

caf::expected<void> flush(caf::scoped_actor& self, const dict& store,
                          client_timeout timeout) {
  return detail::call<void>(self, store, timeout, shut_down,
                            flush_atom::value);
}

caf::expected<bool> erase(caf::scoped_actor& self, const array& cells,
                          const coordinates& at, client_timeout timeout,
                          priority prio) {
  return detail::call<bool>(self, cells, timeout, shut_down, delete_atom::value,
                            at.x, at.y, at.z, prio);
}

caf::expected<std::uint64_t> clear(caf::scoped_actor& self, const array& cells,
                                   client_timeout timeout, priority prio) {
  return detail::call<std::uint64_t>(self, cells, timeout, shut_down,
                                     clear_atom::value, prio);
}

// -- queries and cursors ------------------------------------------------------

caf::expected<cursor_info> query(caf::scoped_actor& self, const node& db,
                                 std::string statement,
                                 std::vector<value> params,
                                 client_timeout timeout, priority prio) {
  return detail::call<cursor_info>(self, db, timeout, shut_down,
                                   query_atom::value, std::move(statement),
                                   std::move(params), prio);
}

caf::expected<cursor_info>
query(caf::scoped_actor& self, const node& db, std::string statement,
      std::vector<value> params, const row_consumer& consumer,
      std::uint32_t credit, client_timeout timeout, priority prio) {
  return detail::call<cursor_info>(self, db, timeout, shut_down,
                                   query_atom::value, std::move(statement),
                                   std::move(params), consumer, credit, prio);
}

caf::expected<row_batch> fetch(caf::scoped_actor& self, const cursor& rows,
                               std::uint32_t n, client_timeout timeout) {
  return detail::call<row_batch>(self, rows, timeout,
                                 detail::gone_means::cursor_ended,
                                 fetch_atom::value, n);
}

caf::expected<void> cancel(caf::scoped_actor& self, const cursor& rows,
                           client_timeout timeout) {
  return detail::call<void>(self, rows, timeout,
                            detail::gone_means::cursor_ended,
                            cancel_atom::value);
}

caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const node& db, std::string statement,
             std::vector<value> params,
             const std::function<void(row_view)>& on_row, std::uint32_t batch,
             client_timeout timeout, priority prio) {
  auto opened =
      query(self, db, std::move(statement), std::move(params), timeout, prio);
  if (!opened)
    return opened.error();
  return for_each_row(self, opened->rows, on_row, batch, timeout);
}

caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const cursor& rows,
             const std::function<void(row_view)>& on_row, std::uint32_t batch,
             client_timeout timeout) {
  std::uint64_t count = 0;
  for (;;) {
    auto got = fetch(self, rows, batch, timeout);
    if (!got) {
      self->send(rows, cancel_atom::value);
      return got.error();
    }
    try {
      for (auto r : got->rows)
        on_row(r);
    } catch (...) {
      self->send(rows, cancel_atom::value);
      throw;
    }
    count += got->rows.size();
    if (got->done)
      return count;
  }
}

// -- bulk inserts -------------------------------------------------------------

caf::expected<bulk_insert> insert_into(caf::scoped_actor& self, const node& db,
                                       insert_spec spec,
                                       client_timeout timeout) {
  return detail::call<bulk_insert>(self, db, timeout, shut_down,
                                   insert_atom::value, std::move(spec));
}

caf::expected<std::vector<value>> write(caf::scoped_actor& self,
                                        const bulk_insert& inserter,
                                        std::vector<row> rows,
                                        client_timeout timeout, priority prio) {
  return detail::call<std::vector<value>>(self, inserter, timeout, shut_down,
                                          write_atom::value, std::move(rows),
                                          prio);
}

caf::expected<insert_progress> progress(caf::scoped_actor& self,
                                        const bulk_insert& inserter,
                                        client_timeout timeout) {
  return detail::call<insert_progress>(self, inserter, timeout, shut_down,
                                       progress_atom::value);
}

caf::expected<std::uint64_t> insert_rows(
    caf::scoped_actor& self, const bulk_insert& inserter, std::uint32_t batch,
    const std::function<std::optional<row>()>& next,
    const insert_callbacks& callbacks, client_timeout timeout, priority prio) {
  if (batch == 0)
    return make_error(errc::invalid_argument, "insert_rows needs batch >= 1");
  auto remote =
      detail::is_remote(caf::actor_cast<caf::strong_actor_ptr>(inserter));
  auto limit = timeout.resolve(remote);
  using handle = decltype(self->request(inserter, limit, write_atom::value,
                                        std::vector<row>{}, prio));
  std::deque<std::pair<handle, std::size_t>> in_flight;
  std::uint64_t written = 0;
  caf::error failure;
  // Waits for the oldest write: answers arrive in input order.
  auto await_oldest = [&] {
    auto [h, n] = std::move(in_flight.front());
    in_flight.pop_front();
    h.receive(
        [&, n = n](std::vector<value>& keys) {
          written += n;
          if (callbacks.on_keys)
            callbacks.on_keys(keys);
          if (callbacks.on_progress)
            callbacks.on_progress(written);
        },
        [&](caf::error& err) {
          if (!failure)
            failure = detail::explain<bulk_insert>(
                std::move(err), remote, shut_down, limit, write_atom::value);
        });
    detail::forget_timeout(self, h);
  };
  for (bool more = true; more && !failure;) {
    auto rows = detail::next_rows(next, batch, more);
    if (!rows.empty()) {
      auto n = rows.size();
      in_flight.emplace_back(self->request(inserter, limit, write_atom::value,
                                           std::move(rows), prio),
                             n);
    }
    if (in_flight.size() >= 2 || (!more && !in_flight.empty()))
      await_oldest();
  }
  while (!in_flight.empty())
    await_oldest();
  if (failure)
    return failure;
  return written;
}

} // namespace sasync
