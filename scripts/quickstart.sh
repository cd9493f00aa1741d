#!/usr/bin/env bash
# The main job: installs what is missing, builds the `ytempire` command, and renders a video
# offline with no keys: topic → offline script → espeak-ng narration → procedural visuals →
# render → MP4 + thumbnails + quality and cost reports. It runs `ytempire make --offline`;
# extra arguments go to it, e.g.
#   bash scripts/quickstart.sh --topic "How volcanoes form" --duration 45 --shorts
#   bash scripts/quickstart.sh "为什么熊猫是黑白色的" --out out/pandas --cpu --job pandas
# (`--topic T` or a bare TOPIC, --duration SECS, --shorts|--square, --out DIR, --cpu, --job ID,
# --webhook URL, --config FILE; see `ytempire make --help`.)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo run --release --locked -p ytempire-examples --bin ytempire -- make --offline "$@"
