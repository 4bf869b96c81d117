// The non-template client helpers.
#include "actors/client.hpp"

#include <deque>

namespace sasync {

caf::expected<items> items_of(caf::scoped_actor& self, const node& db,
                              std::int64_t group, caf::duration timeout) {
  return detail::ask<items>(self, db, timeout, items_atom::value, group);
}

caf::expected<dict> dict_of(caf::scoped_actor& self, const node& db,
                            std::int64_t group, caf::duration timeout) {
  return detail::ask<dict>(self, db, timeout, dict_atom::value, group);
}

caf::expected<array> array_of(caf::scoped_actor& self, const node& db,
                              std::int64_t group, caf::duration timeout) {
  return detail::ask<array>(self, db, timeout, array_atom::value, group);
}

caf::expected<cursor_info> query(caf::scoped_actor& self, const node& db,
                                 std::string statement,
                                 std::vector<value> params,
                                 caf::duration timeout) {
  return detail::ask<cursor_info>(self, db, timeout, query_atom::value,
                                  std::move(statement), std::move(params));
}

caf::expected<row_batch> fetch(caf::scoped_actor& self, const cursor& rows,
                               std::uint32_t n, caf::duration timeout) {
  auto got = detail::ask<row_batch>(self, rows, timeout, fetch_atom::value, n);
  if (!got && got.error() == caf::sec::request_receiver_down)
    return make_error(errc::invalid_argument,
                      "the cursor has ended: it answered its last batch or an "
                      "error, was cancelled or sat idle past its timeout");
  return got;
}

caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const node& db, std::string statement,
             std::vector<value> params,
             const std::function<void(const row&)>& on_row, std::uint32_t batch,
             caf::duration timeout) {
  auto opened =
      query(self, db, std::move(statement), std::move(params), timeout);
  if (!opened)
    return opened.error();
  return for_each_row(self, opened->rows, on_row, batch, timeout);
}

caf::expected<std::uint64_t>
for_each_row(caf::scoped_actor& self, const cursor& rows,
             const std::function<void(const row&)>& on_row, std::uint32_t batch,
             caf::duration timeout) {
  std::uint64_t count = 0;
  for (;;) {
    auto got = fetch(self, rows, batch, timeout);
    if (!got) {
      self->send(rows, cancel_atom::value);
      return got.error();
    }
    try {
      for (auto& r : got->rows)
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

caf::expected<bulk_insert> insert_into(caf::scoped_actor& self, const node& db,
                                       insert_spec spec,
                                       caf::duration timeout) {
  return detail::ask<bulk_insert>(self, db, timeout, insert_atom::value,
                                  std::move(spec));
}

caf::expected<std::uint64_t>
insert_rows(caf::scoped_actor& self, const bulk_insert& inserter,
            std::uint32_t batch,
            const std::function<std::optional<row>()>& next,
            const insert_callbacks& callbacks, caf::duration timeout) {
  if (batch == 0)
    return make_error(errc::invalid_argument, "insert_rows needs batch >= 1");
  using handle = decltype(self->request(inserter, timeout, write_atom::value,
                                        std::vector<row>{}));
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
            failure = std::move(err);
        });
    detail::forget_timeout(self, h);
  };
  for (bool more = true; more && !failure;) {
    std::vector<row> rows;
    rows.reserve(batch);
    while (rows.size() < batch) {
      auto r = next();
      if (!r) {
        more = false;
        break;
      }
      rows.emplace_back(std::move(*r));
    }
    if (!rows.empty()) {
      auto n = rows.size();
      in_flight.emplace_back(
          self->request(inserter, timeout, write_atom::value, std::move(rows)),
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
