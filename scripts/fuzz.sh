#!/usr/bin/env bash
# Fuzz every parser of untrusted bytes for a bounded time (issue 18, item 3).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each cargo-fuzz target of scripts/fuzz for SECONDS (default 60) with libFuzzer and
# exits non-zero when any target crashes (the crashing input is in
# scripts/fuzz/artifacts/TARGET/). New inputs go to scripts/fuzz/work/TARGET/ (ignored by
# git); the committed seeds in scripts/fuzz/corpus/TARGET/ are only read. To keep a new
# interesting input, minimise into the committed corpus:
#   RUSTC_BOOTSTRAP=1 cargo fuzz cmin --fuzz-dir scripts/fuzz TARGET scripts/fuzz/corpus/TARGET
# A crash, once fixed, goes to scripts/fuzz/regressions/TARGET/ so CI replays it on stable
# (every crate's tests/fuzz_corpus.rs).
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Only the stable toolchain is
# installed, so RUSTC_BOOTSTRAP=1 lets it take the -Z flags libFuzzer builds need. Not part
# of scripts/test.sh: building the targets takes long on CI's two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH="${1:-60}"
shift || true
case "$SECONDS_EACH" in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: install it with 'cargo install cargo-fuzz --locked'" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
export CARGO_INCREMENTAL=0
FUZZ_DIR=scripts/fuzz
# Debug assertions on: integer overflow panics, as in the test builds.
BUILD_FLAGS=(--fuzz-dir "$FUZZ_DIR" --debug-assertions)

if [ "$#" -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cargo fuzz list --fuzz-dir "$FUZZ_DIR")
fi

echo "== building ${#TARGETS[@]} fuzz targets"
cargo fuzz build "${BUILD_FLAGS[@]}"

failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$FUZZ_DIR/work/$t" "$FUZZ_DIR/corpus/$t"
  echo "== $t: ${SECONDS_EACH}s"
  # -rss_limit_mb: a parser that allocates from an untrusted size is a finding too.
  set +e
  cargo fuzz run "${BUILD_FLAGS[@]}" "$t" "$FUZZ_DIR/work/$t" "$FUZZ_DIR/corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$FUZZ_DIR/work/$t.log" 2>&1
  status=$?
  set -e
  grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|SUMMARY|thread '|==[0-9]+== ?ERROR)" \
    "$FUZZ_DIR/work/$t.log" || true
  if [ "$status" -ne 0 ]; then
    echo "!! $t crashed (exit $status): see $FUZZ_DIR/work/$t.log and $FUZZ_DIR/artifacts/$t/" >&2
    failed+=("$t")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "== no crashes in ${#TARGETS[@]} targets (${SECONDS_EACH}s each)"
