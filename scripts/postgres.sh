#!/usr/bin/env bash
# Runs a command with DATABASE_URL naming a PostgreSQL server, for the tests of the PostgreSQL
# job queue (ytempire-core's `postgres` feature):
#   bash scripts/postgres.sh cargo test --workspace --all-features --locked -- postgres_queue
# - DATABASE_URL already set: the command runs as it is, against that server.
# - Otherwise a server answering on 127.0.0.1:5432 as user `postgres` without a password is used.
# - Otherwise this script starts a throwaway server: Debian's `postgresql` package (installed when
#   initdb/pg_ctl are missing), `initdb` into a temporary directory as an unprivileged user, on a
#   free loopback port with its socket in that directory, trust authentication, no fsync. It is
#   stopped and deleted when the command ends, whether it passed or failed.
# Tests keep to their own schema or database, so they run in parallel on one server.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: scripts/postgres.sh COMMAND [ARGS...]" >&2
  exit 2
fi

if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

pg_bin() {
  local d
  # pg_ctl on PATH may be a link into Debian's directory, which also holds createdb.
  for d in "$(dirname "$(readlink -f "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")")" \
    $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && [ -x "$d/createdb" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

# A server that is already running and lets `postgres` in (a developer's machine, a CI service).
if command -v psql >/dev/null 2>&1 &&
  PGCONNECT_TIMEOUT=2 psql -qtA "postgres://postgres@127.0.0.1:5432/postgres" -c 'select 1' >/dev/null 2>&1; then
  echo "postgres.sh: using the server on 127.0.0.1:5432" >&2
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres" exec "$@"
fi

if ! BIN="$(pg_bin)"; then
  source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
  apt_install postgres.sh "PostgreSQL (initdb, pg_ctl) is missing and this is not root; install Debian's postgresql package, or set DATABASE_URL" postgresql
  BIN="$(pg_bin)" || {
    echo "postgres.sh: postgresql installed but initdb/pg_ctl not found under /usr/lib/postgresql/*/bin" >&2
    exit 1
  }
fi

# PostgreSQL refuses to run as root: run it as an unprivileged user.
AS=()
if [ "$(id -u)" -eq 0 ]; then
  PGUSER_OS=ytempire-pg
  if ! id "$PGUSER_OS" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS" 2>/dev/null || PGUSER_OS=nobody
  fi
  AS=(runuser -u "$PGUSER_OS" --)
fi

DIR="$(mktemp -d /tmp/ytempire-pg.XXXXXX)"
chmod 755 "$DIR"
mkdir -p "$DIR/sock"
[ ${#AS[@]} -eq 0 ] || chown -R "$PGUSER_OS" "$DIR"

stop_server() {
  if [ -f "$DIR/data/postmaster.pid" ]; then
    "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}
trap stop_server EXIT
trap 'exit 130' INT TERM

"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U ytempire --auth=trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 || {
  echo "postgres.sh: initdb failed:" >&2
  cat "$DIR/initdb.log" >&2
  exit 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
started=""
for _ in $(seq 1 20); do
  PORT=$((20000 + RANDOM % 40000))
  port_free "$PORT" || continue
  if "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
    -o "-p $PORT -k $DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [ -z "$started" ]; then
  echo "postgres.sh: the PostgreSQL server did not start; its log:" >&2
  cat "$DIR/server.log" >&2 || true
  exit 1
fi

"${AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U ytempire ytempire
export DATABASE_URL="postgres://ytempire@127.0.0.1:$PORT/ytempire"
echo "postgres.sh: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $DIR)" >&2

set +e
"$@"
rc=$?
set -e
exit "$rc"
