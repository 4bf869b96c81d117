// Checks config values against their declared options, alike for the config
// file and the command line.
#include "sasync/actors/option_check.hpp"

#include <caf/atom.hpp>
#include <caf/config_option.hpp>
#include <caf/config_option_set.hpp>
#include <caf/config_value.hpp>
#include <caf/settings.hpp>

#include <cstdio>
#include <functional>
#include <cstdint>
#include <limits>

namespace sasync {

namespace {

using value_visitor =
    std::function<void(const std::string& key, const caf::config_value& x)>;

/// Calls `f` with every value of `xs` and its dotted key.
void for_each_value(const caf::settings& xs, const std::string& prefix,
                    const value_visitor& f) {
  for (auto& [name, x] : xs) {
    auto key = prefix + name;
    if (auto group = caf::get_if<caf::settings>(&x))
      for_each_value(*group, key + ".", f);
    else
      f(key, x);
  }
}

/// The option declared for `key`; top-level keys are CAF's `global` group.
const caf::config_option* option_for(const caf::config_option_set& opts,
                                     const std::string& key) {
  auto dot = key.rfind('.');
  if (dot == std::string::npos)
    return opts.qualified_name_lookup("global", key);
  return opts.qualified_name_lookup(key.substr(0, dot), key.substr(dot + 1));
}

/// CAF's name of the option's type: uint16, real64, boolean, string, ...
std::string type_of(const caf::config_option& opt) {
  auto name = opt.type_name();
  return {name.begin(), name.end()};
}

bool takes_real(const caf::config_option& opt) {
  return type_of(opt).compare(0, 4, "real") == 0;
}

/// What an option of this type takes, in words.
std::string takes(const caf::config_option& opt) {
  auto name = type_of(opt);
  if (name == "boolean")
    return "true or false";
  if (name == "string")
    return "text in double quotes";
  if (name == "timespan")
    return "a duration such as 10ms";
  if (name.compare(0, 4, "real") == 0)
    return "a number";
  if (name == "uint64")
    return "a whole number, 0 or more";
  if (name.compare(0, 4, "uint") == 0)
    return "a whole number from 0 to " +
           std::to_string((std::uint64_t{1} << std::stoi(name.substr(4))) - 1);
  if (name.compare(0, 3, "int") == 0)
    return "a whole number";
  return name;
}

std::string number(double x) {
  char out[32];
  std::snprintf(out, sizeof out, "%.15g", x);
  return out;
}

/// Why `opt` cannot take `x`, in words, or empty.
std::string refusal(const caf::config_option& opt, const std::string& key,
                    const caf::config_value& x,
                    const std::vector<option_bounds>& bounds) {
  auto whole = caf::get_if<caf::config_value::integer>(&x);
  auto real = caf::get_if<caf::config_value::real>(&x);
  if (opt.check(x) && !(whole && takes_real(opt)))
    return takes(opt);
  if (!whole && !real)
    return {};
  double n = whole ? static_cast<double>(*whole) : *real;
  for (auto& b : bounds) {
    if (b.key != key || (n >= b.min && n <= b.max))
      continue;
    if (b.max == std::numeric_limits<double>::infinity())
      return "at least " + number(b.min);
    return "from " + number(b.min) + " to " + number(b.max);
  }
  return {};
}

std::string bad_value_line(const std::string& key, const caf::config_value& x,
                           const std::string& why) {
  return "bad value for " + key + ": " + caf::to_string(x) + " (" + why + ")";
}

} // namespace

std::string bad_option_value(const caf::config_option_set& opts,
                             const caf::settings& file,
                             const std::vector<std::string>& args,
                             const std::vector<option_bounds>& bounds) {
  std::string line;
  for_each_value(file, "",
                 [&](const std::string& key, const caf::config_value& x) {
                   auto opt = option_for(opts, key);
                   if (!line.empty() || opt == nullptr)
                     return;
                   if (auto why = refusal(*opt, key, x, bounds); !why.empty())
                     line = bad_value_line(key, x, why);
                 });
  if (!line.empty())
    return line;
  for (auto& arg : args) {
    auto eq = arg.find('=');
    if (arg.compare(0, 2, "--") != 0 || eq == std::string::npos)
      continue;
    auto key = arg.substr(2, eq - 2);
    auto opt = opts.cli_long_name_lookup(key);
    // On the command line, text needs no quotes: anything is text. Lists
    // are left to CAF.
    if (opt == nullptr || type_of(*opt) == "string" ||
        type_of(*opt).compare(0, 4, "list") == 0)
      continue;
    auto text = arg.substr(eq + 1);
    auto parsed = caf::config_value::parse(text);
    auto x = parsed ? std::move(*parsed) : caf::config_value{text};
    // An atom needs no quotes either, as CAF takes it (ten characters).
    constexpr std::size_t max_atom_size = 10;
    if (type_of(*opt) == "atom" && caf::holds_alternative<std::string>(x) &&
        text.size() <= max_atom_size)
      x = caf::config_value{caf::atom_from_string(text)};
    if (key.find('.') == std::string::npos) {
      auto full = opt->full_name();
      key.assign(full.begin(), full.end());
    }
    if (auto why = refusal(*opt, key, x, bounds); !why.empty())
      return bad_value_line(key, x, why);
  }
  return {};
}

void widen_whole_numbers(const caf::config_option_set& opts,
                         const caf::settings& file, caf::settings& content) {
  for_each_value(
      file, "", [&](const std::string& key, const caf::config_value& x) {
        auto opt = option_for(opts, key);
        auto whole = caf::get_if<caf::config_value::integer>(&x);
        if (opt == nullptr || whole == nullptr || !takes_real(*opt) ||
            caf::get_if(&content, key) != nullptr)
          return;
        caf::config_value real{static_cast<double>(*whole)};
        opt->store(real);
        caf::put(content, key, std::move(real));
      });
}

} // namespace sasync
