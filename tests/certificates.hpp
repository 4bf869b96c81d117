// Certificates for TLS tests, made with the openssl command line (a CA is
// self-signed, the others are signed by the CA named), and a client's
// config that presents one.
#pragma once

#include "sasync/actors/system_config.hpp"

#include "child_process.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace sasync::test {

/// Makes `dir`/`name`.pem and `dir`/`name`.key, signed by `ca` (self-signed
/// when `ca` is empty). Returns openssl's complaint, empty on success.
inline std::string make_certificate(const std::filesystem::path& dir,
                                    const std::string& name,
                                    const std::string& ca) {
  auto at = [&](const std::string& file) { return (dir / file).string(); };
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/openssl");
    auto res = run_to_end(std::move(args), std::chrono::seconds(60));
    return res.code == 0 ? std::string{} : "openssl failed: " + res.errors;
  };
  std::vector<std::string> key = {"-newkey", "ec",
                                  "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                  "-nodes", "-keyout",
                                  at(name + ".key"), "-subj",
                                  "/CN=" + name};
  if (ca.empty()) {
    key.insert(key.begin(), {"req", "-x509", "-days", "1"});
    key.insert(key.end(), {"-out", at(name + ".pem")});
    return run(key);
  }
  key.insert(key.begin(), "req");
  key.insert(key.end(), {"-out", at(name + ".csr")});
  if (auto err = run(key); !err.empty())
    return err;
  return run({"x509", "-req", "-in", at(name + ".csr"), "-CA", at(ca + ".pem"),
              "-CAkey", at(ca + ".key"), "-CAcreateserial", "-days", "1",
              "-out", at(name + ".pem")});
}

/// A client that talks TLS as `who` (`dir`/`who`.pem and .key), trusting
/// `ca`.
struct tls_client_config : system_config {
  tls_client_config(const std::filesystem::path& dir, const std::string& who,
                    const std::string& ca) {
    load<caf::io::middleman>();
    load<caf::openssl::manager>();
    openssl_certificate = (dir / (who + ".pem")).string();
    openssl_key = (dir / (who + ".key")).string();
    openssl_cafile = (dir / (ca + ".pem")).string();
  }
};

} // namespace sasync::test
