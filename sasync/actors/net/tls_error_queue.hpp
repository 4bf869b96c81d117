// OpenSSL's error queue kept empty before each TLS read and write, as
// OpenSSL asks of its callers. CAF 0.17's OpenSSL module never empties it:
// a failed handshake (a peer of another CA, a plain client) leaves its
// errors in the queue of the thread that serves every connection, and the
// next "wait for more bytes" of any other connection on that thread reads
// as that error, so CAF closes it. sasync therefore puts SSL_read,
// SSL_write, SSL_connect and SSL_accept of its programs in front of
// OpenSSL's: each empties the calling thread's queue, then calls OpenSSL's.
#pragma once

namespace sasync {

/// Keeps the clearing calls in a program that links sasync statically;
/// call it wherever TLS is set up (it does nothing itself).
void keep_tls_error_queue_clear();

} // namespace sasync
