// SSL_read, SSL_write, SSL_connect and SSL_accept with the calling thread's
// OpenSSL error queue emptied first (tls_error_queue.hpp). A program's own
// definition of a function of a shared library comes first for every caller
// (CAF's OpenSSL module, libpq); each finds OpenSSL's own with RTLD_NEXT.
#include "sasync/actors/net/tls_error_queue.hpp"

#include "sasync/actors/net/detail/next_definition.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

using sasync::detail::next_definition;

using io_fn = int (*)(SSL*, void*, int);
using write_fn = int (*)(SSL*, const void*, int);
using handshake_fn = int (*)(SSL*);

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto next = next_definition<io_fn>("SSL_read");
  ERR_clear_error();
  return next(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto next = next_definition<write_fn>("SSL_write");
  ERR_clear_error();
  return next(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static auto next = next_definition<handshake_fn>("SSL_connect");
  ERR_clear_error();
  return next(ssl);
}

int SSL_accept(SSL* ssl) {
  static auto next = next_definition<handshake_fn>("SSL_accept");
  ERR_clear_error();
  return next(ssl);
}

} // extern "C"

namespace sasync {

void keep_tls_error_queue_clear() {
  // The reference to this function pulls the definitions above into the
  // program.
}

} // namespace sasync
