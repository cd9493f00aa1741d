#!/usr/bin/env bash
# Jobs per minute of real `ytempire queue work --offline` worker processes sharing one
# PostgreSQL queue: 9 short offline videos (8 s, 320×180), with 1 and then 3 worker processes.
#   cargo build --workspace --all-features --locked --bin ytempire
#   bash scripts/postgres.sh bash scripts/queue_throughput.sh
# Needs DATABASE_URL (scripts/postgres.sh sets it) and psql; each run uses fresh schemas.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${YTEMPIRE_BIN:-target/debug/ytempire}"
[ -x "$BIN" ] || { echo "queue_throughput.sh: build $BIN first (see the header)" >&2; exit 1; }
[ -n "${DATABASE_URL:-}" ] || { echo "queue_throughput.sh: run it through scripts/postgres.sh or set DATABASE_URL" >&2; exit 1; }
JOBS="${JOBS:-9}"
M="$(mktemp -d /tmp/ytempire-throughput.XXXXXX)"
trap 'rm -rf "$M"' EXIT
sep='?'; case "$DATABASE_URL" in *\?*) sep='&' ;; esac
for n in 1 3; do
  # Fresh job and cache directories: nothing is resumed from the previous round.
cat >"$M/cfg-$n.toml" <<CFG
[paths]
output_dir = "$M/out-$n"
data_dir = "$M/data-$n"

[video]
width = 320
height = 180
fps = 15
compositor = "cpu"
thumbnails = 2
quality_threshold = 0.0

[providers]
probe_local = false
CFG
  schema="throughput_$$_$n"
  psql -q "$DATABASE_URL" -c "CREATE SCHEMA $schema"
  DB="$DATABASE_URL${sep}options=-csearch_path%3D$schema"
  for i in $(seq 1 "$JOBS"); do
    "$BIN" --config "$M/cfg-$n.toml" queue --database "$DB" submit "Topic number $i about tides" --duration 8 --job "j$i" >/dev/null
  done
  start=$(date +%s.%N)
  pids=()
  for w in $(seq 1 "$n"); do
    "$BIN" --config "$M/cfg-$n.toml" queue --database "$DB" work --offline >"$M/worker-$n-$w.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  end=$(date +%s.%N)
  ok=$("$BIN" --config "$M/cfg-$n.toml" queue --database "$DB" list --state succeeded | grep -c succeeded || true)
  awk -v n="$n" -v ok="$ok" -v s="$start" -v e="$end" -v jobs="$JOBS" \
    'BEGIN { printf "%d worker process(es): %d/%d jobs succeeded in %.1f s = %.1f jobs/min\n", n, ok, jobs, e - s, ok * 60 / (e - s) }'
  psql -q "$DATABASE_URL" -c "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE"
done
