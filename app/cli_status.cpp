#include "cli_status.hpp"

#include <cstdint>
#include <cstdio>
#include <string_view>

namespace sasync::cli {

namespace {

/// `text` as a JSON string: quotes, backslashes and control bytes escaped.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + '"';
}

std::string number(std::uint64_t n) {
  return std::to_string(n);
}

} // namespace

std::string status_text(const broker_status& st) {
  auto& q = st.queue;
  return "state: " + st.state + "\nbackend: " + st.backend +
         "\nconnections: " + number(q.connections) + " (" + number(q.idle) +
         " idle, " + number(q.leased) + " lent to cursors)\nqueue: " +
         number(q.waiting) + " waiting, " + number(q.running) +
         " running, capacity " + number(q.capacity) + "\njobs: " +
         number(q.done) + " done, " + number(q.failed) + " failed, " +
         number(q.refused) + " refused\ntransactions: " + number(q.batches) +
         "\nstatements prepared: " + number(q.prepared) + "\n";
}

std::string status_json(const broker_status& st) {
  auto& q = st.queue;
  return "{\"state\": " + json_string(st.state) +
         ", \"backend\": " + json_string(st.backend) +
         ", \"connections\": {\"open\": " + number(q.connections) +
         ", \"idle\": " + number(q.idle) +
         ", \"lent_to_cursors\": " + number(q.leased) +
         "}, \"queue\": {\"waiting\": " + number(q.waiting) +
         ", \"running\": " + number(q.running) +
         ", \"capacity\": " + number(q.capacity) +
         "}, \"jobs\": {\"done\": " + number(q.done) +
         ", \"failed\": " + number(q.failed) +
         ", \"refused\": " + number(q.refused) +
         "}, \"transactions\": " + number(q.batches) +
         ", \"statements_prepared\": " + number(q.prepared) + "}\n";
}

} // namespace sasync::cli
