#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every feature is built below, the GPL x264 encoder's system library included.
export YTEMPIRE_WITH_X264=1
source scripts/setup.sh
# A one-shot build: incremental caches only cost disk and time here.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# A clean run writes about 4 GB under target/: say so up front when the disk is short, rather
# than leave only the linker's "No space left on device" halfway through.
free_kb="$(df -Pk "${CARGO_TARGET_DIR:-.}" 2>/dev/null | awk 'NR == 2 { print $4 }')"
if [ -n "$free_kb" ] && [ "$free_kb" -lt $((5 * 1024 * 1024)) ]; then
  echo "test.sh: warning: only $((free_kb / 1024)) MiB free for target/; a clean run needs about 4 GiB" >&2
fi

echo "== fmt";    cargo fmt --all --check
echo "== clippy"; cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
# The PostgreSQL queue tests need a server: scripts/postgres.sh starts a throwaway one when
# DATABASE_URL is unset (and stops it afterwards); under CI they fail rather than skip without it.
echo "== test";   bash scripts/postgres.sh cargo test --workspace --all-features --locked
echo "== doc";    RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --all-features --locked
echo "== core dependency guard"
# Core's default build has no HTTP client and no GPU. Its opt-in `http` feature (the vendor
# HTTP core the provider crates turn on) brings reqwest and hyper, but never wgpu.
# Nor a PostgreSQL client: that is the opt-in `postgres` feature (the shared job queue).
if cargo tree -e normal -p ytempire-core --prefix none --locked | grep -E '^(reqwest|hyper|wgpu|tokio-postgres|deadpool-postgres) '; then
  echo "ytempire-core's default build must not depend on reqwest, hyper, wgpu or a PostgreSQL client" >&2
  exit 1
fi
if cargo tree -e normal -p ytempire-core --all-features --prefix none --locked | grep -E '^wgpu '; then
  echo "ytempire-core must not depend on wgpu, whatever its features" >&2
  exit 1
fi
echo "== all checks passed"
