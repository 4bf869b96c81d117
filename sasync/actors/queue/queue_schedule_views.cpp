// What the queue's schedule shows of itself: its status, views of its
// lines and connections, and the check of its invariants.
#include "sasync/actors/queue/queue_schedule.hpp"

#include <algorithm>
#include <string>

namespace sasync::detail {

namespace {

template <class T> bool contains(const std::vector<T>& xs, const T& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

} // namespace

queue_status queue_schedule::status() const {
  queue_status out;
  out.waiting = waiting_count();
  for (auto& [conn, batch] : in_flight_)
    out.running += batch.jobs.size();
  out.capacity = cfg_.capacity;
  out.connections = writers_.members.size() + readers_.members.size();
  out.idle = writers_.idle.size() + readers_.idle.size();
  out.batches = batches_;
  out.leased = leases_.size();
  return out;
}

std::map<conn_id, queue_schedule::connection_view>
queue_schedule::connections() const {
  using state_kind = connection_view::state_kind;
  std::map<conn_id, connection_view> out;
  for (auto kind : {lane_kind::writer, lane_kind::reader}) {
    for (auto conn : lane_of(kind).members) {
      auto state = state_kind::none;
      if (contains(lane_of(kind).idle, conn))
        state = state_kind::idle;
      else if (in_flight_.count(conn) > 0)
        state = state_kind::running;
      else if (leases_.count(conn) > 0)
        state = state_kind::leased;
      else if (backoff_.count(conn) > 0)
        state = state_kind::backing_off;
      else if (overran_.count(conn) > 0)
        state = state_kind::overran;
      out.emplace(conn, connection_view{kind, state, is_extra(conn)});
    }
  }
  return out;
}

std::vector<ticket> queue_schedule::waiting(lane_kind kind) const {
  std::vector<ticket> out;
  for (auto& [key, w] : lane_of(kind).waiting)
    out.emplace_back(ticket{std::get<2>(key)});
  return out;
}

std::vector<ticket> queue_schedule::running(conn_id conn) const {
  std::vector<ticket> out;
  if (auto i = in_flight_.find(conn); i != in_flight_.end())
    for (auto& [key, w] : i->second.jobs)
      out.emplace_back(ticket{std::get<2>(key)});
  return out;
}

std::string queue_schedule::check_invariants() const {
  auto id = [](conn_id c) {
    return std::to_string(static_cast<std::uint64_t>(c));
  };
  // Waiting work and its deadlines.
  std::size_t timed = 0;
  for (auto kind : {lane_kind::writer, lane_kind::reader}) {
    for (auto& [key, w] : lane_of(kind).waiting) {
      auto seq = std::get<2>(key);
      if (seq >= next_seq_)
        return "waiting ticket " + std::to_string(seq) + " not yet issued";
      if (cfg_.wait_timeout.count() == 0)
        continue;
      auto i = by_seq_.find(seq);
      if (i == by_seq_.end() || i->second.lane != kind ||
          i->second.key != key || i->second.deadline != w.deadline)
        return "waiting ticket " + std::to_string(seq) + " has no deadline";
      ++timed;
    }
  }
  if (timed != by_seq_.size())
    return "deadlines for tickets that do not wait";
  // Connections: one lane, one state.
  std::set<conn_id> seen;
  for (auto kind : {lane_kind::writer, lane_kind::reader}) {
    auto& ln = lane_of(kind);
    for (auto conn : ln.members)
      if (!seen.insert(conn).second)
        return "connection " + id(conn) + " is a member twice";
    for (auto conn : ln.idle)
      if (!contains(ln.members, conn) ||
          std::count(ln.idle.begin(), ln.idle.end(), conn) != 1)
        return "idle connection " + id(conn) + " is not a member once";
    auto held = bursts_ > 0 || (ln.gather_until && !ln.waiting.empty() &&
                                ln.waiting.begin()->second.small);
    if (!closing_ && !ln.idle.empty() && !ln.waiting.empty() && !held)
      return "a lane has idle connections and waiting work";
    if (ln.members.empty() && !ln.waiting.empty())
      return "work waits in a lane without connections";
    for (auto conn : ln.members) {
      auto states = int{contains(ln.idle, conn)} + int(in_flight_.count(conn)) +
                    int(leases_.count(conn)) + int(backoff_.count(conn)) +
                    int(overran_.count(conn));
      if (!closing_ && states != 1)
        return "connection " + id(conn) + " is in " + std::to_string(states) +
               " states";
    }
  }
  for (auto& [conn, batch] : in_flight_) {
    if (!seen.count(conn))
      return "connection " + id(conn) + " runs a batch but is no member";
    if (batch.jobs.empty())
      return "connection " + id(conn) + " runs an empty batch";
  }
  for (auto& [conn, entry] : leases_)
    if (!contains(lane_of(entry.lane).members, conn))
      return "lent connection " + id(conn) + " is not in its lane";
  for (auto& [conn, b] : backoff_) {
    if (!seen.count(conn))
      return "connection " + id(conn) + " backs off but is no member";
    if (is_extra(conn))
      return "extra writer " + id(conn) + " backs off";
  }
  for (auto conn : overran_)
    if (!seen.count(conn))
      return "connection " + id(conn) + " overran but is no member";
  // Running batches and their deadlines.
  if (cfg_.run_timeout.count() > 0) {
    if (running_order_.size() != in_flight_.size())
      return "running batches without a run deadline";
    for (auto& [seq, conn] : running_order_) {
      auto i = in_flight_.find(conn);
      if (i == in_flight_.end() || i->second.seq != seq)
        return "run deadline for a batch that does not run";
    }
  } else if (!running_order_.empty()) {
    return "run deadlines without run_timeout";
  }
  // Extra writers.
  if (overflow_.size() > cfg_.max_overflow)
    return "more extra writers than max_overflow";
  for (auto conn : overflow_)
    if (!contains(writers_.members, conn))
      return "extra writer " + id(conn) + " is not a writer";
  for (auto& [conn, mark] : idle_marks_)
    if (!is_extra(conn) || !contains(writers_.idle, conn))
      return "idle mark for " + id(conn) + ", not an idle extra writer";
  return {};
}

} // namespace sasync::detail
