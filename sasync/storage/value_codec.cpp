// The value codec's non-template half: bounded decoding and its failures.
#include "sasync/storage/value_codec.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/execution_unit.hpp>
#include <caf/sec.hpp>

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>

namespace sasync {

namespace {

/// CAF's binary deserializer with one more check: a sequence may not claim
/// more elements than the bytes left could hold, so a corrupt length never
/// makes it allocate gigabytes before noticing the end of the data.
class bounded_deserializer final : public caf::deserializer {
public:
  explicit bounded_deserializer(caf::binary_deserializer& inner)
      : caf::deserializer(static_cast<caf::execution_unit*>(nullptr)),
        inner_(inner) {}

  caf::error begin_object(uint16_t& nr, std::string& name) override {
    return inner_.begin_object(nr, name);
  }
  caf::error end_object() override { return inner_.end_object(); }
  caf::error begin_sequence(size_t& size) override {
    if (auto err = inner_.begin_sequence(size))
      return err;
    // An element takes at least a bit (vector<bool> packs eight a byte).
    if (size / 8 > inner_.remaining())
      return caf::make_error(caf::sec::end_of_stream,
                             "sequence longer than the data");
    return caf::none;
  }
  caf::error end_sequence() override { return inner_.end_sequence(); }
  caf::error apply_raw(size_t num_bytes, void* data) override {
    if (num_bytes > inner_.remaining())
      return caf::make_error(caf::sec::end_of_stream, "data too short");
    return inner_.apply_raw(num_bytes, data);
  }

protected:
  caf::error apply_impl(int8_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(uint8_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(int16_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(uint16_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(int32_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(uint32_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(int64_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(uint64_t& x) override { return inner_.apply(x); }
  caf::error apply_impl(float& x) override { return inner_.apply(x); }
  caf::error apply_impl(double& x) override { return inner_.apply(x); }
  caf::error apply_impl(long double& x) override { return inner_.apply(x); }
  caf::error apply_impl(std::string& x) override { return inner_.apply(x); }
  caf::error apply_impl(std::u16string& x) override { return inner_.apply(x); }
  caf::error apply_impl(std::u32string& x) override { return inner_.apply(x); }

private:
  caf::binary_deserializer& inner_;
};

[[noreturn]] void throw_corrupt(const stored_value& in,
                                const std::string& why) {
  throw storage_failure(failure_kind::corrupt_value,
                        "stored " + in.type + " (" +
                            std::to_string(in.bytes.size()) +
                            " bytes) does not decode: " + why);
}

} // namespace

namespace detail {

std::string demangled_name(const std::type_info& info) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name{
      abi::__cxa_demangle(info.name(), nullptr, nullptr, &status), std::free};
  return status == 0 && name ? std::string{name.get()}
                             : std::string{info.name()};
}

void encode_bytes(const std::string& type, blob& out,
                  const std::function<caf::error(caf::binary_serializer&)>& f) {
  std::vector<char> buf;
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), buf};
  if (auto err = f(sink))
    throw storage_failure(failure_kind::invalid_argument,
                          "cannot encode a " + type + ": " + to_string(err));
  out.assign(buf.begin(), buf.end());
}

void decode_bytes(const stored_value& in,
                  const std::function<caf::error(caf::deserializer&)>& f) {
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr),
                                  in.bytes};
  bounded_deserializer bounded{source};
  caf::error err;
  try {
    err = f(bounded);
  } catch (const std::bad_alloc&) {
    throw_corrupt(in, "a length is too large");
  } catch (const std::length_error&) {
    throw_corrupt(in, "a length is too large");
  } catch (const std::exception& e) {
    throw_corrupt(in, e.what());
  }
  if (err)
    throw_corrupt(in, to_string(err));
  if (source.remaining() != 0)
    throw_corrupt(in, std::to_string(source.remaining()) + " bytes left over");
}

void throw_type_mismatch(const std::string& stored, const std::string& wanted) {
  throw storage_failure(failure_kind::type_mismatch,
                        "stored value is a " + stored + ", not a " + wanted);
}

} // namespace detail

} // namespace sasync
