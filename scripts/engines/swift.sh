#!/usr/bin/env bash
# A throwaway one-machine OpenStack Swift cluster on loopback for the test suites.
#
#   scripts/engines/swift.sh start DIR   # configs, rings, data and logs in DIR/swift; settings in DIR/swift.env
#   scripts/engines/swift.sh stop DIR    # ends the servers it started, removes DIR/swift (idempotent)
#
# Swift (PyPI package `swift`, pinned in Tests/requirements.txt) runs out of the project's .venv
# (`make setup-python`). The account, container, object and proxy servers are started directly with
# their configs in DIR: `swift-init` only looks in /etc/swift.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${PORTAL_VENV:-$ROOT/.venv}
SERVERS="account container object proxy"

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
CMD=$1
DIR=$2
SW=$DIR/swift
ENVFILE=$DIR/swift.env

randhex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# Is PID still the server we started from this DIR (and not a reused pid)?
ours() { grep -qF "$SW/" "/proc/$1/cmdline" 2>/dev/null; }

start() {
    if [ ! -x "$VENV/bin/swift-proxy-server" ] || [ ! -x "$VENV/bin/swift-ring-builder" ]; then
        echo "swift.sh: Swift is not installed in $VENV; run \`make setup-python\` (Tests/requirements.txt pins swift)." >&2
        exit 1
    fi
    if [ -e "$SW" ]; then
        echo "swift.sh: $SW already exists; run \`$0 stop $DIR\` first." >&2
        exit 1
    fi
    mkdir -p "$SW/srv/d1" "$SW/cache" "$SW/run"

    # Four server ports plus one for memcache on which nothing listens (see [filter:cache]),
    # and a Fernet key for tempauth: one Python start instead of several.
    local picked
    picked=$("$VENV/bin/python" - <<'EOF'
import base64, os, socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks), base64.urlsafe_b64encode(os.urandom(32)).decode())
EOF
)
    local account_port container_port object_port proxy_port memcache_port fernet_key
    read -r account_port container_port object_port proxy_port memcache_port fernet_key <<<"$picked"

    local admin_key user_key
    admin_key=$(randhex 16)
    user_key=$(randhex 16)

    cat >"$SW/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = $(randhex 8)
swift_hash_path_prefix = $(randhex 8)

[storage-policy:0]
name = Policy-0
default = yes
EOF

    # Settings every server shares. workers = 0: one process each, no forked children to chase.
    # mount_check = false: the device is a plain directory, not a mount point (else 507).
    local common
    common="bind_ip = 127.0.0.1
workers = 0
mount_check = false
devices = $SW/srv
swift_dir = $SW
recon_cache_path = $SW/cache
user = $(id -un)
log_level = INFO"

    local s
    for s in account container object; do
        local port_var=${s}_port
        cat >"$SW/$s-server.conf" <<EOF
[DEFAULT]
bind_port = ${!port_var}
$common

[pipeline:main]
pipeline = $s-server

[app:$s-server]
use = egg:swift#$s
EOF
    done

    cat >"$SW/proxy-server.conf" <<EOF
[DEFAULT]
bind_port = $proxy_port
$common

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats tempauth copy slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
# Reseller admins may PUT/DELETE whole accounts (the suites create AUTH_<tenant> accounts).
allow_account_management = true
account_autocreate = true
# Retry a node at once: the backends may come up a moment after the proxy, and a first
# connection error must not shut a single-node ring out for the default 60 s.
error_suppression_interval = 0

[filter:tempauth]
use = egg:swift#tempauth
reseller_prefix = AUTH
# Fernet tokens carry the user's groups themselves, so tempauth needs no memcached.
fernet_key_k1 = $fernet_key
active_fernet_key_id = k1
user_service_portal = $admin_key .admin .reseller_admin
user_test_tester = $user_key .admin

[filter:cache]
use = egg:swift#memcache
# No memcached runs; a port of our own (nothing listens) keeps a system memcached on 11211,
# if any, from serving account or container info cached by another cluster.
memcache_servers = 127.0.0.1:$memcache_port

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

# Listed only because the proxy inserts it anyway (and logs that it did).
[filter:versioned_writes]
use = egg:swift#versioned_writes
EOF

    # One ring per server type, each with one directory device (d1, shared) and one replica.
    # Same as `swift-ring-builder X.builder create 10 1 1` (2^10 partitions, 1 replica,
    # min_part_hours 1), `add r1z1-127.0.0.1:PORT/d1 1`, `rebalance` -- but in one Python start
    # instead of nine (each costs about 0.6 s of imports).
    "$VENV/bin/python" - "$SW" "$account_port" "$container_port" "$object_port" <<'EOF' ||
import os, sys
from swift.common.ring import RingBuilder
swift_dir, ports = sys.argv[1], dict(zip(("account", "container", "object"), map(int, sys.argv[2:])))
for name, port in ports.items():
    builder = RingBuilder(10, 1, 1)
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": port, "device": "d1", "weight": 1})
    builder.rebalance()
    builder.save(os.path.join(swift_dir, name + ".builder"))
    builder.get_ring().save(os.path.join(swift_dir, name + ".ring.gz"))
EOF
        { echo "swift.sh: building the rings failed" >&2; exit 1; }

    # -v logs to the console, which we send to a file per server (otherwise only syslog over UDP).
    for s in $SERVERS; do
        "$VENV/bin/swift-$s-server" "$SW/$s-server.conf" -v </dev/null >"$SW/$s.log" 2>&1 &
        echo $! >"$SW/run/$s.pid"
    done

    (
        umask 077
        cat >"$ENVFILE" <<EOF
PORTAL_TEST_SWIFT_AUTH_URL=http://127.0.0.1:$proxy_port/auth/v1.0
PORTAL_TEST_SWIFT_USER=service:portal
PORTAL_TEST_SWIFT_KEY=$admin_key
PORTAL_TEST_SWIFT_RESELLER_PREFIX=AUTH_
PORTAL_TEST_SWIFT_TEST_USER=test:tester
PORTAL_TEST_SWIFT_TEST_KEY=$user_key
EOF
    )

    # Ready when every server listens, the proxy hands out a token and the account answers a HEAD.
    local i headers token url code
    for i in $(seq 1 120); do
        for s in $SERVERS; do
            if ! kill -0 "$(cat "$SW/run/$s.pid")" 2>/dev/null; then
                echo "swift.sh: swift-$s-server exited; its log:" >&2
                tail -n 30 "$SW/$s.log" >&2
                stop
                exit 1
            fi
        done
        if headers=$(curl -fsS -m 5 -D - -o /dev/null -H 'X-Auth-User: service:portal' \
                -H "X-Auth-Key: $admin_key" "http://127.0.0.1:$proxy_port/auth/v1.0" 2>/dev/null); then
            token=$(printf '%s\n' "$headers" | tr -d '\r' | awk 'tolower($1) == "x-auth-token:" {print $2}')
            url=$(printf '%s\n' "$headers" | tr -d '\r' | awk 'tolower($1) == "x-storage-url:" {print $2}')
            code=$(curl -sS -m 5 -o /dev/null -w '%{http_code}' -I -H "X-Auth-Token: $token" "$url" 2>/dev/null || true)
            case $code in 2??) break ;; esac
        fi
        if [ "$i" = 120 ]; then
            echo "swift.sh: not ready after 60 s; proxy log:" >&2
            tail -n 30 "$SW/proxy.log" >&2
            stop
            exit 1
        fi
        sleep 0.5
    done
    cat "$ENVFILE"
}

stop() {
    local s pid
    for s in $SERVERS; do
        [ -f "$SW/run/$s.pid" ] || continue
        pid=$(cat "$SW/run/$s.pid")
        if ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for s in $SERVERS; do
        [ -f "$SW/run/$s.pid" ] || continue
        pid=$(cat "$SW/run/$s.pid")
        # Up to 10 s for a clean exit, then force it.
        for _ in $(seq 1 50); do
            ours "$pid" || break
            sleep 0.2
        done
        if ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$SW" "$ENVFILE"
}

case $CMD in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
