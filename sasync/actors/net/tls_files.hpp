// The certificate, key and CA files of a node or a client, checked before
// any connection: CAF 0.17 reads them only on the first connection and
// aborts the process if one is missing, not PEM, or the key does not match.
#pragma once

#include <string>

namespace sasync {

/// Why TLS cannot start with these files (one line naming the file), or
/// empty: each must be readable PEM, `key` the private key of `certificate`
/// (opened with `passphrase` if it is encrypted) and `cafile` hold at least
/// one certificate.
std::string check_tls_files(const std::string& certificate,
                            const std::string& key, const std::string& cafile,
                            const std::string& passphrase = {});

} // namespace sasync
