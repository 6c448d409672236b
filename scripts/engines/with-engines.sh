#!/usr/bin/env bash
# Run a command with a real PostgreSQL and a real Swift cluster on loopback:
#
#   scripts/engines/with-engines.sh CMD [ARGS...]
#
# Starts both engines in a fresh temp dir, exports PORTAL_TEST_POSTGRES_* and PORTAL_TEST_SWIFT_*
# (see postgres.env / swift.env written by the start scripts), runs CMD, then always stops both
# engines and removes the dir. Exits with CMD's status.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)

DIR=$(mktemp -d "${TMPDIR:-/tmp}/portal-engines-XXXXXX")
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    "$HERE/swift.sh" stop "$DIR" || true
    "$HERE/postgres.sh" stop "$DIR" || true
    rm -rf "$DIR"
    exit "$status"
}
trap cleanup EXIT
# Turn a signal into an ordinary exit so that the EXIT trap stops the engines.
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

t=$(now)
"$HERE/postgres.sh" start "$DIR" >/dev/null
echo "with-engines: postgres ready in $(elapsed "$t") s"

t=$(now)
"$HERE/swift.sh" start "$DIR" >/dev/null
echo "with-engines: swift ready in $(elapsed "$t") s"

set -a
# shellcheck disable=SC1091
. "$DIR/postgres.env"
# shellcheck disable=SC1091
. "$DIR/swift.env"
set +a

# CMD runs as a background job so that a TERM sent to this script alone (make and timeout do that)
# can be passed on to it at once; a foreground CMD would hold the trap back until it ended.
# Its stdin stays ours, and INT/QUIT get back their defaults (bash ignores them in background jobs).
# It stays in our process group, so a terminal's Ctrl-C reaches it directly: INT is not passed on
# again, which would interrupt its own clean-up.
( trap - INT QUIT; exec "$@" ) <&0 &
child=$!
signalled=
trap 'signalled=143; kill -TERM "$child" 2>/dev/null || true' TERM
trap 'signalled=130' INT
while :; do
    status=0
    wait "$child" || status=$?
    # wait also returns when a trapped signal arrives; go on waiting until CMD has really ended.
    kill -0 "$child" 2>/dev/null || break
done
exit "${signalled:-$status}"
