#!/usr/bin/env bash
# Installs the system packages ytempire uses when they are missing (Debian/Ubuntu, as root or
# with sudo). Safe to run repeatedly: it only calls apt-get when something is absent.
#   espeak-ng            offline narration (the default speech provider)
#   nasm                 doubles the speed of the bundled openh264 encoder build
#   mesa-vulkan-drivers  lavapipe, the software Vulkan driver the GPU path runs on without a GPU
#   ffmpeg               ffprobe validation of produced MP4s in tests (optional at run time)
#   fonts-droid-fallback a CJK fallback font for captions and thumbnails (DejaVu is bundled;
#                        without a CJK font such text is refused with a clear error)
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
if [ "${YTEMPIRE_WITH_X264:-0}" = 1 ]; then
  pkg-config --exists x264 2>/dev/null || need+=(libx264-dev pkg-config)
  ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 || need+=(libclang-dev)
fi
if ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  need+=(mesa-vulkan-drivers libvulkan1)
fi

if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "ytempire setup: missing ${need[*]} and not root; install them with your package manager" >&2
      exit 1
    fi
  fi
  echo "ytempire setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# wgpu's Vulkan loader wants a runtime dir; headless CI shells often have none.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="/tmp/ytempire-xdg-$(id -u)"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
fi
