// Items, dict and array on real SQLite files (see objects_backend.ipp).
#define CAF_SUITE actors.objects_sqlite

#include <filesystem>
#include <string>

#include <unistd.h>

namespace {

/// A fresh database file per fixture, removed afterwards.
struct backend {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("sasync-objects-" + std::to_string(::getpid()));

  backend() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~backend() { std::filesystem::remove_all(dir); }

  std::string url() const {
    return "sqlite:///" + (dir / "objects.db").string();
  }
};

} // namespace

#include "objects_backend.ipp"
