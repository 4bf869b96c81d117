#include "sasync/storage/thread_state.hpp"

#include <openssl/crypto.h>

namespace sasync {

void release_thread_state() noexcept {
  OPENSSL_thread_stop();
}

} // namespace sasync
