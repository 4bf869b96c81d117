#!/usr/bin/env bash
# Builds CAF 0.17.6 with ThreadSanitizer from Debian 12's source package (the
# one libcaf-dev is built from) and prints its install prefix, which is kept
# outside the tree (CMake refuses to export include paths inside it) and
# shared by clones; scripts/build.sh --thread builds sasync against it. ThreadSanitizer
# sees a library's synchronisation only if the library is instrumented: with
# Debian's binary libcaf every message handed between actors looks like a race.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.17.6
work=${XDG_CACHE_HOME:-$HOME/.cache}/sasync/caf-$version-tsan
prefix=$work/install
if [[ -f $prefix/lib/libcaf_core.so && -f $prefix/lib/libcaf_openssl.so ]]; then
  echo "$prefix"
  exit 0
fi
mkdir -p "$work/apt/lists/partial"
echo "deb-src http://deb.debian.org/debian bookworm main" >"$work/apt/sources.list"
apt_options=(-o "Dir::Etc::SourceList=$work/apt/sources.list"
  -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/apt/lists")
apt-get "${apt_options[@]}" update -qq >&2
tarball=actor-framework_$version.orig.tar.gz
# The mirror lacks the Debian patch archive (404), so apt reports a failure
# after fetching the .dsc and the upstream tarball; their hashes are checked
# below against the .dsc, which apt checked against the signed index.
(cd "$work" && apt-get "${apt_options[@]}" source --download-only \
  "actor-framework=$version-2.1" >&2 2>/dev/null) || true
(cd "$work" && grep -E "^ [0-9a-f]{64} [0-9]+ $tarball\$" \
  "actor-framework_$version-2.1.dsc" | awk '{print $1 "  " $3}' |
  sha256sum --quiet -c -) >&2
src=$work/actor-framework-$version
rm -rf "$src" && tar xzf "$work/$tarball" -C "$work"
# Debian's only change to the headers: an include GCC 12 needs.
sed -i '22a #include <limits>' "$src/libcaf_io/caf/io/network/receive_buffer.hpp"
for lib in libcaf_core libcaf_io libcaf_openssl; do
  (cd "$src/$lib" && find caf -name '*.hpp' | while read -r header; do
    cmp -s "$header" "/usr/include/$header" ||
      { echo "caf-tsan: $header differs from libcaf-dev's" >&2; exit 1; }
  done)
done
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "${launcher[@]}" -DCMAKE_CXX_FLAGS=-fsanitize=thread \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread \
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DCAF_NO_EXAMPLES=yes -DCAF_NO_UNIT_TESTS=yes -DCAF_NO_TOOLS=yes \
  -DCAF_NO_PYTHON=yes -DCAF_NO_OPENCL=yes -DCAF_NO_SUMMARY=yes >&2
cmake --build "$work/build" -- -j"$(nproc)" >&2
cmake --install "$work/build" >/dev/null
echo "$prefix"
