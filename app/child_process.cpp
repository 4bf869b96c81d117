// fork and exec with pipes; poll() bounds every read.
#include "child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sasync {

namespace {

using clock_type = std::chrono::steady_clock;

int remaining_ms(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

/// Appends what `fd` has now; false at its end.
bool read_some(int fd, std::string& buf) {
  char chunk[4096];
  auto n = ::read(fd, chunk, sizeof chunk);
  if (n > 0) {
    buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EINTR);
}

} // namespace

child_process::child_process(std::vector<std::string> argv) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec. The program dies with the
    // test, even when a failed check aborts it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  auto rc = pid_ < 0 ? errno : 0;
  ::close(out[1]);
  ::close(err[1]);
  out_ = out[0];
  err_ = err[0];
  ::fcntl(out_, F_SETFL, O_NONBLOCK);
  ::fcntl(err_, F_SETFL, O_NONBLOCK);
  if (rc != 0) {
    ::close(out_);
    ::close(err_);
    throw std::runtime_error("cannot start " + argv[0] + ": " +
                             std::strerror(rc));
  }
}

child_process::~child_process() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
  ::close(out_);
  ::close(err_);
}

std::optional<std::string>
child_process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (auto nl = out_buf_.find('\n'); nl != std::string::npos) {
      auto line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      return line;
    }
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    auto ready = ::poll(fds, 2, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return std::nullopt; // timed out
    if (fds[1].revents != 0)
      read_some(err_, err_buf_);
    if (fds[0].revents != 0 && !read_some(out_, out_buf_))
      return std::nullopt; // end of output
  }
}

void child_process::signal(int sig) {
  if (!status_)
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (!status_) {
    drain_stderr();
    int raw = 0;
    auto got = ::waitpid(pid_, &raw, WNOHANG);
    if (got == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      break;
    }
    if (clock_type::now() >= deadline)
      return std::nullopt;
    // Waiting for another process has no file descriptor to poll on; the
    // deadline bounds the loop.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  drain_stderr();
  return status_;
}

long child_process::memory_kb(const std::string& field) const {
  std::ifstream status{"/proc/" + std::to_string(pid_) + "/status"};
  std::string key;
  while (status >> key) {
    long kb = 0;
    if (key == field + ":" && status >> kb)
      return kb;
    status.ignore(4096, '\n');
  }
  return 0;
}

std::string child_process::errors() {
  drain_stderr();
  return err_buf_;
}

void child_process::drain_stderr() {
  for (;;) {
    pollfd fd{err_, POLLIN, 0};
    if (::poll(&fd, 1, 0) <= 0 || !read_some(err_, err_buf_))
      return;
  }
}

run_result run_to_end(std::vector<std::string> argv,
                      std::chrono::milliseconds timeout) {
  child_process proc{std::move(argv)};
  run_result out;
  while (auto line = proc.read_line(timeout))
    out.output += *line + '\n';
  auto code = proc.wait(timeout);
  out.code = code ? *code : -1;
  out.errors = proc.errors();
  return out;
}

} // namespace sasync
