#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every feature is built below, the GPL x264 encoder's system library included.
export YTEMPIRE_WITH_X264=1
source scripts/setup.sh
# A one-shot build: incremental caches only cost disk and time here.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

echo "== fmt";    cargo fmt --all --check
echo "== clippy"; cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
echo "== test";   cargo test --workspace --all-features --locked
echo "== doc";    RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --all-features --locked
echo "== core dependency guard"
if cargo tree -e normal -p ytempire-core --all-features --prefix none | grep -E '^(reqwest|hyper|wgpu) '; then
  echo "ytempire-core must not depend on reqwest, hyper or wgpu" >&2
  exit 1
fi
echo "== all checks passed"
