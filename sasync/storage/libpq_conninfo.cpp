// libpq's own reading of PostgreSQL connection strings and URIs.
#include "sasync/storage/libpq_conninfo.hpp"

#include "sasync/storage/storage_failure.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

namespace sasync::detail {

namespace {

bool blank(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/// %XX decoded, or the text as it is where an escape is malformed (only to
/// recognise secrets, never to read values).
std::string lenient_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    int hi =
        i + 2 < text.size() && text[i] == '%' ? hex_value(text[i + 1]) : -1;
    int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
    if (lo >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

/// What of a text must never be shown: the raw and decoded secrets, and the
/// text with their places masked.
struct secret_parts {
  std::vector<std::string> values;
  std::string masked;
};

/// Mirrors libpq's URI reading (conninfo_uri_parse_options): the password
/// runs from the first ':' of the user part to the '@' found before any '/'.
secret_parts uri_secrets(std::string_view uri) {
  secret_parts out;
  auto start = uri.find("://") + 3;
  auto at = uri.find_first_of("@/", start);
  auto rest_from = start;
  out.masked = std::string{uri.substr(0, start)};
  if (at != std::string_view::npos && uri[at] == '@') {
    auto userinfo = uri.substr(start, at - start);
    auto colon = userinfo.find(':');
    out.masked += std::string{userinfo.substr(0, colon)};
    if (colon != std::string_view::npos) {
      auto raw = userinfo.substr(colon + 1);
      out.values.emplace_back(raw);
      out.values.push_back(lenient_decode(raw));
      out.masked += ":***";
    }
    rest_from = at;
  }
  auto q = uri.find('?', rest_from);
  out.masked += std::string{
      uri.substr(rest_from, q == std::string_view::npos ? q : q - rest_from)};
  if (q == std::string_view::npos)
    return out;
  out.masked += '?';
  auto query = uri.substr(q + 1);
  for (bool first = true;; first = false) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (!first)
      out.masked += '&';
    if (eq != std::string_view::npos &&
        is_secret_keyword(lenient_decode(pair.substr(0, eq)))) {
      auto raw = pair.substr(eq + 1);
      out.values.emplace_back(raw);
      out.values.push_back(lenient_decode(raw));
      out.masked += std::string{pair.substr(0, eq)} + "=***";
    } else {
      out.masked += std::string{pair};
    }
    if (amp == std::string_view::npos)
      return out;
    query = query.substr(amp + 1);
  }
}

/// libpq's words on one line, with what it quoted of a secret masked.
std::string masked_reason(std::string reason, const std::string& text,
                          const secret_parts& secrets) {
  std::replace_if(
      reason.begin(), reason.end(),
      [](char c) { return c == '\n' || c == '\t'; }, ' ');
  while (!reason.empty() && reason.back() == ' ')
    reason.pop_back();
  if (!secrets.masked.empty())
    for (auto pos = reason.find(text); pos != std::string::npos;
         pos = reason.find(text, pos + secrets.masked.size()))
      reason.replace(pos, text.size(), secrets.masked);
  // Whatever else libpq quotes from the text is masked whole if it holds a
  // secret: a short password could be part of any word.
  std::string out;
  size_t pos = 0;
  while (pos < reason.size()) {
    auto open = reason.find('"', pos);
    auto close = open == std::string::npos ? open : reason.find('"', open + 1);
    if (close == std::string::npos) {
      out += reason.substr(pos);
      break;
    }
    auto quoted = reason.substr(open + 1, close - open - 1);
    // A part of the masked text shows nothing secret, even where a short
    // password happens to be in it.
    bool shown = !secrets.masked.empty() &&
                 secrets.masked.find(quoted) != std::string::npos;
    bool secret =
        !shown &&
        std::any_of(secrets.values.begin(), secrets.values.end(), [&](auto& s) {
          return !s.empty() && quoted.find(s) != std::string::npos;
        });
    out += reason.substr(pos, open + 1 - pos);
    out += secret ? "***" : quoted;
    out += '"';
    pos = close + 1;
  }
  return out;
}

} // namespace

std::optional<std::vector<libpq_param>> split_conninfo(std::string_view text) {
  // The rules of libpq's conninfo_parse.
  std::vector<libpq_param> out;
  size_t i = 0;
  auto skip_blanks = [&] {
    while (i < text.size() && blank(text[i]))
      ++i;
  };
  while (true) {
    skip_blanks();
    if (i == text.size())
      return out;
    libpq_param param;
    while (i < text.size() && text[i] != '=' && !blank(text[i]))
      param.keyword += text[i++];
    skip_blanks();
    if (i == text.size() || text[i] != '=')
      return std::nullopt;
    ++i;
    skip_blanks();
    if (i < text.size() && text[i] == '\'') {
      ++i;
      while (true) {
        if (i == text.size())
          return std::nullopt;
        if (text[i] == '\\' && i + 1 < text.size()) {
          param.value += text[i + 1];
          i += 2;
        } else if (text[i] == '\\') {
          ++i;
        } else if (text[i] == '\'') {
          ++i;
          break;
        } else {
          param.value += text[i++];
        }
      }
    } else {
      while (i < text.size() && !blank(text[i])) {
        if (text[i] == '\\') {
          if (++i < text.size())
            param.value += text[i++];
        } else {
          param.value += text[i++];
        }
      }
    }
    out.push_back(std::move(param));
  }
}

std::vector<libpq_param> libpq_parse(const std::string& text) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options{
      PQconninfoParse(text.c_str(), &error), &PQconninfoFree};
  if (!options) {
    std::string reason = error ? error : "out of memory";
    PQfreemem(error);
    bool uri = text.rfind("postgresql://", 0) == 0 ||
               text.rfind("postgres://", 0) == 0;
    secret_parts secrets;
    if (uri) {
      secrets = uri_secrets(text);
    } else if (auto params = split_conninfo(text)) {
      for (auto& p : *params) {
        bool secret = is_secret_keyword(p.keyword);
        if (secret)
          secrets.values.push_back(p.value);
        secrets.masked += p.keyword + '=' + (secret ? "***" : p.value) + ' ';
      }
    }
    throw_invalid(std::string{"malformed PostgreSQL "} +
                  (uri ? "URL" : "connection string") + ": " +
                  masked_reason(std::move(reason), text, secrets));
  }
  std::vector<libpq_param> out;
  for (auto* opt = options.get(); opt->keyword != nullptr; ++opt)
    if (opt->val != nullptr)
      out.push_back(libpq_param{opt->keyword, opt->val});
  return out;
}

bool is_secret_keyword(std::string_view keyword) {
  // libpq marks them with dispchar "*"; the fixed two cover libpq 15.
  static const std::set<std::string, std::less<>> secret = [] {
    std::set<std::string, std::less<>> out{"password", "sslpassword"};
    if (auto* defaults = PQconndefaults()) {
      for (auto* opt = defaults; opt->keyword != nullptr; ++opt)
        if (opt->dispchar != nullptr && opt->dispchar[0] == '*')
          out.emplace(opt->keyword);
      PQconninfoFree(defaults);
    }
    return out;
  }();
  return secret.count(keyword) > 0;
}

std::string quote_conninfo(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'')
      out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

} // namespace sasync::detail
