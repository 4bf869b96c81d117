// The transaction queue's scheduling rules as a plain class: what waits in
// which order, which connection does what, and when waiting or running
// ends. No actors: the queue actor feeds it events and carries out what it
// decides, and tests drive it with any clock they like.
#pragma once

#include "sasync/actors/defaults.hpp"
#include "sasync/actors/detail/backoff.hpp"
#include "sasync/actors/detail/recycling_allocator.hpp"
#include "sasync/actors/priority.hpp"
#include "sasync/actors/queue/queue_status.hpp"
#include "sasync/storage/fwd.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

namespace sasync::detail {

/// A connection, as the schedule names it; never reused.
enum class conn_id : std::uint64_t {};

/// A job or a lease request, in arrival order; never reused.
enum class ticket : std::uint64_t {};

/// Jobs wait in line by priority, then arrival, for a connection of their
/// lane: writers take writes (and reads when there are no readers), readers
/// take reads. A free connection takes a batch from the front of its lane
/// (a fair share of what waits: of small jobs among the connections free
/// now, of others among all the lane's; at most max_batch, never past a
/// lease), or is lent to the lease at the front.
/// While work waits and every writer is busy, up to max_overflow extra
/// writers open, unless some connection is backing off; for small work
/// while writers run batches, only once the last of those batches to start
/// has run twice as long as the lane's batches typically take
/// (overflow_wait before one is measured): a batch's end usually takes it
/// all sooner, and many connections would split a stream of small writes
/// into many small transactions. Small work goes to an idle extra writer
/// by the same rule. An extra writer closes after overflow_idle without
/// work. Work a connection could not start goes back in its place in line;
/// the connection then backs off (50 ms doubling to 5 s), or closes if it
/// is an extra writer. Work fails after wait_timeout in line, and a batch's
/// jobs after run_timeout on a connection (which stays busy until it
/// answers).
///
/// Small jobs gather: while a connection of a lane runs a batch, a small
/// job of no higher priority than that batch's waits for it rather than go
/// to an idle connection of the lane, until the front of the line has waited
/// twice as long as the lane's batches typically take (a moving average of
/// their run times; zero until a batch has taken measurable time). A burst
/// of small jobs then goes out in few batches, each one transaction, and
/// a slow job holds up the others only that long. A connection free with
/// nothing else of its lane running takes all the small jobs it can (up to
/// max_batch) unless the front waited that long. Where batches typically
/// take more than max_gather, nothing gathers: slow work is spread over
/// the connections, one fair share each, to run side by side.
///
/// Small jobs also wait for the rest of their kind: when the lane's last
/// batch ended less than the threshold before the front arrived and
/// nothing of the lane runs, a small job of no higher priority than that
/// batch's waits until half as many jobs as that batch held wait with it,
/// or until the front has waited the threshold. A batch's requesters send
/// their next jobs one by one as their answers reach them; an idle
/// connection that took the first alone would run it while the rest pile
/// up behind it, and every requester would then move in one convoy, the
/// connection and the requesters taking turns instead of working side by
/// side (seen: a single SQLite writer ran batches of under ten and of over
/// fifty sets in turn for 64 clients, idle half the time).
///
/// Invariants, after every public call (the lanes' rules until close()):
/// - every waiting ticket is in exactly one lane's `waiting`, under its own
///   (priority, arrival) key; `by_seq_` holds exactly the waiting tickets
///   when wait_timeout is set (none otherwise), with their lane and key;
/// - every connection is a member of one lane at most, and a member is in
///   exactly one of: idle, running a batch (`in_flight_`), lent
///   (`leases_`), backing off (`backoff_`), overran (`overran_`);
/// - `running_order_` holds exactly the running batches when run_timeout is
///   set (none otherwise);
/// - extra writers (`overflow_`) are writers, at most max_overflow, never
///   backing off; idle marks belong to idle extra writers only;
/// - no lane has an idle connection and waiting work at once (but for
///   small work held back, or while a burst is open), and a lane without
///   members has no waiting work.
class queue_schedule {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using millis = std::chrono::milliseconds;

  struct config {
    std::size_t capacity = defaults::queue_capacity;
    std::size_t max_batch = defaults::max_batch;
    millis wait_timeout{0}; ///< zero: work waits forever
    millis run_timeout{0};  ///< zero: batches run as long as they take
    std::size_t max_overflow = 0;
    millis overflow_idle{1000};
    bool can_overflow = false; ///< whether extra writers can be opened
    backoff reconnect{millis{50}, millis{5'000}};
    /// Work gathers only where batches typically take at most this long;
    /// zero: never.
    std::chrono::microseconds max_gather{2'000};
    /// Small work goes to an extra writer, new or idle, while writers run
    /// batches only once the last of them to start has run twice as long
    /// as the lane's batches typically take, or this long while none has
    /// been measured; zero: at once.
    std::chrono::microseconds overflow_wait{2'000};
  };

  enum class lane_kind : std::uint8_t { writer, reader };

  /// Why work cannot wait in line.
  enum class refusal : std::uint8_t {
    none,
    invalid_niceness,
    overloaded,
    no_connection,
  };

  /// Why waiting or running work ends without its connection's answer.
  enum class failure : std::uint8_t {
    waited_too_long, ///< wait_timeout passed
    refused,         ///< the lane's connection cannot open, for good
    connection_lost, ///< the connection went down (its batch, its lane)
    overran,         ///< run_timeout passed while the batch ran
    shutting_down,   ///< close()
  };

  /// How a connection's report on its batch ends.
  enum class report_kind : std::uint8_t {
    finished,           ///< it ran (each job's own answer holds)
    not_opened_for_now, ///< it could not connect; worth another try
    not_opened_for_good ///< it could not connect, and would not again
  };

  // What the schedule decided; the owner carries these out in order.
  struct open_extra {
    conn_id conn;
  }; ///< open an extra writer as `conn`
  struct run_batch {
    conn_id conn;
    std::vector<ticket> jobs;
  };
  struct lend {
    conn_id conn;
    ticket lease;
  };
  /// Answer these jobs from their connection's report.
  struct answer {
    std::vector<ticket> jobs;
  };
  struct fail {
    std::vector<ticket> tickets;
    failure why;
  };
  /// A lease ended, or was dropped while it waited: nothing to answer.
  struct forget {
    ticket lease;
  };
  struct close_extra {
    conn_id conn;
  };
  struct retry_after {
    conn_id conn;
    millis delay;
  };
  struct retire_after {
    conn_id conn;
    std::uint64_t mark;
    millis delay;
  };
  /// Nothing waits or runs (the moment to answer drain requests).
  struct drained {};
  using decision =
      std::variant<open_extra, run_batch, lend, answer, fail, forget,
                   close_extra, retry_after, retire_after, drained>;

  queue_schedule();
  explicit queue_schedule(config cfg);

  /// Adds a connection of the pool, idle.
  conn_id add_connection(lane_kind kind);

  /// The lane work of `mode` waits in.
  lane_kind lane_for(access_mode mode) const;

  /// Why work of `mode` at `prio` cannot wait now, or refusal::none.
  refusal refusal_for(priority prio, access_mode mode) const;

  /// What a job is to the gathering rule: small (a statement a connection
  /// merges with others like it: a group actor's read or write), or of a
  /// cost nobody knows (a user's closure or statement), which never waits
  /// for a running batch and is never taken in bulk, so slow independent
  /// transactions run side by side.
  enum class job_size : std::uint8_t { small, unknown };

  /// Puts a job in line (refusal_for must be none).
  ticket submit(priority prio, access_mode mode, time_point now,
                job_size size = job_size::small);

  /// Puts a lease request in line, in the lane reads go to.
  ticket submit_lease(priority prio, time_point now);

  /// Work submitted from begin_burst() to end_burst() goes to connections
  /// only at end_burst(): what arrived together runs together, not its
  /// first job alone on an idle connection. Meanwhile nothing goes to a
  /// connection (one that reports stays idle until then). Bursts nest: the
  /// last end_burst() counts.
  void begin_burst() noexcept { ++bursts_; }
  void end_burst(time_point now);
  bool in_burst() const noexcept { return bursts_ > 0; }

  /// The connection answered its batch (or, when no longer running it, the
  /// batch it overran with).
  void report(conn_id conn, report_kind kind, time_point now);

  /// The connection is gone: its batch and lease end, and its lane's work
  /// fails when it was the lane's last connection.
  void connection_down(conn_id conn, time_point now);

  /// A lease ended by its lessee.
  void release(conn_id conn, time_point now);

  /// The lessee of these leases is gone: those waiting are dropped, those
  /// held end.
  void lessee_gone(const std::vector<ticket>& leases, time_point now);

  /// True when `conn` should try to reconnect now (its backoff is over).
  bool may_reconnect(conn_id conn) const;
  void reconnected(conn_id conn, time_point now);
  void reconnect_failed(conn_id conn, bool retryable, time_point now);

  /// An extra writer's idle time is up.
  void retire(conn_id conn, std::uint64_t mark);

  /// Fails the waiting work whose wait_timeout has passed.
  void expire(time_point now);

  /// Fails the running batches whose run_timeout has passed.
  void overrun(time_point now);

  /// Fails what waits, stops every rule; the connections to close.
  std::vector<conn_id> close();

  /// The decisions made since the last call, oldest first.
  std::vector<decision> take_decisions();

  /// The first waiting deadline, or when work held back for a running
  /// batch may go to an idle connection or an extra writer (call expire()
  /// then).
  std::optional<time_point> next_wait_deadline() const;
  /// When work held back for a running batch may go on: the part of
  /// next_wait_deadline() that a batch's end usually meets first.
  std::optional<time_point> next_gather_deadline() const;
  /// How long work of the lane now waits for a running batch of it (zero:
  /// not at all).
  clock::duration gather_threshold(lane_kind kind) const;
  std::optional<time_point> next_run_deadline() const;

  /// waiting, running, capacity, connections, idle, batches and leased.
  queue_status status() const;

  bool closing() const noexcept { return closing_; }
  const config& settings() const noexcept { return cfg_; }
  bool is_member(conn_id conn) const;
  bool is_running(conn_id conn) const;
  /// Nothing waits or runs.
  bool drained_now() const;

  /// What the schedule holds, for tests.
  struct connection_view {
    lane_kind lane;
    enum class state_kind : std::uint8_t {
      idle,
      running,
      leased,
      backing_off,
      overran,
      none,
    } state;
    bool extra;
  };
  std::map<conn_id, connection_view> connections() const;
  /// Waiting tickets of a lane, front first.
  std::vector<ticket> waiting(lane_kind kind) const;
  /// The batch `conn` runs (empty when none).
  std::vector<ticket> running(conn_id conn) const;

  /// The first broken invariant, in words; empty when all hold.
  std::string check_invariants() const;

private:
  using order_key = std::tuple<priority::tier, int, std::uint64_t>;

  struct waiting_entry {
    time_point deadline;
    time_point arrived;
    bool is_lease = false;
    bool small = false; ///< a job that gathers (job_size::small)
  };

  struct lane {
    std::vector<conn_id> members;
    std::vector<conn_id> idle; ///< the last one freed serves first
    std::map<order_key, waiting_entry, std::less<order_key>,
             recycling_allocator<std::pair<const order_key, waiting_entry>>>
        waiting;
    /// Moving average of the lane's batches' run times (zero: none
    /// measured).
    clock::duration typical{0};
    /// When work held back (for a running batch, from an extra writer,
    /// or for the rest of its kind) may go on.
    std::optional<time_point> gather_until;
    /// Jobs in the lane's last batch of small jobs to start, and the key
    /// of its first (the most urgent).
    std::size_t last_small_batch = 0;
    std::optional<order_key> last_small_front;
    /// When a batch of the lane last ended (none: none has).
    std::optional<time_point> last_end;
  };

  struct timed_entry {
    lane_kind lane;
    order_key key;
    time_point deadline;
  };

  struct running_batch {
    lane_kind lane;
    std::vector<std::pair<order_key, waiting_entry>> jobs;
    std::uint64_t seq = 0;
    time_point deadline;
    time_point started;
  };

  struct lease_entry {
    lane_kind lane;
    ticket lease;
  };

  lane& lane_of(lane_kind kind) {
    return kind == lane_kind::reader ? readers_ : writers_;
  }
  const lane& lane_of(lane_kind kind) const {
    return kind == lane_kind::reader ? readers_ : writers_;
  }
  std::optional<lane_kind> member_lane(conn_id conn) const;
  bool is_extra(conn_id conn) const;
  std::size_t waiting_count() const;

  ticket wait_in_line(lane_kind kind, priority prio, bool is_lease,
                      bool small, time_point now);
  std::vector<std::pair<order_key, waiting_entry>>
  take_batch(lane& ln, bool all, std::size_t free_now);
  void dispatch(lane_kind kind, time_point now);
  void after_backoff(lane_kind kind, time_point now);
  void run(lane_kind kind, conn_id conn,
           std::vector<std::pair<order_key, waiting_entry>> jobs,
           time_point now);
  bool gathering(lane& ln, lane_kind kind, time_point now);
  bool waiting_for_the_rest(lane& ln, lane_kind kind, time_point now);
  /// When the lane's most recently started running batch started (none:
  /// no batch of it runs).
  std::optional<time_point> last_batch_start(lane_kind kind) const;
  void maybe_overflow(time_point now);
  /// Until when the small work at the front of the writers' line waits for
  /// the running batches rather than go to an extra writer (none: it may).
  std::optional<time_point> small_work_held_until(time_point now) const;
  /// How long small work waits before an extra writer opens for it.
  clock::duration overflow_threshold() const;
  /// The lane's work held back goes on at `when` at the latest.
  void hold_until(lane& ln, time_point when);
  void put_back(lane_kind kind, running_batch& batch);
  void fail_waiting(lane& ln, failure why);
  void serve_again(lane_kind kind, conn_id conn, time_point now);
  bool close_if_extra(conn_id conn);
  void close_when_idle(conn_id conn);
  void schedule_retry(conn_id conn);
  void end_lease(conn_id conn, time_point now);
  void notify_drained();

  config cfg_;
  lane writers_;
  lane readers_; ///< without members when every job goes to the writers
  std::uint64_t next_conn_ = 0;
  std::uint64_t next_seq_ = 0;
  /// Waiting work by arrival, when wait_timeout is set. Every job waits
  /// equally long, so arrival order is deadline order.
  std::map<std::uint64_t, timed_entry, std::less<std::uint64_t>,
           recycling_allocator<std::pair<const std::uint64_t, timed_entry>>>
      by_seq_;
  std::map<conn_id, running_batch> in_flight_;
  /// Running batches by dispatch order, which is deadline order.
  std::map<std::uint64_t, conn_id> running_order_;
  std::uint64_t next_batch_ = 0;
  std::uint64_t batches_ = 0;
  /// Connections whose batch overran run_timeout, until they answer.
  std::set<conn_id> overran_;
  std::map<conn_id, lease_entry> leases_;
  std::map<conn_id, backoff> backoff_;
  std::vector<conn_id> overflow_;
  /// When each idle extra writer became idle (the mark its timer names).
  std::map<conn_id, std::uint64_t> idle_marks_;
  std::uint64_t next_mark_ = 0;
  bool closing_ = false;
  std::size_t bursts_ = 0; ///< open bursts (begin_burst)
  std::vector<decision> decisions_;
};

} // namespace sasync::detail
