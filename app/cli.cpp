// The sasync command line. Embedded (--url: the actors run in this process
// on that database) or remote (--host/--port: a sasyncd node).
#include "cli.hpp"

#include "cli_batch.hpp"
#include "cli_niceness.hpp"
#include "cli_status.hpp"
#include "cli_text.hpp"

#include "sasync/actors/broker.hpp"
#include "sasync/actors/client.hpp"
#include "sasync/actors/defaults.hpp"
#include "sasync/actors/errc.hpp"
#include "sasync/actors/in_words.hpp"
#include "sasync/actors/net/remote.hpp"
#include "sasync/actors/net/tls_files.hpp"
#include "sasync/actors/system_config.hpp"
#include "sasync/storage/name_range.hpp"
#include "sasync/storage/statement_kind.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/value_codec.hpp"

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace sasync::cli {

namespace {

enum exit_code : int {
  ok = 0,
  usage = 1,
  unreachable = 2,
  missing = 3,
  database = 4,
  overloaded = 5,
  exists = 6,
};

/// A failure that ends the program with its exit code and one line.
struct failure {
  int code;
  std::string line;
};

int code_of(const caf::error& err) {
  if (err.category() == errc_category) {
    switch (static_cast<errc>(err.code())) {
    case errc::missing:
      return missing;
    case errc::overloaded:
      return overloaded;
    case errc::exists:
    case errc::conflict:
      return exists;
    case errc::not_clustered:
      return usage;
    case errc::invalid_argument:
      return usage;
    case errc::timeout:
    case errc::unreachable:
    case errc::shutting_down:
      return unreachable;
    default:
      return database;
    }
  }
  // CAF's own: request timeouts, a node or actor that went away.
  return unreachable;
}

/// `timeout` in seconds as a person writes it: 1, 0.5, 30.
std::string seconds_of(std::chrono::milliseconds timeout) {
  auto ms = timeout.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000);
  char out[32];
  std::snprintf(out, sizeof out, "%.3f", ms / 1000.0);
  std::string text = out;
  return text.substr(0, text.find_last_not_of('0') + 1);
}

/// One line a person understands for `err`: never CAF's bare
/// system_error(...); a timeout of a write says that it may still commit.
std::string describe(caf::actor_system& sys, const caf::error& err,
                     std::chrono::milliseconds timeout, bool writes) {
  // The helpers' own words name the request and its bound.
  if (is_unanswered(err))
    return err.context().get_as<std::string>(0) +
           (writes ? "; the write may still commit" : "");
  if (err == caf::sec::request_timeout)
    return "no answer within " + seconds_of(timeout) + " s" +
           (writes ? "; the write may still commit" : "");
  // Its own words already say which node and why.
  if (is(err, errc::unreachable) &&
      err.context().match_elements<std::string, bool>())
    return err.context().get_as<std::string>(0);
  return in_words(sys, err);
}

} // namespace

/// A connection to the database, embedded or on a node, and the requests
/// a command makes through it; failures become exit codes.
class session {
public:
  session(caf::actor_system& sys, node db, std::chrono::milliseconds timeout,
          bool writes)
      : sys_(sys), self_(sys), db_(std::move(db)), timeout_(timeout),
        limit_(timeout), writes_(writes) {}

  caf::scoped_actor& self() { return self_; }
  const node& db() const { return db_; }
  caf::duration timeout() const { return timeout_; }

  /// The priority of a read, a write or a statement: --niceness when given,
  /// else its default.
  void use_niceness(std::optional<priority> p) { niceness_ = p; }
  priority reads() const { return niceness_.value_or(defaults::read_priority); }
  priority writes() const {
    return niceness_.value_or(defaults::write_priority);
  }
  priority statements() const {
    return niceness_.value_or(defaults::statement_priority);
  }

  /// `err` in one line (see describe()).
  std::string describe(const caf::error& err) {
    return cli::describe(sys_, err, limit_, writes_);
  }

  template <class T> T require(caf::expected<T> x) {
    if (!x)
      throw failure{code_of(x.error()), describe(x.error())};
    return std::move(*x);
  }

  void require(caf::expected<void> x) {
    if (!x)
      throw failure{code_of(x.error()), describe(x.error())};
  }

  /// Refuses a value the group actors would refuse, before it is sent: one
  /// over a node's message limit would cost the connection instead.
  /// Why `x` is over the group actors' value limit, or nothing.
  static std::optional<std::string> over_limit(const stored_value& x,
                                               const std::string& where = {}) {
    if (x.bytes.size() <= max_stored_value_bytes())
      return std::nullopt;
    return where + "a value of " + std::to_string(x.bytes.size()) +
           " bytes is over the limit of " +
           std::to_string(max_stored_value_bytes()) + " bytes";
  }

  items items_of(std::int64_t group) {
    return require(sasync::items_of(self_, db_, group, timeout_));
  }

  array array_of(std::int64_t group) {
    return require(sasync::array_of(self_, db_, group, timeout_));
  }

  dict dict_of(std::int64_t group) {
    return require(sasync::dict_of(self_, db_, group, timeout_));
  }

private:
  caf::actor_system& sys_;
  caf::scoped_actor self_;
  node db_;
  caf::duration timeout_;
  std::chrono::milliseconds limit_; // timeout_ as a number of milliseconds
  bool writes_;
  std::optional<priority> niceness_;
};

namespace {

// -- items -------------------------------------------------------------------

void items_get_with_version(session& s, const options& o);

void items_get(session& s, const options& o) {
  if (o.with_version)
    return items_get_with_version(s, o);
  auto store = s.items_of(o.group);
  auto& name = o.name;
  auto found =
      s.require(sasync::get<stored_value>(s.self(), store, name, s.timeout(), s.reads()));
  if (!found)
    throw failure{missing,
                  "no item '" + name + "' in group " + std::to_string(o.group)};
  try {
    std::cout << cli::shown(*found) << '\n';
  } catch (const storage_failure& f) {
    throw failure{database, "item '" + cli::escape(name) + "' in group " +
                                std::to_string(o.group) + ": " + f.what()};
  }
}

// -- versions and compare-and-set ---------------------------------------------

void items_get_with_version(session& s, const options& o) {
  auto store = s.items_of(o.group);
  auto found = s.require(
      sasync::get_versioned<stored_value>(s.self(), store, o.name,
                                          s.timeout(), s.reads()));
  if (!found)
    throw failure{missing, "no item '" + cli::escape(o.name) + "' in group " +
                               std::to_string(o.group)};
  try {
    std::cout << found->version << '\t' << cli::shown(found->value) << '\n';
  } catch (const storage_failure& f) {
    throw failure{database, "item '" + cli::escape(o.name) + "' in group " +
                                std::to_string(o.group) + ": " + f.what()};
  }
}

/// Exit 6 and one line naming the version the item has now.
template <class T> T unless_conflict(session& s, const options& o,
                                     caf::expected<T> x) {
  if (!x)
    if (auto now = conflict_version(x.error()))
      throw failure{exists, "conflict: item '" + cli::escape(o.name) +
                                "' in group " + std::to_string(o.group) +
                                " is at version " + std::to_string(*now) +
                                (*now == 0 ? " (missing)" : "") + ", not " +
                                std::to_string(o.if_version)};
  return s.require(std::move(x));
}

/// items set --if-version V: prints the new version.
void items_set_if(session& s, const options& o) {
  auto store = s.items_of(o.group);
  std::cout << unless_conflict(s, o,
                               sasync::set_if(s.self(), store, o.name, o.text,
                                              o.if_version, s.timeout(),
                                              s.writes()))
            << '\n';
}

/// items delete NAME --if-version V: prints how many it deleted (0 when
/// V = 0 found no NAME, as asked).
void items_delete_if(session& s, const options& o) {
  if (o.args.size() != 1)
    throw failure{usage, "items delete --if-version takes one NAME"};
  auto store = s.items_of(o.group);
  auto named = o;
  named.name = o.args.front();
  unless_conflict(s, named,
                  sasync::delete_if(s.self(), store, named.name, o.if_version,
                                    s.timeout(), s.writes()));
  std::cout << (o.if_version == 0 ? 0 : 1) << '\n';
}

/// Names or items a page at a time, so memory holds one page on either
/// side however large the group.
constexpr std::uint32_t page_size = 1000;

void items_names(session& s, const options& o) {
  auto store = s.items_of(o.group);
  std::string from;
  for (bool first = true;; first = false) {
    auto page = s.require(
        sasync::names(s.self(), store, from, page_size, s.timeout(), s.reads()));
    // A page starts at `from`, which the previous page ended with.
    for (auto& name : page)
      if (first || name != from)
        std::cout << cli::escape(name) << '\n';
    if (page.size() < page_size)
      return;
    from = page.back();
  }
}

/// The names that start with o.prefix, a page at a time.
void items_names_with_prefix(session& s, const options& o) {
  auto store = s.items_of(o.group);
  auto until = prefix_end(o.prefix);
  for (std::string from = o.prefix;;) {
    auto page = s.require(
        sasync::names(s.self(), store, from, until, page_size, s.timeout(), s.reads()));
    for (auto& name : page)
      std::cout << cli::escape(name) << '\n';
    if (page.size() < page_size)
      return;
    from = page.back() + '\0'; // the least name after the last
  }
}

void items_insert(session& s, const options& o) {
  auto store = s.items_of(o.group);
  auto done = sasync::insert(s.self(), store, o.name, o.text, s.timeout(), s.writes());
  if (!done && is(done.error(), errc::exists))
    throw failure{exists, "the name already exists: item '" +
                              cli::escape(o.name) + "' in group " +
                              std::to_string(o.group)};
  s.require(std::move(done));
}

void items_update(session& s, const options& o) {
  auto store = s.items_of(o.group);
  auto done = sasync::update(s.self(), store, o.name, o.text, s.timeout(), s.writes());
  if (!done && is(done.error(), errc::missing))
    throw failure{missing, "no item '" + cli::escape(o.name) + "' in group " +
                               std::to_string(o.group)};
  s.require(std::move(done));
}

/// Prints every item it can show; one it cannot (a row whose columns or
/// bytes do not decode) is named on stderr and the dump goes on.
class dump_printer {
public:
  dump_printer(session& s, const items& store, std::int64_t group)
      : s_(s), store_(store), group_(group) {}

  void print(const std::string& name, const stored_value& x) {
    try {
      auto text = cli::shown(x);
      std::cout << cli::escape(name) << '\t' << text << '\n';
      ++shown_;
    } catch (const storage_failure& f) {
      bad(name, f.what());
    }
  }

  /// A page of names whose items did not load together (one of them is a
  /// corrupt row): each item on its own, so only the bad ones are left out.
  void print_one_by_one(const std::vector<std::string>& names) {
    for (auto& name : names) {
      auto x =
          sasync::get<stored_value>(s_.self(), store_, name, s_.timeout(), s_.reads());
      if (!x && !is_corrupt(x.error()))
        s_.require(std::move(x));
      if (!x)
        bad(name, s_.self()->system().render(x.error()));
      else if (*x) // else deleted since the names were read
        print(name, **x);
    }
  }

  static bool is_corrupt(const caf::error& err) {
    return err.category() == errc_category &&
           static_cast<errc>(err.code()) == errc::corrupt_value;
  }

  void finish() {
    if (bad_ != 0)
      throw failure{database, std::to_string(bad_) + " of " +
                                  std::to_string(shown_ + bad_) +
                                  " items could not be shown"};
  }

private:
  void bad(const std::string& name, const std::string& why) {
    ++bad_;
    std::cout.flush();
    std::cerr << "sasync: item '" << cli::escape(name) << "' in group "
              << group_ << ": " << why << '\n';
  }

  session& s_;
  const items& store_;
  std::int64_t group_;
  std::uint64_t shown_ = 0;
  std::uint64_t bad_ = 0;
};

/// The group a page at a time; a page that fails on a corrupt row is
/// printed name by name.
void items_dump(session& s, const options& o) {
  auto store = s.items_of(o.group);
  dump_printer out{s, store, o.group};
  std::string from;
  for (bool first = true;; first = false) {
    auto page =
        sasync::load_page(s.self(), store, from, page_size, s.timeout(), s.reads());
    std::size_t got = 0;
    std::string last;
    if (page) {
      got = page->size();
      for (auto& [name, x] : *page)
        if (first || name != from)
          out.print(name, x);
      if (got != 0)
        last = page->rbegin()->first;
    } else if (dump_printer::is_corrupt(page.error())) {
      auto names = s.require(
          sasync::names(s.self(), store, from, page_size, s.timeout(), s.reads()));
      got = names.size();
      if (!first && !names.empty() && names.front() == from)
        names.erase(names.begin());
      out.print_one_by_one(names);
      if (!names.empty())
        last = names.back();
    } else {
      s.require(std::move(page));
    }
    if (got < page_size)
      break;
    from = last;
  }
  out.finish();
}

/// Shows how many items went in, on one terminal line, at most ten times a
/// second.
class progress_line {
public:
  progress_line() : on_(::isatty(STDERR_FILENO) != 0) {}

  void update(std::uint64_t n) {
    if (!on_)
      return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100))
      return;
    last_ = now;
    std::fprintf(stderr, "\rloaded %llu", static_cast<unsigned long long>(n));
  }

  void finish() {
    if (on_)
      std::fputs("\r\033[K", stderr);
  }

private:
  bool on_;
  std::chrono::steady_clock::time_point last_{};
};

/// NAME<TAB>VALUE lines, many sets in flight so the node commits them in
/// groups; names keep their order. At the first bad line or failed set it
/// sends no more, waits for every set in flight and reports how many
/// committed.
void items_load(session& s, const options& o) {
  constexpr std::uint32_t window = 512;
  auto store = s.items_of(o.group);
  std::ifstream file;
  if (o.file != "-") {
    file.open(o.file);
    if (!file)
      throw failure{usage, "cannot read " + o.file};
  }
  std::istream& in = o.file == "-" ? std::cin : file;
  // Lines are read as the window frees up, so memory holds the window only.
  std::size_t number = 0;
  std::optional<failure> bad_line;
  next_entry next = [&]() -> std::optional<named_value<stored_value>> {
    std::string line;
    if (bad_line || !std::getline(in, line))
      return std::nullopt;
    ++number;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    auto tab = line.find('\t');
    auto name = cli::unescape(line.substr(0, tab));
    auto text = tab == std::string::npos ? std::nullopt
                                         : cli::unescape(line.substr(tab + 1));
    auto where = "line " + std::to_string(number) + ": ";
    if (!name || !text) {
      bad_line = failure{usage, where + "expected NAME<TAB>VALUE"};
      return std::nullopt;
    }
    auto x = encode(*text);
    if (auto why = s.over_limit(x, where)) {
      bad_line = failure{usage, *why};
      return std::nullopt;
    }
    return named_value<stored_value>{std::move(*name), std::move(x)};
  };
  std::uint64_t loaded = 0;
  std::uint64_t failed_at = 0;
  progress_line progress;
  set_many_callbacks callbacks;
  callbacks.on_progress = [&](std::uint64_t n) {
    loaded = n;
    progress.update(n);
  };
  callbacks.on_failed = [&](std::uint64_t at) { failed_at = at; };
  auto done = set_many(s.self(), store, next, window, callbacks, s.timeout(),
                       s.writes());
  progress.finish();
  // A failed set came from a line before any bad one: it is named first.
  std::optional<failure> failed = bad_line;
  if (!done)
    failed = failure{code_of(done.error()),
                     "line " + std::to_string(failed_at + 1) + ": " +
                         s.describe(done.error())};
  if (failed)
    throw failure{failed->code, failed->line + " (" + std::to_string(loaded) +
                                    " items loaded)"};
  std::cout << *done << '\n';
}

// -- sql ---------------------------------------------------------------------

void print_row(const row& r) {
  for (std::size_t i = 0; i < r.size(); ++i)
    std::cout << (i ? "\t" : "") << cli::field(r[i]);
  std::cout << '\n';
}

void print_header(const std::vector<std::string>& columns) {
  for (std::size_t i = 0; i < columns.size(); ++i)
    std::cout << (i ? "\t" : "") << cli::escape(columns[i]);
  std::cout << '\n';
}

/// The values of sql's --bind NAME=VALUE options by name; a name given
/// twice is a usage error.
named_values bound_by_name(const std::vector<std::string>& binds) {
  named_values out;
  for (auto& bind : binds) {
    auto eq = bind.find('=');
    auto name = bind.substr(0, eq);
    if (!out.emplace(name, cli::parameter(bind.substr(eq + 1))).second)
      throw failure{usage, "--bind gives :" + name + " twice"};
  }
  return out;
}

void sql(session& s, const options& o) {
  auto& statement = o.text;
  std::vector<value> params;
  for (auto& arg : o.args)
    params.push_back(cli::parameter(arg));
  auto by_name = !o.binds.empty();
  auto named = bound_by_name(o.binds);
  if (!only_reads(statement)) {
    auto rs = s.require(
        by_name
            ? sql_named(s.self(), s.db(), statement, named, s.timeout(), s.statements())
            : sasync::sql(s.self(), s.db(), statement, params, s.timeout(), s.statements()));
    if (!rs.columns.empty()) {
      print_header(rs.columns);
      for (auto& r : rs.rows)
        print_row(r);
    }
    return;
  }
  // Streamed: a batch at a time, whatever the result's size.
  auto info = s.require(
      by_name ? query_named(s.self(), s.db(), statement, named, s.timeout(), s.statements())
              : query(s.self(), s.db(), statement, params, s.timeout(), s.statements()));
  print_header(info.columns);
  s.require(for_each_row(s.self(), info.rows, print_row, 1000, s.timeout()));
  std::cout.flush();
}

/// batch [FILE|-]: one operation a line (cli_batch.hpp), all or nothing;
/// one result a line (a set's new version, a delete's or statement's rows),
/// or one line naming the failing operation's line and why.
void run_batch_file(session& s, const options& o) {
  std::ifstream file;
  if (o.file != "-") {
    file.open(o.file);
    if (!file)
      throw failure{usage, "cannot read " + o.file};
  }
  batch_lines lines;
  try {
    lines = read_batch(o.file == "-" ? std::cin : file);
  } catch (const bad_batch_line& bad) {
    throw failure{usage, "line " + std::to_string(bad.line) + ": " + bad.why};
  }
  for (std::size_t i = 0; i < lines.ops.size(); ++i)
    if (auto why = s.over_limit(lines.ops[i].x,
                                "line " + std::to_string(lines.line_of[i]) +
                                    ": "))
      throw failure{usage, *why};
  auto done = sasync::batch(s.self(), s.db(), lines.ops, s.timeout(),
                            s.writes());
  if (!done) {
    auto at = failed_operation(done.error());
    auto where = at >= 0 && static_cast<std::size_t>(at) < lines.line_of.size()
                     ? "line " + std::to_string(lines.line_of[at]) + ": "
                     : std::string{};
    throw failure{code_of(done.error()),
                  where + s.describe(done.error()) + "; nothing changed"};
  }
  for (std::size_t i = 0; i < done->size(); ++i) {
    auto kind = lines.ops[i].kind;
    auto sets = kind == batch_kind::item_set ||
                kind == batch_kind::item_set_if ||
                kind == batch_kind::cell_set || kind == batch_kind::cell_set_if;
    if (sets)
      std::cout << (*done)[i].version << '\n';
    else
      std::cout << (*done)[i].rows_affected << '\n';
  }
}

void status(session& s, const options& o) {
  auto st = s.require(sasync::status(s.self(), s.db(), s.timeout()));
  std::cout << (o.json ? status_json(st) : status_text(st));
}

void cluster(session& s, const options&) {
  auto view = s.require(cluster_members_of(s.self(), s.db(), s.timeout()));
  for (auto& m : view.members)
    std::cout << m.address << '\t' << state_of(m) << '\t' << m.groups << '\n';
}

struct cli_config : system_config {
  explicit cli_config(const options& o) {
    load_guarded_middleman(*this);
    load<caf::openssl::manager>();
    openssl_certificate = o.tls_cert;
    openssl_key = o.tls_key;
    openssl_cafile = o.tls_ca;
  }
};

/// Connects as the options say and runs `cmd` (`writes` when it may
/// write); a failure is thrown.
void connect_and_run(const options& o, command cmd, bool writes) {
  // CAF reads them only at the first connection, and aborts if they are bad.
  if (!o.tls_cert.empty())
    if (auto why = check_tls_files(o.tls_cert, o.tls_key, o.tls_ca);
        !why.empty())
      throw failure{usage, why};
  cli_config cfg{o};
  caf::actor_system sys{cfg};
  std::optional<broker> embedded;
  node db;
  if (!o.url.empty()) {
    broker_config bc;
    try {
      bc.engine = engine_config::parse(o.url);
    } catch (const storage_failure& f) {
      throw failure{usage, f.what()};
    }
    embedded = spawn_broker(sys, bc);
    db = *embedded;
  } else if (!o.nodes.empty()) {
    std::string why;
    auto endpoints = parse_endpoints(o.nodes, why);
    if (endpoints.empty())
      throw failure{usage, "--nodes: " + why};
    auto remote = connect_cluster(sys, std::move(endpoints), o.timeout);
    if (!remote)
      throw failure{unreachable,
                    describe(sys, remote.error(), o.timeout, writes)};
    db = *remote;
  } else {
    auto host = o.host.empty() ? std::string{defaults::node_host} : o.host;
    auto port = o.port == 0 ? defaults::node_port : o.port;
    auto remote = connect_node(sys, host, port, o.timeout);
    if (!remote)
      throw failure{unreachable,
                    describe(sys, remote.error(), o.timeout, writes)};
    db = *remote;
  }
  int code = ok;
  std::string line;
  try {
    session s{sys, db, o.timeout, writes};
    s.use_niceness(o.niceness);
    cmd(s, o);
  } catch (const failure& f) {
    code = f.code;
    line = f.line;
  }
  if (embedded) {
    // Drain: everything acknowledged has committed; close the database.
    caf::scoped_actor self{sys};
    auto stopped = sasync::shutdown(self, *embedded, o.timeout);
    if (!stopped && code == ok) {
      code = code_of(stopped.error());
      line = describe(sys, stopped.error(), o.timeout, writes);
    }
  } else {
    disconnect_node(db);
  }
  if (code != ok)
    throw failure{code, line};
}

/// A request timeout in seconds: at least a millisecond, and at most a year
/// so that the deadlines computed from it stay representable.
std::string check_timeout(const std::string& text) {
  double seconds = 0;
  auto last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, seconds);
  if (text.empty() || ec != std::errc{} || end != last ||
      !(seconds >= 0.001) ||
      !(seconds <= 365.0 * 24 * 3600))
    return "a number of seconds from 0.001 to 31536000";
  return {};
}

/// A whole number in int64's range, and nothing else: CLI11 would clamp one
/// beyond it to the limit.
std::string check_whole_number(const std::string& text) {
  std::int64_t x = 0;
  auto last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, x);
  if (text.empty() || ec != std::errc{} || end != last)
    return text + " is not a whole number from " +
           std::to_string(std::numeric_limits<std::int64_t>::min()) + " to " +
           std::to_string(std::numeric_limits<std::int64_t>::max());
  return {};
}

/// --if-version: a version as items get --version prints it (0 = none).
std::string check_version(const std::string& text) {
  std::uint64_t x = 0;
  auto last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, x);
  if (text.empty() || ec != std::errc{} || end != last)
    return text + " is not a version (a whole number from 0 to " +
           std::to_string(std::numeric_limits<std::uint64_t>::max()) + ")";
  return {};
}

std::string check_not_empty(const std::string& text) {
  return text.empty() ? "must not be empty" : "";
}

std::string check_statement(const std::string& text) {
  auto blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
  return blank ? "an empty statement does nothing" : "";
}

/// sql's --bind: NAME=VALUE, NAME as in :NAME ([A-Za-z_][A-Za-z0-9_]*).
std::string check_binding(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos)
    return "must be NAME=VALUE";
  auto is_start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  auto ok = eq > 0 && is_start(text[0]);
  for (std::size_t i = 1; ok && i < eq; ++i)
    ok = is_start(text[i]) || (text[i] >= '0' && text[i] <= '9');
  return ok ? ""
            : "NAME must be letters, digits and '_', not starting "
              "with a digit";
}

} // namespace

std::optional<int> parse(int argc, const char* const* argv, invocation& inv,
                         std::ostream& out, std::ostream& err) {
  auto& o = inv.opts;
  CLI::App app{"sasync: persistent items, arrays and SQL, embedded or on a "
               "sasyncd node.\nExit codes: 0 ok, 1 usage, 2 cannot reach "
               "node / timeout, 3 missing, 4 database or transaction error, "
               "5 overloaded, 6 the name already exists (items insert) or "
               "another version (--if-version)."};
  const CLI::Validator not_empty{check_not_empty, "TEXT"};
  const CLI::Validator whole_number{check_whole_number, "INT64"};
  const CLI::Validator version{check_version, "VERSION"};
  // An empty --url or --host, or port 0, would quietly mean the default.
  auto url = app.add_option("--url", o.url,
                            "run embedded on this database (no daemon)")
                 ->check(not_empty);
  auto host = app.add_option("--host", o.host,
                             defaults::help("sasyncd node", defaults::node_host))
                  ->check(not_empty);
  auto port = app.add_option("--port", o.port,
                             defaults::help("sasyncd port", defaults::node_port))
                  ->check(CLI::Range(1, 65535));
  url->excludes(host)->excludes(port);
  auto nodes =
      app.add_option("--nodes", o.nodes,
                     "HOST:PORT,HOST:PORT,...: nodes of a cluster; the first "
                     "reachable one serves, the next one if it goes away")
          ->check(CLI::Validator(
              [](const std::string& text) {
                std::string why;
                return parse_endpoints(text, why).empty() ? why
                                                          : std::string{};
              },
              "HOST:PORT,..."));
  nodes->excludes(url)->excludes(host)->excludes(port);
  double timeout_seconds =
      std::chrono::duration<double>(defaults::cli_timeout).count();
  app.add_option("--timeout", timeout_seconds,
                 defaults::help("seconds per request",
                                seconds_of(defaults::cli_timeout)))
      ->check(CLI::Validator(check_timeout, "SECONDS"));
  std::string niceness_text;
  app.add_option("--niceness", niceness_text,
                 std::string{"priority of every request: "} + niceness_words +
                     "; default: reads 0, writes 1, sql 0")
      ->check(CLI::Validator(check_niceness, "N"));
  // A node that listens beyond loopback talks TLS and wants all three.
  auto cert = app.add_option("--tls-cert", o.tls_cert,
                             "this client's certificate (PEM)")
                  ->check(CLI::ExistingFile);
  auto key = app.add_option("--tls-key", o.tls_key, "its private key (PEM)")
                 ->check(CLI::ExistingFile);
  auto ca = app.add_option("--tls-ca", o.tls_ca,
                           "the CA that signed the node's certificate")
                ->check(CLI::ExistingFile);
  cert->needs(key)->needs(ca);
  key->needs(cert);
  ca->needs(cert);
  app.require_subcommand(1);
  command& chosen = inv.cmd;
  auto on = [&](CLI::App* sub, command cmd) {
    sub->callback([&chosen, cmd] { chosen = cmd; });
  };
  auto add_group = [&](CLI::App* sub) {
    sub->add_option("GROUP", o.group, "group id")
        ->required()
        ->check(whole_number);
  };
  auto items = app.add_subcommand("items", "named values of a group");
  items->require_subcommand(1);
  {
    auto set = items->add_subcommand("set", "store VALUE under NAME");
    add_group(set);
    set->add_option("NAME", o.name)->required();
    set->add_option("VALUE", o.text)->required();
    auto set_if_version = set->add_option(
        "--if-version", o.if_version,
        "store only if NAME is at version V (0: only if it does not exist); "
        "prints the new version; exit 6 otherwise")
        ->check(version);
    set->callback([&chosen, &o, set_if_version] {
      o.has_if_version = set_if_version->count() > 0;
      chosen = o.has_if_version ? items_set_if : +[](session& s,
                                                    const options& o) {
        auto store = s.items_of(o.group);
        s.require(sasync::set(s.self(), store, o.name, o.text, s.timeout(),
                                s.writes()));
      };
    });
    auto get = items->add_subcommand("get", "print NAME's value (exit 3 if "
                                            "missing)");
    add_group(get);
    get->add_option("NAME", o.name)->required();
    get->add_flag("--version", o.with_version,
                  "print VERSION<TAB>VALUE (the version set --if-version "
                  "takes)");
    on(get, items_get);
    auto del = items->add_subcommand("delete", "delete names; prints how "
                                               "many existed");
    add_group(del);
    del->add_option("NAME", o.args)->required();
    auto del_if_version = del->add_option(
        "--if-version", o.if_version,
        "delete the one NAME only if it is at version V (0: succeed only if "
        "it does not exist); exit 6 otherwise")
        ->check(version);
    del->callback([&chosen, &o, del_if_version] {
      o.has_if_version = del_if_version->count() > 0;
      chosen = o.has_if_version ? items_delete_if : +[](session& s,
                                                       const options& o) {
        auto store = s.items_of(o.group);
        std::cout << s.require(
                         sasync::erase(s.self(), store, o.args, s.timeout(),
                                       s.writes()))
                  << '\n';
      };
    });
    auto names = items->add_subcommand("names", "one name a line, sorted");
    add_group(names);
    auto prefix = names->add_option("--prefix", o.prefix,
                                    "only names that start with it");
    names->callback([&chosen, prefix] {
      chosen = prefix->count() > 0 ? items_names_with_prefix : items_names;
    });
    auto dump = items->add_subcommand("dump", "NAME<TAB>VALUE lines, sorted");
    add_group(dump);
    on(dump, items_dump);
    auto load = items->add_subcommand(
        "load", "NAME<TAB>VALUE lines in (FILE or - for stdin); prints the "
                "count");
    add_group(load);
    load->add_option("FILE", o.file, "default: stdin");
    on(load, items_load);
  }
  {
    auto insert = items->add_subcommand(
        "insert", "store VALUE under NAME unless NAME exists (then exit 6)");
    add_group(insert);
    insert->add_option("NAME", o.name)->required();
    insert->add_option("VALUE", o.text)->required();
    on(insert, items_insert);
    auto update = items->add_subcommand(
        "update", "replace NAME's value if NAME exists (else exit 3)");
    add_group(update);
    update->add_option("NAME", o.name)->required();
    update->add_option("VALUE", o.text)->required();
    on(update, items_update);
    auto clear = items->add_subcommand("clear", "delete every name of the "
                                                "group; prints how many");
    add_group(clear);
    on(clear, [](session& s, const options& o) {
      auto store = s.items_of(o.group);
      std::cout << s.require(sasync::clear(s.self(), store, s.timeout(), s.writes()))
                << '\n';
    });
  }
  auto array = app.add_subcommand("array", "values at (x, y, z) of a group");
  array->require_subcommand(1);
  {
    auto add_cell = [&](CLI::App* sub) {
      add_group(sub);
      sub->add_option("X", o.x)->required()->check(whole_number);
      sub->add_option("Y", o.y)->required()->check(whole_number);
      sub->add_option("Z", o.z)->required()->check(whole_number);
    };
    auto set = array->add_subcommand("set", "store VALUE at X Y Z");
    add_cell(set);
    set->add_option("VALUE", o.text)->required();
    on(set, [](session& s, const options& o) {
      auto cells = s.array_of(o.group);
      s.require(sasync::set(s.self(), cells, coordinates{o.x, o.y, o.z}, o.text,
                            s.timeout(), s.writes()));
    });
    auto get = array->add_subcommand("get", "print the value at X Y Z (exit "
                                            "3 if missing)");
    add_cell(get);
    on(get, [](session& s, const options& o) {
      auto cells = s.array_of(o.group);
      auto found = s.require(sasync::get<stored_value>(
          s.self(), cells, coordinates{o.x, o.y, o.z}, s.timeout(),
          s.reads()));
      if (!found)
        throw failure{missing, "no value at (" + std::to_string(o.x) + ", " +
                                   std::to_string(o.y) + ", " +
                                   std::to_string(o.z) + ")"};
      try {
        std::cout << cli::shown(*found) << '\n';
      } catch (const storage_failure& f) {
        throw failure{database, f.what()};
      }
    });
    auto del = array->add_subcommand("delete", "delete the value at X Y Z "
                                               "(exit 3 if there was none)");
    add_cell(del);
    on(del, [](session& s, const options& o) {
      auto cells = s.array_of(o.group);
      if (!s.require(sasync::erase(s.self(), cells, coordinates{o.x, o.y, o.z},
                                   s.timeout(), s.writes())))
        throw failure{missing, "no value at (" + std::to_string(o.x) + ", " +
                                   std::to_string(o.y) + ", " +
                                   std::to_string(o.z) + ")"};
    });
    auto clear = array->add_subcommand("clear", "delete every value; prints "
                                                "how many");
    add_group(clear);
    on(clear, [](session& s, const options& o) {
      auto cells = s.array_of(o.group);
      std::cout << s.require(sasync::clear(s.self(), cells, s.timeout(), s.writes()))
                << '\n';
    });
  }
  auto dict_cmd = app.add_subcommand(
      "dict", "the group through its dict (writes committed before exit 0)");
  dict_cmd->require_subcommand(1);
  {
    auto contains = dict_cmd->add_subcommand(
        "contains", "print true if NAME holds a value, else false (exit 3)");
    add_group(contains);
    contains->add_option("NAME", o.name)->required();
    on(contains, [](session& s, const options& o) {
      auto store = s.dict_of(o.group);
      auto found =
          s.require(sasync::contains(s.self(), store, o.name, s.timeout(), s.reads()));
      std::cout << (found ? "true" : "false") << '\n';
      if (!found)
        throw failure{missing, "no item '" + cli::escape(o.name) +
                                   "' in group " + std::to_string(o.group)};
    });
    auto size = dict_cmd->add_subcommand("size", "print how many names hold "
                                                 "a value");
    add_group(size);
    on(size, [](session& s, const options& o) {
      auto store = s.dict_of(o.group);
      std::cout << s.require(sasync::size(s.self(), store, s.timeout(), s.reads()))
                << '\n';
    });
    auto clear = dict_cmd->add_subcommand("clear", "delete every name; "
                                                   "prints how many");
    add_group(clear);
    on(clear, [](session& s, const options& o) {
      auto store = s.dict_of(o.group);
      auto n = s.require(sasync::clear(s.self(), store, s.timeout(), s.writes()));
      s.require(sasync::flush(s.self(), store, s.timeout()));
      std::cout << n << '\n';
    });
    auto pop = dict_cmd->add_subcommand("pop", "print NAME's value and "
                                               "delete it (exit 3 if "
                                               "missing)");
    add_group(pop);
    pop->add_option("NAME", o.name)->required();
    on(pop, [](session& s, const options& o) {
      auto store = s.dict_of(o.group);
      auto value = sasync::pop<stored_value>(s.self(), store, o.name,
                                             s.timeout(), s.writes());
      if (!value && is(value.error(), errc::missing))
        throw failure{missing, "no item '" + cli::escape(o.name) +
                                   "' in group " + std::to_string(o.group)};
      auto x = s.require(std::move(value));
      s.require(sasync::flush(s.self(), store, s.timeout()));
      try {
        std::cout << cli::shown(x) << '\n';
      } catch (const storage_failure& f) {
        throw failure{database, "item '" + cli::escape(o.name) +
                                    "' in group " + std::to_string(o.group) +
                                    ": " + f.what()};
      }
    });
  }
  auto sql_cmd = app.add_subcommand(
      "sql", "rows as TSV with a header line, streamed; whole and decimal "
             "numbers among the PARAMs bind as numbers");
  sql_cmd->add_option("STATEMENT", o.text)
      ->required()
      ->check(CLI::Validator{check_statement, "SQL"});
  auto positional_params = sql_cmd->add_option("PARAM", o.args);
  sql_cmd
      ->add_option("--bind", o.binds,
                   "NAME=VALUE for :NAME in STATEMENT (repeatable; instead "
                   "of PARAMs, which bind ?); numbers bind as numbers")
      ->check(CLI::Validator{check_binding, "NAME=VALUE"})
      ->allow_extra_args(false) // one NAME=VALUE per --bind
      ->excludes(positional_params);
  on(sql_cmd, sql);
  auto batch_cmd = app.add_subcommand(
      "batch", "operations, one a line (FILE or - for stdin), in one "
               "transaction: all or nothing; one result a line");
  batch_cmd->add_option("FILE", o.file, "default: stdin");
  on(batch_cmd, run_batch_file);
  auto status_cmd =
      app.add_subcommand("status", "backend, pool, queue depth, counters");
  status_cmd->add_flag("--json", o.json,
                       "one JSON object with the same fields, for scripts");
  on(status_cmd, status);
  auto cluster_cmd = app.add_subcommand(
      "cluster", "one line per node of the cluster: ADDRESS<TAB>STATE<TAB>"
                 "GROUPS (exit 1 if the node is not in cluster mode)");
  on(cluster_cmd, cluster);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    err << "sasync: " << e.what() << " (--help lists the commands)\n";
    return usage;
  }
  o.timeout = std::chrono::milliseconds{
      static_cast<std::int64_t>(timeout_seconds * 1000)};
  if (!niceness_text.empty())
    o.niceness = parse_niceness(niceness_text);
  auto leaf = &app;
  while (!leaf->get_subcommands().empty())
    leaf = leaf->get_subcommands().front();
  auto& name = leaf->get_name();
  inv.writes = name == "set" || name == "delete" || name == "load" ||
               name == "clear" || name == "pop" || name == "insert" ||
               name == "update" || (name == "sql" && !only_reads(o.text)) ||
               name == "batch";
  return std::nullopt;
}

int run(const invocation& inv) {
  try {
    connect_and_run(inv.opts, inv.cmd, inv.writes);
    return ok;
  } catch (const failure& f) {
    std::cout.flush();
    std::cerr << "sasync: " << f.line << '\n';
    return f.code;
  }
}

} // namespace sasync::cli
