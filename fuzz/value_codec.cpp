// Fuzzes the value decoder with stored bytes of every kind: a blob that
// another program wrote, or a corrupt row, decodes or fails with
// storage_failure (corrupt_value), never a crash, a sanitizer report or an
// allocation beyond the input's size.
#include "sasync/storage/item_store.hpp"
#include "sasync/storage/storage_failure.hpp"
#include "sasync/storage/value.hpp"
#include "sasync/storage/value_codec.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace {

template <class T> void decode_as(const std::string& bytes) {
  // The stored type name must match for the bytes to be read at all.
  static const auto type = sasync::encode(T{}).type;
  sasync::stored_value x{type, sasync::blob(bytes.begin(), bytes.end())};
  try {
    (void)sasync::decode<T>(x);
  } catch (const sasync::storage_failure&) {
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
  case 0:
    decode_as<std::string>(bytes);
    break;
  case 1:
    decode_as<std::int64_t>(bytes);
    break;
  case 2:
    decode_as<double>(bytes);
    break;
  case 3:
    decode_as<bool>(bytes);
    break;
  case 4:
    decode_as<std::vector<std::string>>(bytes);
    break;
  case 5:
    decode_as<std::map<std::string, std::int64_t>>(bytes);
    break;
  case 6:
    decode_as<std::tuple<std::int32_t, std::string, double>>(bytes);
    break;
  case 7:
    decode_as<std::vector<std::vector<std::int64_t>>>(bytes);
    break;
  default:
    // A row some other program wrote: its columns, whatever they hold.
    try {
      auto half = bytes.size() / 2;
      (void)sasync::stored_value_from(
          sasync::value{bytes.substr(0, half)},
          sasync::value{sasync::blob(bytes.begin() + half, bytes.end())});
    } catch (const sasync::storage_failure&) {
    }
  }
  return 0;
}
