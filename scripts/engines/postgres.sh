#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server on loopback for the test suites.
#
#   scripts/engines/postgres.sh start DIR   # cluster in DIR/pg, URLs in DIR/postgres.env
#   scripts/engines/postgres.sh stop DIR    # fast shutdown, removes DIR/pg (idempotent)
#
# Uses Debian's postgresql-15 binaries (installed by `make setup-test`). The server listens on
# 127.0.0.1 only, on a free port (never 5432, which Debian's own cluster may hold), with the
# defaults for durability (fsync on).
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
CMD=$1
DIR=$2
PGDIR=$DIR/pg
DATA=$PGDIR/data
ENVFILE=$DIR/postgres.env

# initdb and postgres refuse to run as root: as root, run them as the `postgres` user.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
        echo "postgres.sh: PostgreSQL 15 is not installed ($PGBIN/initdb missing)." >&2
        echo "postgres.sh: run \`make setup-test\` first (it installs the Debian package 'postgresql')." >&2
        exit 1
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "postgres.sh: no 'postgres' user; run \`make setup-test\` (package postgresql creates it)." >&2
        exit 1
    fi
    if [ -e "$DATA" ]; then
        echo "postgres.sh: $DATA already exists; run \`$0 stop $DIR\` first." >&2
        exit 1
    fi

    mkdir -p "$PGDIR"
    if [ "$(id -u)" = 0 ]; then
        # The postgres user must reach DIR/pg: let it traverse DIR (mktemp -d makes it 0700).
        chmod o+x "$DIR"
        chown postgres: "$PGDIR"
        if ! runuser -u postgres -- test -w "$PGDIR"; then
            echo "postgres.sh: user postgres cannot write $PGDIR (is a parent directory closed to it?)." >&2
            echo "postgres.sh: use a DIR under /tmp, e.g. \$(mktemp -d)." >&2
            exit 1
        fi
    fi
    chmod 700 "$PGDIR"

    local port password
    port=$(free_port)
    password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')

    # UTF8 whatever the caller's locale (root's shell often has none, which would give SQL_ASCII).
    as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$PGDIR/initdb.log" 2>&1 ||
        { cat "$PGDIR/initdb.log" >&2; exit 1; }

    as_pg tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# --- portal test engine (scripts/engines/postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $port
# Our own socket directory: Debian's default /var/run/postgresql may be absent or hold another cluster.
unix_socket_directories = '$PGDIR'
# The suites open many pools side by side; the default 100 is too tight.
max_connections = 200
password_encryption = 'scram-sha-256'
EOF
    # Superuser over the private socket only (the directory is 0700, owned by postgres);
    # everyone else over TCP with a SCRAM password.
    as_pg tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local all all                trust
host  all all 127.0.0.1/32   scram-sha-256
EOF

    # -w waits for the server to accept connections; -t bounds that wait.
    as_pg "$PGBIN/pg_ctl" start -D "$DATA" -l "$PGDIR/postgres.log" -w -t 30 >/dev/null ||
        { echo "postgres.sh: server did not start; log:" >&2; tail -n 30 "$PGDIR/postgres.log" >&2; exit 1; }

    local i
    for i in $(seq 1 60); do
        as_pg "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break
        [ "$i" = 60 ] && { echo "postgres.sh: not ready after 30 s" >&2; tail -n 30 "$PGDIR/postgres.log" >&2; exit 1; }
        sleep 0.5
    done

    as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -p "$port" -U postgres -d postgres <<EOF
CREATE ROLE portal LOGIN PASSWORD '$password';
CREATE DATABASE portal OWNER portal;
CREATE DATABASE portal_migrate OWNER portal;
EOF

    local base="postgres://portal:$password@127.0.0.1:$port"
    (
        umask 077
        cat >"$ENVFILE" <<EOF
PORTAL_TEST_POSTGRES_URL=$base/portal?sslmode=disable
PORTAL_TEST_POSTGRES_MIGRATE_URL=$base/portal_migrate?sslmode=disable
EOF
    )
    # Prove the SCRAM login over TCP works before handing the URL out.
    "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$base/portal?sslmode=disable" -c 'SELECT 1' >/dev/null
    cat "$ENVFILE"
}

stop() {
    if [ -f "$DATA/postmaster.pid" ] && [ -x "$PGBIN/pg_ctl" ]; then
        if ! as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w -t 30 >/dev/null 2>&1; then
            # pg_ctl failed (e.g. a stale pid file): end the postmaster we started, if it still runs.
            local pid
            pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)
            if [ -n "$pid" ] && grep -qF "$DATA" "/proc/$pid/cmdline" 2>/dev/null; then
                kill -QUIT "$pid" 2>/dev/null || true
            fi
        fi
    fi
    rm -rf "$PGDIR" "$ENVFILE"
}

case $CMD in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
