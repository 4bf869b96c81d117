// A program run by a test: its output read line by line with a deadline,
// signals sent to it, its exit awaited with a deadline. Never waits forever.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sasync {

class child_process {
public:
  /// Starts `argv[0]` with `argv`; stdout and stderr are read through pipes.
  /// It gets SIGKILL if the test process dies first.
  explicit child_process(std::vector<std::string> argv);
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  /// Kills the program if it still runs.
  ~child_process();

  /// The next line of stdout, or none at its end or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  void signal(int sig);

  /// The exit code (128 + N for signal N), or none if still running after
  /// `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  /// Everything the program wrote to stderr (complete once it has exited).
  std::string errors();

  pid_t pid() const noexcept { return pid_; }

  /// A memory figure of the running program from /proc/PID/status, in KiB:
  /// `VmRSS` (resident now) or `VmHWM` (its peak); 0 once it has gone.
  long memory_kb(const std::string& field) const;

private:
  void drain_stderr();

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  std::string out_buf_;
  std::string err_buf_;
  std::optional<int> status_;
};

/// Runs a program to its end (bounded by `timeout`, then killed): exit code
/// and stderr.
struct run_result {
  int code = -1;
  std::string errors;
  std::string output;
};
run_result run_to_end(std::vector<std::string> argv,
                      std::chrono::milliseconds timeout);

} // namespace sasync
