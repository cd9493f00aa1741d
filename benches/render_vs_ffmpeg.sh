#!/usr/bin/env bash
# Reference render job vs ffmpeg's equivalent filtergraph, run alternately on the same machine.
#
#   benches/render_vs_ffmpeg.sh [ROUNDS] [PRESET]      (defaults: 3 rounds, veryfast)
#
# ytempire: `render_reference` (10 s 1080p30, Ken Burns 1.0→1.3, one caption, narration),
# once per compositor backend, with libx264 at PRESET (same encoder and preset as the
# baseline) through an ffmpeg process ("x264") and, when libx264-dev is installed, in this
# process ("libx264", the GPL `x264` feature), and with the bundled openh264. Both sides
# read the same still and narration. Our x264 runs use ffmpeg's default CRF 23 (under
# YouTube's 8 Mbit/s ceiling), so encoder, preset and rate control match the baseline; one
# more run ("libx264-crf18") shows the library default, CRF 18, which spends more bits.
# ffmpeg: zoompan + drawtext + libx264 at PRESET, AAC narration, -movflags +faststart.
# The "gpu-sampler" rows are the wgpu backend with the texture unit's image filter
# (YTEMPIRE_GPU_FILTER=sampler) instead of the exact integer one.
# Prints each wall time and the ratio ffmpeg_time / ytempire_time (> 1 means we are faster).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
PRESET="${2:-veryfast}"
command -v ffmpeg >/dev/null || { echo "ffmpeg not found (scripts/setup.sh installs it)"; exit 1; }
# backend, encoder, --crf value ("-" for encoders without one)
VARIANTS=("gpu x264 23" "cpu x264 23" "gpu openh264 -" "gpu-sampler openh264 -" "cpu openh264 -")
if pkg-config --exists x264 2>/dev/null; then
  cargo build --release -q -p ytempire-examples --features x264 --example render_reference
  VARIANTS+=("gpu libx264 23" "gpu-sampler libx264 23" "cpu libx264 23" "cpu libx264-crf18 18")
else
  cargo build --release -q -p ytempire-examples --example render_reference
fi
BIN=target/release/examples/render_reference
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Inputs for ffmpeg: the same still and narration the example generates.
ffmpeg -v error -f lavfi -i "gradients=s=1920x1080:d=1,format=rgb24" -frames:v 1 "$WORK/still.png"
if command -v espeak-ng >/dev/null; then
  espeak-ng -w "$WORK/voice.wav" "Hello from the reference caption. This is the ytempire reference render."
else
  ffmpeg -v error -f lavfi -i "sine=f=180:d=10" "$WORK/voice.wav"
fi
FONT="$(fc-match -f '%{file}' DejaVuSans 2>/dev/null || true)"
[ -n "$FONT" ] || FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
DRAW="drawtext=fontfile=${FONT}:text='Hello from the reference caption':fontsize=64:fontcolor=white:borderw=4:bordercolor=black:x=(w-text_w)/2:y=h-80-text_h"

run_ffmpeg() {
  ffmpeg -v error -y -loop 1 -i "$WORK/still.png" -i "$WORK/voice.wav" \
    -filter_complex "[0:v]scale=3840:-1,zoompan=z='1+0.3*on/300':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=300:s=1920x1080:fps=30,${DRAW},format=yuv420p[v];[1:a]apad,atrim=0:10,aresample=48000[a]" \
    -map "[v]" -map "[a]" -frames:v 300 -c:v libx264 -preset "$PRESET" -g 15 -c:a aac -b:a 192k \
    -movflags +faststart "$WORK/ffmpeg.mp4"
}

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

declare -A total
for variant in "${VARIANTS[@]}"; do total["$variant"]=0; done
total[ffmpeg]=0
for ((r = 1; r <= ROUNDS; r++)); do
  t=$(secs run_ffmpeg); total[ffmpeg]=$(echo "${total[ffmpeg]} + $t" | bc -l)
  printf 'round %d ffmpeg(%s): %.2f s\n' "$r" "$PRESET" "$t"
  for variant in "${VARIANTS[@]}"; do
    set -- $variant
    crf=(); [ "$3" = - ] || crf=(--crf "$3")
    backend="${1%-sampler}"; filter=exact; [ "$1" = "$backend" ] || filter=sampler
    t=$(secs env YTEMPIRE_GPU_FILTER="$filter" "$BIN" "$WORK/ours.mp4" "--$backend" \
      --encoder "${2%-crf18}" --preset "$PRESET" \
      --still "$WORK/still.png" "${crf[@]}") || { echo "  $variant failed"; continue; }
    total["$variant"]=$(echo "${total[$variant]} + $t" | bc -l)
    printf 'round %d ytempire %-22s %.2f s\n' "$r" "$variant:" "$t"
  done
done
ff=$(echo "${total[ffmpeg]} / $ROUNDS" | bc -l)
printf 'ffmpeg mean: %.2f s\n' "$ff"
for variant in "${VARIANTS[@]}"; do
  ours=$(echo "${total[$variant]} / $ROUNDS" | bc -l)
  printf 'ytempire %-22s mean %.2f s  ratio(ffmpeg/ours) %.2f\n' "$variant" "$ours" "$(echo "$ff / $ours" | bc -l)"
done
