// Captures what the engine's `echo` option logs, for checks.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace sasync::test {

/// Registers the "sasync.echo" logger on a string for its lifetime.
class echo_capture {
public:
  echo_capture() {
    spdlog::drop("sasync.echo");
    spdlog::register_logger(std::make_shared<spdlog::logger>(
        "sasync.echo", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)));
  }

  ~echo_capture() { spdlog::drop("sasync.echo"); }

  bool logged(const std::string& text) const {
    return out_.str().find(text) != std::string::npos;
  }

  /// How many times `text` was logged.
  std::size_t count(const std::string& text) const {
    auto all = out_.str();
    std::size_t n = 0;
    for (auto i = all.find(text); i != std::string::npos;
         i = all.find(text, i + text.size()))
      ++n;
    return n;
  }

private:
  std::ostringstream out_;
};

} // namespace sasync::test
