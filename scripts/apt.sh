#!/usr/bin/env bash
# apt_install WHO MISSING_HINT PACKAGE...: installs Debian packages with apt-get, as root or
# through sudo; without either it prints "WHO: MISSING_HINT" and exits 1. Sourced by
# scripts/setup.sh and scripts/postgres.sh.
apt_install() {
  local who="$1" hint="$2" sudo=""
  shift 2
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "$who: $hint" >&2
      exit 1
    fi
  fi
  echo "$who: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
