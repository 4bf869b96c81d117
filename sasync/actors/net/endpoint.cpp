// Parsing of HOST:PORT lists.
#include "sasync/actors/net/endpoint.hpp"

#include <algorithm>
#include <cctype>

namespace sasync {

std::optional<endpoint> parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return std::nullopt;
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt; // an IPv6 host needs its brackets
  }
  if (port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; }))
    return std::nullopt;
  auto port = std::stoul(port_text);
  if (port == 0 || port > 65535)
    return std::nullopt;
  return endpoint{host, static_cast<std::uint16_t>(port)};
}

std::vector<endpoint> parse_endpoints(const std::string& text,
                                      std::string& why) {
  std::vector<endpoint> out;
  std::size_t start = 0;
  while (true) {
    auto comma = text.find(',', start);
    auto entry = text.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    auto parsed = parse_endpoint(entry);
    if (!parsed) {
      why = "'" + entry + "' is not HOST:PORT (a port 1..65535)";
      return {};
    }
    if (std::find(out.begin(), out.end(), *parsed) == out.end())
      out.push_back(std::move(*parsed));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return out;
}

} // namespace sasync
