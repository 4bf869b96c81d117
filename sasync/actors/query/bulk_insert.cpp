// The bulk insert actor: writes wait in input order; one batch at a time
// takes rows from their front, so keys come out in the order rows went in.
#include "sasync/actors/query/detail/bulk_insert_actor.hpp"

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/close_waiters.hpp"
#include "sasync/actors/detail/kept_promise.hpp"
#include "sasync/actors/detail/priority_check.hpp"
#include "sasync/actors/detail/private_sender.hpp"
#include "sasync/actors/detail/run_job.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/storage/connection.hpp"
#include "sasync/storage/row_insert.hpp"
#include "sasync/storage/savepoint.hpp"
#include "sasync/storage/storage_failure.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <algorithm>
#include <deque>
#include <memory>

namespace sasync {

namespace {

/// Writes beyond this many batches of waiting rows are refused.
constexpr std::uint64_t pending_batches = 4;

struct write_entry {
  detail::kept_promise<std::vector<value>> rp;
  std::shared_ptr<const std::vector<row>> rows;
  std::size_t next = 0;      ///< the first row not yet in a batch
  std::size_t committed = 0; ///< rows of this write committed
  std::vector<value> keys;
  priority prio = defaults::insert_priority;
  bool answered = false;
};

using write_ptr = std::shared_ptr<write_entry>;

/// A run of one write's rows inside a batch.
struct piece {
  write_ptr write;
  std::size_t first;
  std::size_t last;
};

/// The rows a piece inserts, as its job sees them: plain data, so the job
/// shares nothing with the actor but immutable rows.
struct rows_range {
  std::shared_ptr<const std::vector<row>> rows;
  std::size_t first;
  std::size_t last;
};

/// What became of one piece.
struct piece_result {
  std::vector<value> keys;
  caf::error error;
};

struct insert_state {
  transaction_queue queue;
  caf::actor_addr broker;
  insert_spec spec;
  std::string statement;
  std::deque<write_ptr> writes;
  bool running = false;
  detail::close_waiters close_requests;
  insert_progress progress;
  static inline const char* name = "sasync.bulk_insert";
};

/// A type of its own: spelled out, the typed interface is kilobytes
/// long, and every nested lambda's debug name would repeat it.
struct insert_self : detail::bulk_insert_impl::stateful_base<insert_state> {
  using super = detail::bulk_insert_impl::stateful_base<insert_state>;
  using super::super;
};

using insert_ptr = insert_self*;

/// Inserts a piece's rows in multi-row statements; if the database refuses
/// one, the piece starts over row by row, so that its error is the one of
/// the row refused.
void insert_piece(connection& conn, const insert_spec& spec,
                  const std::string& statement, const rows_range& p,
                  savepoint& unit, std::vector<value>& keys) {
  try {
    insert_rows(conn, spec, *p.rows, p.first, p.last, keys);
  } catch (const storage_failure& f) {
    if (f.kind() != failure_kind::database)
      throw; // no row's own error: the connection or a lock failed
    keys.clear();
    unit.rollback_to(); // throws if the transaction itself is lost
    insert_rows_singly(conn, spec, statement, *p.rows, p.first, p.last, keys);
  }
}

/// Runs each piece in a savepoint; when there are several, a piece that
/// fails rolls back alone.
std::vector<piece_result> run_pieces(connection& conn, const insert_spec& spec,
                                     const std::string& statement,
                                     const std::vector<rows_range>& pieces) {
  std::vector<piece_result> out(pieces.size());
  auto isolated = pieces.size() > 1;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    savepoint unit{conn, "sasync_insert"};
    try {
      insert_piece(conn, spec, statement, pieces[i], unit, out[i].keys);
    } catch (const storage_failure& f) {
      if (!isolated)
        throw; // the whole transaction rolls back
      out[i].keys.clear();
      out[i].error = to_error(f);
      unit.rollback(); // throws if the transaction itself is lost
      continue;
    }
    unit.release();
  }
  return out;
}

void answer(insert_state& st, write_entry& w, caf::error err) {
  if (w.answered)
    return;
  w.answered = true;
  st.progress.pending -= w.rows->size() - w.committed;
  if (!err)
    w.rp.deliver(std::move(w.keys));
  else
    w.rp.deliver(std::move(err));
}

/// The error of a write whose batch failed, saying what of it committed.
caf::error write_error(insert_ptr self, const write_entry& w,
                       const caf::error& err) {
  if (w.committed == 0)
    return err;
  auto code = err.category() == errc_category ? static_cast<errc>(err.code())
                                              : errc::database_error;
  return make_error(code,
                    "the first " + std::to_string(w.committed) + " of " +
                        std::to_string(w.rows->size()) +
                        " rows committed; then: " + self->system().render(err));
}

void submit(insert_ptr self);

void batch_done(insert_ptr self, const std::vector<piece>& pieces,
                caf::expected<std::vector<piece_result>>& results) {
  auto& st = self->state;
  st.running = false;
  ++st.progress.transactions;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    auto& w = *pieces[i].write;
    const caf::error& err = results ? (*results)[i].error : results.error();
    if (err) {
      answer(st, w, write_error(self, w, err));
      continue;
    }
    auto& keys = (*results)[i].keys;
    w.keys.insert(w.keys.end(), std::make_move_iterator(keys.begin()),
                  std::make_move_iterator(keys.end()));
    auto n = pieces[i].last - pieces[i].first;
    w.committed += n;
    st.progress.written += n;
    st.progress.pending -= n;
    if (w.committed == w.rows->size()) {
      w.answered = true;
      w.rp.deliver(std::move(w.keys));
    }
  }
  st.writes.erase(std::remove_if(st.writes.begin(), st.writes.end(),
                                 [](auto& w) { return w->answered; }),
                  st.writes.end());
  submit(self);
}

/// Sends the next batch unless one runs; answers close once all is done.
void submit(insert_ptr self) {
  auto& st = self->state;
  if (st.running)
    return;
  std::vector<piece> pieces;
  std::size_t size = 0;
  for (auto& w : st.writes) {
    if (size == st.spec.batch_size)
      break;
    auto left = w->rows->size() - w->next;
    if (w->answered || left == 0)
      continue;
    auto k = std::min<std::size_t>(left, st.spec.batch_size - size);
    pieces.push_back(piece{w, w->next, w->next + k});
    w->next += k;
    size += k;
  }
  if (pieces.empty()) {
    if (st.close_requests.closing()) {
      st.close_requests.finish();
      self->quit();
    }
    return;
  }
  st.running = true;
  // Every write waiting waits for this batch too: it goes at the most
  // urgent of their priorities, so a do_next write is not stuck behind
  // rows of a do_last one in the queue.
  auto prio = pieces.front().write->prio;
  for (auto& w : st.writes)
    if (!w->answered && w->prio < prio)
      prio = w->prio;
  std::vector<rows_range> ranges;
  for (auto& p : pieces)
    ranges.push_back(rows_range{p.write->rows, p.first, p.last});
  detail::run_job(
      self, st.queue, access_mode::write,
      [spec = st.spec, statement = st.statement,
       ranges = std::move(ranges)](connection& conn) {
        return run_pieces(conn, spec, statement, ranges);
      },
      [self, pieces](caf::expected<std::vector<piece_result>> results) {
        batch_done(self, pieces, results);
      },
      prio);
}

caf::result<std::vector<value>> write(insert_ptr self, std::vector<row>& rows,
                                      priority prio) {
  auto& st = self->state;
  if (st.close_requests.closing())
    return make_error(errc::shutting_down, "the bulk insert is closing");
  if (auto err = detail::check_priority(prio))
    return err;
  try {
    check_widths(st.spec, rows);
  } catch (const storage_failure& f) {
    return to_error(f);
  }
  if (rows.empty())
    return std::vector<value>{};
  // The first write too: rows over the limit would wait in memory alike.
  auto limit = pending_batches * st.spec.batch_size;
  if (st.progress.pending + rows.size() > limit)
    return make_error(errc::overloaded,
                      "a write of " + std::to_string(rows.size()) +
                          " rows while " + std::to_string(st.progress.pending) +
                          " wait would be more than " + std::to_string(limit) +
                          " (four batches)");
  auto w = std::make_shared<write_entry>();
  w->rp = detail::keep_counted_promise<std::vector<value>>(self);
  w->prio = prio;
  w->rows = std::make_shared<const std::vector<row>>(std::move(rows));
  st.progress.pending += w->rows->size();
  st.writes.emplace_back(w);
  submit(self);
  return w->rp;
}

detail::bulk_insert_impl::behavior_type
insert_impl(insert_ptr self, transaction_queue queue, insert_spec spec,
            caf::actor_addr broker, caf::strong_actor_ptr owner) {
  auto& st = self->state;
  st.queue = std::move(queue);
  st.broker = std::move(broker);
  st.statement = insert_statement(spec);
  st.spec = std::move(spec);
  // Nobody is left to write: the writes accepted commit, then it ends.
  // Without this an insert a remote client left would live as long as
  // the node, since CAF keeps actors a peer has seen in its registry.
  if (owner)
    self->monitor(owner);
  self->set_down_handler([self](caf::down_msg&) {
    self->state.close_requests.start();
    submit(self);
  });
  // A peer's message of another type: unexpected_message, no stderr line.
  self->set_default_handler(caf::drop);
  return {
      [=](write_atom, std::vector<row>& rows) {
        return detail::answered_now<std::vector<value>>(
            self, write(self, rows, defaults::insert_priority));
      },
      [=](write_atom, std::vector<row>& rows, priority prio) {
        return detail::answered_now<std::vector<value>>(
            self, write(self, rows, prio));
      },
      [=](progress_atom) { return self->state.progress; },
      [=](close_atom) -> caf::result<void> {
        auto& st = self->state;
        if (!detail::sent_by(self, st.broker))
          return detail::refused_private_message();
        auto rp = detail::keep_promise<void>(self);
        st.close_requests.add(rp);
        submit(self);
        return rp;
      },
  };
}

} // namespace

namespace detail {

bulk_insert_impl spawn_bulk_insert(caf::actor_system& sys,
                                   transaction_queue queue, insert_spec spec,
                                   caf::actor_addr broker,
                                   caf::strong_actor_ptr owner) {
  return sys.spawn(insert_impl, std::move(queue), std::move(spec),
                   std::move(broker), std::move(owner));
}

} // namespace detail

} // namespace sasync
