// The value codec: any CAF-inspectable type to a stored_value and back, with
// CAF's binary serializer and the type's name.
#pragma once

#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/stored_value.hpp"

#include <caf/binary_serializer.hpp>
#include <caf/deserializer.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/error.hpp>
#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sasync {

namespace detail {

/// An inspector that only looks for the `caf::meta::type_name` annotation of
/// a user type's inspect().
struct type_name_probe {
  using result_type = caf::error;
  static constexpr bool reads_state = true;
  static constexpr bool writes_state = false;
  const char* name = nullptr;

  template <class... Ts> caf::error operator()(Ts&&... xs) {
    (visit(xs), ...);
    return caf::none;
  }

  void visit(const caf::meta::type_name_t& x) {
    if (name == nullptr)
      name = x.value;
  }
  template <class T> void visit(const T&) {}
};

/// The demangled C++ name, for types without a type_name annotation.
std::string demangled_name(const std::type_info& info);

template <class T> struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_set : std::false_type {};
template <class T, class C, class A>
struct is_set<std::set<T, C, A>> : std::true_type {};
template <class T> struct is_unordered_set : std::false_type {};
template <class T, class H, class E, class A>
struct is_unordered_set<std::unordered_set<T, H, E, A>> : std::true_type {};
template <class T> struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type {};
template <class T> struct is_unordered_map : std::false_type {};
template <class K, class V, class H, class E, class A>
struct is_unordered_map<std::unordered_map<K, V, H, E, A>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<caf::optional<T>> : std::true_type {};
template <class T> struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};
template <class T> struct is_pair : std::false_type {};
template <class A, class B> struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T> struct is_tuple : std::false_type {};
template <class... Ts> struct is_tuple<std::tuple<Ts...>> : std::true_type {};

} // namespace detail

/// The name stored beside a value of type T. Arithmetic types, strings and
/// standard containers have fixed names ("int64", "string",
/// "map<string, vector<double>>"); a user type has the name its inspect()
/// gives with `caf::meta::type_name` (the same name CAF uses between nodes),
/// or else its demangled C++ name.
template <class T> std::string type_name_of() {
  using namespace detail;
  if constexpr (std::is_same_v<T, bool>) {
    return "bool";
  } else if constexpr (std::is_integral_v<T>) {
    return std::string{std::is_signed_v<T> ? "int" : "uint"} +
           std::to_string(sizeof(T) * 8);
  } else if constexpr (std::is_same_v<T, float>) {
    return "float";
  } else if constexpr (std::is_same_v<T, double>) {
    return "double";
  } else if constexpr (std::is_same_v<T, long double>) {
    return "long double";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "string";
  } else if constexpr (std::is_same_v<T, std::u16string>) {
    return "u16string";
  } else if constexpr (std::is_same_v<T, std::u32string>) {
    return "u32string";
  } else if constexpr (is_vector<T>::value) {
    return "vector<" + type_name_of<typename T::value_type>() + ">";
  } else if constexpr (is_set<T>::value) {
    return "set<" + type_name_of<typename T::value_type>() + ">";
  } else if constexpr (is_unordered_set<T>::value) {
    return "unordered_set<" + type_name_of<typename T::value_type>() + ">";
  } else if constexpr (is_map<T>::value) {
    return "map<" + type_name_of<typename T::key_type>() + ", " +
           type_name_of<typename T::mapped_type>() + ">";
  } else if constexpr (is_unordered_map<T>::value) {
    return "unordered_map<" + type_name_of<typename T::key_type>() + ", " +
           type_name_of<typename T::mapped_type>() + ">";
  } else if constexpr (is_optional<T>::value) {
    return "optional<" + type_name_of<typename T::type>() + ">";
  } else if constexpr (is_std_array<T>::value) {
    return "array<" + type_name_of<typename T::value_type>() + ", " +
           std::to_string(std::tuple_size<T>::value) + ">";
  } else if constexpr (is_pair<T>::value) {
    return "pair<" + type_name_of<typename T::first_type>() + ", " +
           type_name_of<typename T::second_type>() + ">";
  } else if constexpr (is_tuple<T>::value) {
    return std::apply(
        [](auto... xs) {
          std::string out = "tuple<";
          std::string sep;
          ((out += sep + type_name_of<decltype(xs)>(), sep = ", "), ...);
          return out + ">";
        },
        T{});
  } else if constexpr (caf::detail::is_inspectable<type_name_probe, T>::value) {
    T sample{};
    type_name_probe probe;
    inspect(probe, sample);
    return probe.name != nullptr ? std::string{probe.name}
                                 : demangled_name(typeid(T));
  } else {
    return demangled_name(typeid(T));
  }
}

namespace detail {

/// Serializes with CAF's binary format; throws storage_failure.
void encode_bytes(const std::string& type, blob& out,
                  const std::function<caf::error(caf::binary_serializer&)>& f);

/// Deserializes all of `in.bytes` (trailing bytes are corruption too);
/// throws storage_failure(corrupt_value).
void decode_bytes(const stored_value& in,
                  const std::function<caf::error(caf::deserializer&)>& f);

/// Throws storage_failure(type_mismatch) naming both types.
[[noreturn]] void throw_type_mismatch(const std::string& stored,
                                      const std::string& wanted);

} // namespace detail

/// Encodes `x` for storage; throws storage_failure(invalid_argument) if CAF
/// cannot serialize it.
template <class T> stored_value encode(const T& x) {
  stored_value out;
  out.type = type_name_of<T>();
  if constexpr (std::is_same_v<T, std::string>) {
    out.bytes.assign(x.begin(), x.end());
  } else {
    detail::encode_bytes(out.type, out.bytes, [&](caf::binary_serializer& f) {
      return f(const_cast<T&>(x));
    });
  }
  return out;
}

/// Text is stored as text.
inline stored_value encode(const char* x) {
  return encode(std::string{x});
}

/// Decodes a stored value as T; throws storage_failure with type_mismatch
/// when it was stored as another type and corrupt_value when its bytes do not
/// decode.
template <class T> T decode(const stored_value& x) {
  if constexpr (std::is_same_v<T, stored_value>) {
    return x;
  } else {
    auto wanted = type_name_of<T>();
    if (x.type != wanted)
      detail::throw_type_mismatch(x.type, wanted);
    if constexpr (std::is_same_v<T, std::string>) {
      return std::string{x.bytes.begin(), x.bytes.end()};
    } else {
      T out{};
      detail::decode_bytes(x, [&](caf::deserializer& f) { return f(out); });
      return out;
    }
  }
}

} // namespace sasync
