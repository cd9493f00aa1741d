#!/usr/bin/env bash
# The main job: installs what is missing, builds, and renders a video offline with no keys:
# topic → offline script → espeak-ng narration → procedural visuals → render → MP4 +
# thumbnails + cost and quality report. Extra arguments go to the example, e.g.
#   bash scripts/quickstart.sh --topic "How volcanoes form" --duration 45 --shorts
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo run --release --locked -p ytempire-examples --example quickstart -- "$@"
