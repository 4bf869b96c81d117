#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the example on the
# embedded SQLite default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh >/dev/null
exec build/app/sasync-example "${1:-sqlite:///sasync-example.db}"
