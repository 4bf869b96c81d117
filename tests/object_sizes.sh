#!/usr/bin/env bash
# No object file of the build over LIMIT_MB. An actor type or handle spelled
# out in a template argument repeats its whole typed interface (kilobytes)
# in the debug name of every nested lambda: one such file reached 860 MB,
# and the build trees of CI filled the disk.
# Usage: object_sizes.sh BINARY_DIR LIMIT_MB
set -euo pipefail
bin=$1 limit=$2
largest=$(find "$bin" -name '*.o' -printf '%s %P\n' | sort -n | tail -n 3)
echo "largest object files (bytes):"
echo "$largest"
over=$(find "$bin" -name '*.o' -size +"${limit}M" -printf '%P\n')
if [[ -n $over ]]; then
  echo "over ${limit} MB (name the actor type; see items_self in items.cpp):" >&2
  echo "$over" >&2
  exit 1
fi
