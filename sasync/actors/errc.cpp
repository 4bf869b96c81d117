// sasync's error category: construction, classification and rendering.
#include "sasync/actors/errc.hpp"

#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/versioned_store.hpp"

#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace sasync {

std::string to_string(errc x) {
  switch (x) {
  case errc::none:
    return "none";
  case errc::transaction_error:
    return "transaction_error";
  case errc::database_error:
    return "database_error";
  case errc::invalid_argument:
    return "invalid_argument";
  case errc::overloaded:
    return "overloaded";
  case errc::shutting_down:
    return "shutting_down";
  case errc::timeout:
    return "timeout";
  case errc::missing:
    return "missing";
  case errc::type_mismatch:
    return "type_mismatch";
  case errc::corrupt_value:
    return "corrupt_value";
  case errc::unreachable:
    return "unreachable";
  case errc::exists:
    return "exists";
  case errc::conflict:
    return "conflict";
  case errc::not_clustered:
    return "not_clustered";
  case errc::fenced:
    return "fenced";
  }
  return "unknown(" + std::to_string(static_cast<int>(x)) + ")";
}

caf::error make_error(errc code, std::string what) {
  return {static_cast<std::uint8_t>(code), errc_category,
          caf::make_message(std::move(what), false)};
}

caf::error make_retryable_error(errc code, std::string what) {
  return {static_cast<std::uint8_t>(code), errc_category,
          caf::make_message(std::move(what), true)};
}

// CAF 0.17's error::category() reads through a null pointer on an empty
// error, so each check asks whether there is an error first.
bool is(const caf::error& err, errc code) {
  return err && err.category() == errc_category &&
         err.code() == static_cast<std::uint8_t>(code);
}

bool is_retryable(const caf::error& err) {
  if (!err || err.category() != errc_category)
    return false;
  auto& ctx = err.context();
  return ctx.match_elements<std::string, bool>() && ctx.get_as<bool>(1);
}

caf::error make_conflict_error(std::string what, std::uint64_t current) {
  return {static_cast<std::uint8_t>(errc::conflict), errc_category,
          caf::make_message(std::move(what), false, current)};
}

std::optional<std::uint64_t> conflict_version(const caf::error& err) {
  if (!is(err, errc::conflict) ||
      !err.context().match_elements<std::string, bool, std::uint64_t>())
    return std::nullopt;
  return err.context().get_as<std::uint64_t>(2);
}

caf::error to_error(const storage_failure& failure) {
  if (auto c = dynamic_cast<const version_conflict*>(&failure))
    return make_conflict_error(c->what(), c->current());
  auto code = errc::database_error;
  switch (failure.kind()) {
  case failure_kind::invalid_argument:
    code = errc::invalid_argument;
    break;
  case failure_kind::type_mismatch:
    code = errc::type_mismatch;
    break;
  case failure_kind::corrupt_value:
    code = errc::corrupt_value;
    break;
  case failure_kind::exists:
    code = errc::exists;
    break;
  case failure_kind::missing:
    code = errc::missing;
    break;
  case failure_kind::fenced:
    code = errc::fenced;
    break;
  default:
    break;
  }
  std::string what = failure.what();
  if (!failure.code().empty())
    what += " (" + failure.code() + ")";
  return failure.retryable() ? make_retryable_error(code, std::move(what))
                             : make_error(code, std::move(what));
}

std::string render(errc code, const caf::message& context) {
  std::string out = "sasync::" + to_string(code);
  // A conflict's context adds the current version after these two.
  if (context.match_elements<std::string, bool>() ||
      context.match_elements<std::string, bool, std::uint64_t>()) {
    auto& what = context.get_as<std::string>(0);
    if (!what.empty())
      out += ": " + what;
    if (context.get_as<bool>(1))
      out += " (retryable)";
  }
  return out;
}

} // namespace sasync
