// Loads the files as CAF's OpenSSL module does, into a context of its own.
#include "sasync/actors/net/tls_files.hpp"

#include "sasync/actors/net/tls_error_queue.hpp"
#include "sasync/actors/net/tls_traffic.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>
#include <fstream>
#include <memory>

namespace sasync {

namespace {

/// OpenSSL's reason for the last failure, or `fallback`.
std::string openssl_reason(const char* fallback) {
  auto code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0)
    return fallback;
  auto reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : fallback;
}

int give_passphrase(char* buf, int size, int, void* userdata) {
  auto& passphrase = *static_cast<const std::string*>(userdata);
  if (passphrase.empty() || passphrase.size() >= static_cast<size_t>(size))
    return 0; // never a prompt on a terminal
  std::memcpy(buf, passphrase.data(), passphrase.size());
  return static_cast<int>(passphrase.size());
}

} // namespace

std::string check_tls_files(const std::string& certificate,
                            const std::string& key, const std::string& cafile,
                            const std::string& passphrase) {
  keep_tls_error_queue_clear(); // the program talks TLS
  keep_tls_traffic_counted();
  for (auto& file : {certificate, key, cafile})
    if (!std::ifstream{file})
      return "cannot read " + file;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{
      SSL_CTX_new(TLS_method()), &SSL_CTX_free};
  if (!ctx)
    return "cannot start TLS: " + openssl_reason("out of memory");
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), certificate.c_str()) != 1)
    return certificate +
           " is not a PEM certificate: " + openssl_reason("unreadable");
  SSL_CTX_set_default_passwd_cb(ctx.get(), give_passphrase);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(),
                                         const_cast<std::string*>(&passphrase));
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) !=
      1)
    return key + " is not a PEM private key of " + certificate + ": " +
           openssl_reason("unreadable");
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return key + " is not the private key of " + certificate + ": " +
           openssl_reason("no match");
  if (SSL_CTX_load_verify_locations(ctx.get(), cafile.c_str(), nullptr) != 1)
    return cafile +
           " is not a PEM CA certificate: " + openssl_reason("unreadable");
  return {};
}

} // namespace sasync
