// Bytes and BASP messages over TLS connections, per peer, for /metrics. The
// wire guard counts plain TCP connections, but CAF 0.17's OpenSSL module
// makes its connections itself: it reads and writes each through its
// session class, whose read_some, write_some and destructor sasync's
// programs put in front of CAF's (as with OpenSSL's functions,
// tls_error_queue.hpp). Each counts what passes, then calls CAF's own.
#pragma once

namespace sasync {

/// Keeps the counting calls in a program that links sasync statically; call
/// it wherever TLS is set up (it does nothing itself).
void keep_tls_traffic_counted();

} // namespace sasync
