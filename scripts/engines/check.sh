#!/usr/bin/env bash
# Smoke test of the engines started by with-engines.sh (run as `make engines-check`):
# PostgreSQL through both URLs, and Swift the way the portal uses it — a reseller admin creating
# an account, a Static Large Object written in segments and read back by range, ETag checking.
set -euo pipefail

: "${PORTAL_TEST_POSTGRES_URL:?run me under scripts/engines/with-engines.sh}"
: "${PORTAL_TEST_POSTGRES_MIGRATE_URL:?}"
: "${PORTAL_TEST_SWIFT_AUTH_URL:?}" "${PORTAL_TEST_SWIFT_USER:?}" "${PORTAL_TEST_SWIFT_KEY:?}"
: "${PORTAL_TEST_SWIFT_RESELLER_PREFIX:?}"

PSQL=/usr/lib/postgresql/15/bin/psql
TMP=$(mktemp -d "${TMPDIR:-/tmp}/portal-engines-check-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() { echo "check: FAIL: $*" >&2; exit 1; }
ok() { echo "check: ok: $*"; }

# --- PostgreSQL ---------------------------------------------------------------------------
for url in "$PORTAL_TEST_POSTGRES_URL" "$PORTAL_TEST_POSTGRES_MIGRATE_URL"; do
    out=$("$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$url" <<'EOF'
CREATE TABLE engines_check (id serial PRIMARY KEY, note text NOT NULL);
INSERT INTO engines_check (note) VALUES ('one'), ('two');
SELECT current_database() || ':' || count(*) FROM engines_check;
DROP TABLE engines_check;
EOF
)
    case $out in
        portal:2 | portal_migrate:2) ok "postgres $out rows written, read and dropped" ;;
        *) fail "postgres answered '$out'" ;;
    esac
done

# --- Swift ----------------------------------------------------------------------------------
# call METHOD URL [curl args...]: prints the HTTP status; body in $TMP/body, headers in $TMP/headers.
call() {
    local method=$1 url=$2
    shift 2
    # curl must be told HEAD with -I, or it waits for a body that never comes.
    if [ "$method" = HEAD ]; then set -- -I "$@"; else set -- -X "$method" "$@"; fi
    curl -sS -m 30 -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' \
        -H "X-Auth-Token: ${TOKEN:-}" "$@" "$url"
}
header() { tr -d '\r' <"$TMP/headers" | awk -v h="$1:" 'tolower($1) == tolower(h) {print $2}'; }
expect() { # expect WANT GOT WHAT
    [ "$2" = "$1" ] || { cat "$TMP/body" >&2 2>/dev/null || true; fail "$3: HTTP $2, wanted $1"; }
    ok "$3 ($2)"
}

code=$(call GET "$PORTAL_TEST_SWIFT_AUTH_URL" -H "X-Auth-User: $PORTAL_TEST_SWIFT_USER" \
    -H "X-Auth-Key: $PORTAL_TEST_SWIFT_KEY")
expect 200 "$code" "token for reseller admin $PORTAL_TEST_SWIFT_USER"
TOKEN=$(header X-Auth-Token)
STORAGE=$(header X-Storage-Url)
if [ -z "$TOKEN" ] || [ -z "$STORAGE" ]; then fail "no token or storage URL in the auth answer"; fi

# The account the suites would create for a tenant: /v1/AUTH_9999 next to the admin's own.
ACCOUNT=${STORAGE%/*}/${PORTAL_TEST_SWIFT_RESELLER_PREFIX}9999
C=$ACCOUNT/engines-check

code=$(call PUT "$ACCOUNT"); expect 201 "$code" "PUT account ${ACCOUNT##*/} (allow_account_management)"
code=$(call HEAD "$ACCOUNT"); expect 204 "$code" "HEAD account"
code=$(call PUT "$C"); expect 201 "$code" "PUT container"

# Three 1 MiB segments and a Static Large Object manifest over them.
MIB=1048576
manifest="["
for i in 1 2 3; do
    head -c "$MIB" /dev/urandom >"$TMP/seg$i"
    etag=$(md5sum "$TMP/seg$i" | cut -d' ' -f1)
    code=$(call PUT "$C/big/seg$i" -T "$TMP/seg$i" -H "ETag: $etag"); expect 201 "$code" "PUT segment $i"
    [ "$i" = 1 ] || manifest="$manifest,"
    manifest="$manifest{\"path\": \"/engines-check/big/seg$i\", \"etag\": \"$etag\", \"size_bytes\": $MIB}"
done
manifest="$manifest]"
cat "$TMP/seg1" "$TMP/seg2" "$TMP/seg3" >"$TMP/whole"
code=$(call PUT "$C/big?multipart-manifest=put" --data-binary "$manifest" -H 'Content-Type: application/octet-stream')
expect 201 "$code" "PUT SLO manifest"

code=$(call HEAD "$C/big"); expect 200 "$code" "HEAD SLO"
[ "$(header X-Static-Large-Object)" = True ] || fail "HEAD: no X-Static-Large-Object: True"
[ "$(header Content-Length)" = $((3 * MIB)) ] || fail "HEAD: Content-Length $(header Content-Length)"

# A range across the boundary of segments 1 and 2, and one inside segment 3.
for range in "$((MIB - 1000))-$((MIB + 999))" "$((2 * MIB + 5))-$((2 * MIB + 4100))"; do
    first=${range%-*} last=${range#*-}
    code=$(call GET "$C/big" -H "Range: bytes=$range"); expect 206 "$code" "GET SLO Range bytes=$range"
    dd if="$TMP/whole" of="$TMP/want" iflag=skip_bytes,count_bytes skip="$first" \
        count=$((last - first + 1)) bs=64K status=none
    cmp -s "$TMP/body" "$TMP/want" || fail "range $range: bytes differ"
    ok "range $range: bytes match"
done
code=$(call GET "$C/big"); expect 200 "$code" "GET whole SLO"
cmp -s "$TMP/body" "$TMP/whole" || fail "whole SLO: bytes differ"

# A body that does not match its ETag is refused and leaves nothing behind.
code=$(call PUT "$C/bad" --data-binary 'not what the etag says' -H 'ETag: 00000000000000000000000000000000')
expect 422 "$code" "PUT with a wrong ETag"
code=$(call HEAD "$C/bad"); expect 404 "$code" "nothing stored for the wrong ETag"

# Clean up: the manifest with its segments, the container, the account.
code=$(call DELETE "$C/big?multipart-manifest=delete" -H 'Accept: application/json')
expect 200 "$code" "DELETE SLO with its segments"
grep -q '"Number Deleted": 4' "$TMP/body" || fail "SLO delete: $(cat "$TMP/body")"
code=$(call GET "$C?format=json"); expect 200 "$code" "container listing"
[ "$(cat "$TMP/body")" = "[]" ] || fail "container not empty: $(cat "$TMP/body")"
code=$(call DELETE "$C"); expect 204 "$code" "DELETE container"
code=$(call DELETE "$ACCOUNT"); expect 204 "$code" "DELETE account"

# The ordinary user: its own account works, another account's does not.
if [ -n "${PORTAL_TEST_SWIFT_TEST_USER:-}" ]; then
    TOKEN=
    code=$(call GET "$PORTAL_TEST_SWIFT_AUTH_URL" -H "X-Auth-User: $PORTAL_TEST_SWIFT_TEST_USER" \
        -H "X-Auth-Key: $PORTAL_TEST_SWIFT_TEST_KEY")
    expect 200 "$code" "token for ordinary user $PORTAL_TEST_SWIFT_TEST_USER"
    TOKEN=$(header X-Auth-Token)
    OWN=$(header X-Storage-Url)
    code=$(call PUT "$OWN/engines-check"); expect 201 "$code" "ordinary user: PUT container in own account"
    code=$(call DELETE "$OWN/engines-check"); expect 204 "$code" "ordinary user: DELETE it"
    code=$(call PUT "$STORAGE/engines-check"); expect 403 "$code" "ordinary user: PUT container in another account"
fi

echo "check: all engine checks passed"
