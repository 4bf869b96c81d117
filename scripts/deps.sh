#!/usr/bin/env bash
# Installs what sasync builds and tests with, from Debian 12 packages only.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcaf-dev libsqlitecpp-dev libsqlite3-dev libpqxx-dev libpq-dev
  libspdlog-dev libfmt-dev libssl-dev libcli11-dev
  openssl
  libcpp-httplib-dev # sasyncd's /metrics
  python3-prometheus-client # the metrics test parses with it
  dpkg-dev # dpkg-shlibdeps: the package's Depends (cpack -G DEB)
  clang libclang-rt-14-dev
  postgresql-15 postgresql-client-15
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  as_root=()
  [[ $(id -u) -eq 0 ]] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
