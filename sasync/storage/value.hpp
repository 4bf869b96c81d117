// One SQL value (null, integer, real, text or blob) and result rows.
#pragma once

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/sec.hpp>

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace sasync {

using blob = std::vector<std::uint8_t>;

/// How many bytes `f` has left to read, when it knows (CAF's binary
/// deserializer, as BASP uses), else SQLite's largest blob. The value
/// codec's own deserializer bounds every sequence by what is left.
std::size_t bytes_left(caf::deserializer& f);

/// Reads a blob without trusting the length the stream claims: CAF 0.17
/// resizes a byte vector to that length before reading, so a peer's message
/// or a corrupt row could make it allocate any amount.
template <class Inspector>
typename Inspector::result_type load_blob(Inspector& f, blob& x) {
  std::size_t n = 0;
  if (auto err = f.begin_sequence(n))
    return err;
  if (n > bytes_left(f))
    return caf::make_error(caf::sec::end_of_stream,
                           "a blob claims more bytes than the data holds");
  x.resize(n);
  if (n > 0)
    if (auto err = f.apply_raw(n, x.data()))
      return err;
  return f.end_sequence();
}

/// A value bound to a statement or read from a row.
class value {
public:
  enum class kind : std::uint8_t { null, integer, real, text, blob };

  value() = default;
  value(std::nullptr_t) {}
  /// Any integral type but bool and char (a char is text, not a number);
  /// an unsigned number beyond the largest int64 throws
  /// storage_failure(invalid_argument), since SQL integers are signed.
  template <class Int,
            std::enable_if_t<std::is_integral_v<Int> &&
                                 !std::is_same_v<Int, bool> &&
                                 !std::is_same_v<Int, char>,
                             int> = 0>
  value(Int x) : data_(checked_integer(x)) {}
  value(char) = delete;
  value(double x) : data_(x) {}
  value(bool x) : data_(std::int64_t{x ? 1 : 0}) {}
  value(std::string x) : data_(std::move(x)) {}
  value(const char* x) : data_(std::string{x}) {}
  value(sasync::blob x) : data_(std::move(x)) {}

  kind type() const noexcept { return static_cast<kind>(data_.index()); }
  bool is_null() const noexcept { return type() == kind::null; }

  /// Accessors; each throws storage_failure(invalid_argument) naming both
  /// kinds when the value holds another kind.
  std::int64_t as_integer() const;
  double as_real() const; ///< integers convert
  const std::string& as_text() const;
  const sasync::blob& as_blob() const;

  friend bool operator==(const value& x, const value& y) {
    return x.data_ == y.data_;
  }
  friend bool operator!=(const value& x, const value& y) { return !(x == y); }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, value& x) {
    auto k = static_cast<std::uint8_t>(x.type());
    if constexpr (Inspector::reads_state) {
      switch (x.type()) {
      case kind::null:
        return f(k);
      case kind::integer:
        return f(k, std::get<std::int64_t>(x.data_));
      case kind::real:
        return f(k, std::get<double>(x.data_));
      case kind::text:
        return f(k, std::get<std::string>(x.data_));
      default:
        return f(k, std::get<sasync::blob>(x.data_));
      }
    } else {
      if (auto err = f(k))
        return err;
      switch (static_cast<kind>(k)) {
      case kind::null:
        x.data_ = std::monostate{};
        return f();
      case kind::integer:
        return load<std::int64_t>(f, x);
      case kind::real:
        return load<double>(f, x);
      case kind::text:
        return load<std::string>(f, x);
      case kind::blob: {
        blob tmp;
        auto res = load_blob(f, tmp);
        x.data_ = std::move(tmp);
        return res;
      }
      }
      // An unknown tag comes from a corrupt or hostile stream.
      x.data_ = std::monostate{};
      return caf::make_error(caf::sec::invalid_argument, "bad value tag");
    }
  }

private:
  [[noreturn]] static void throw_beyond_int64(std::uint64_t x);

  template <class Int> static std::int64_t checked_integer(Int x) {
    if constexpr (std::is_unsigned_v<Int> && sizeof(Int) >= sizeof(std::int64_t))
      if (x > static_cast<std::uint64_t>(INT64_MAX))
        throw_beyond_int64(x);
    return static_cast<std::int64_t>(x);
  }

  template <class T, class Inspector>
  static typename Inspector::result_type load(Inspector& f, value& x) {
    T tmp{};
    auto res = f(tmp);
    x.data_ = std::move(tmp);
    return res;
  }

  std::variant<std::monostate, std::int64_t, double, std::string, sasync::blob>
      data_;
};

/// The kind's name: "null", "integer", "real", "text" or "blob".
const char* to_string(value::kind k) noexcept;

/// Readable text for logs and TSV output: NULL, digits, text as is, blobs as
/// x'hex'.
std::string to_display(const value& x);

using row = std::vector<value>;

/// What a statement returns.
struct result_set {
  std::vector<std::string> columns;
  std::vector<row> rows;
  /// Rows an INSERT / UPDATE / DELETE changed, with or without RETURNING.
  /// The keys of inserted rows come back with `RETURNING id`, on every
  /// backend alike.
  std::int64_t rows_affected = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, result_set& x) {
  return f(x.columns, x.rows, x.rows_affected);
}

} // namespace sasync
