#!/usr/bin/env bash
# make bench BACKEND=postgres+swift: two release instances of one installation on the real PostgreSQL
# and Swift that scripts/engines/with-engines.sh starts, measured beside Swift's own throughput for
# the same object in the same run (python-swiftclient upload and download: the ceiling).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PORTAL_TEST_POSTGRES_URL:?run under scripts/engines/with-engines.sh (make bench BACKEND=postgres+swift does)}"
BIN=$PWD/.build/release/image-portal
BENCH=$PWD/.build/release/portal-bench
SWIFTCLIENT=$PWD/.venv/bin/swift  # python-swiftclient ("swift" on PATH is the compiler)
PSQL=$(ls /usr/lib/postgresql/*/bin/psql | tail -1)
MIB=${BENCH_UPLOAD_MIB:-1024}
SEGMENT_MIB=${BENCH_SEGMENT_MIB:-256}
TOTAL_IMAGES=${BENCH_IMAGES:-100000}
NS=bench$(date +%s)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/portal-bench-cluster-XXXXXX")
mkdir -p bench-output
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

export PORTAL_DATABASE_URL="$PORTAL_TEST_POSTGRES_URL&schema=$NS" PORTAL_OBJECT_STORE=swift
export PORTAL_SWIFT_AUTH_URL=$PORTAL_TEST_SWIFT_AUTH_URL PORTAL_SWIFT_USER=$PORTAL_TEST_SWIFT_USER PORTAL_SWIFT_KEY=$PORTAL_TEST_SWIFT_KEY
export PORTAL_SWIFT_CONTAINER_PREFIX=$NS PORTAL_SWIFT_RESELLER_PREFIX=AUTH_${NS}_ PORTAL_SWIFT_SEGMENT_SIZE=$((SEGMENT_MIB << 20))
DATABASE=${PORTAL_TEST_POSTGRES_URL%%\?*}

now() { date +%s.%N; }
mbps() { awk -v bytes="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", bytes / 1e6 / (b - a) }'; }

echo "Measuring Swift's own throughput (python-swiftclient, ${MIB} MiB, ${SEGMENT_MIB} MiB segments)..."
head -c $((MIB << 20)) /dev/urandom > "$TMP/object.bin"
SW=("$SWIFTCLIENT" -A "$PORTAL_SWIFT_AUTH_URL" -U "$PORTAL_SWIFT_USER" -K "$PORTAL_SWIFT_KEY")
a=$(now); "${SW[@]}" upload --segment-size $((SEGMENT_MIB << 20)) --object-name ceiling "$NS-ceiling" "$TMP/object.bin" >/dev/null; b=$(now)
SWIFT_UP=$(mbps $((MIB << 20)) "$a" "$b")
a=$(now); "${SW[@]}" download "$NS-ceiling" ceiling -o /dev/null >/dev/null; b=$(now)
SWIFT_DOWN=$(mbps $((MIB << 20)) "$a" "$b")
# For context: the same upload one segment at a time, as a stream that cannot be read ahead (a
# client's request body) has to be written.
a=$(now); "${SW[@]}" upload --segment-size $((SEGMENT_MIB << 20)) --segment-threads 1 --object-name sequential "$NS-ceiling" "$TMP/object.bin" >/dev/null; b=$(now)
SWIFT_UP_SEQUENTIAL=$(mbps $((MIB << 20)) "$a" "$b")
rm -f "$TMP/object.bin"
echo "  python-swiftclient: $SWIFT_UP MB/s up ($SWIFT_UP_SEQUENTIAL MB/s one segment at a time), $SWIFT_DOWN MB/s down"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORTS=()
for n in 1 2; do
    PORT=$(free_port); PORTS+=("$PORT")
    mkdir -p "$TMP/node$n"
    "$BIN" serve --port "$PORT" --data-dir "$TMP/node$n" > "$TMP/node$n.out" 2> "$TMP/node$n.log" &
    PIDS+=($!)
done
for port in "${PORTS[@]}"; do
    for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

cli() { "$BIN" "$@" --data-dir "$TMP/node1"; }
cli tenants add 900001 --name bench-owner >/dev/null
OWNER=$(cli tokens issue 900001 | tail -1)
cli tenants add 900003 --name bench-lister >/dev/null
LISTER=$(cli tokens issue 900003 | tail -1)
: > "$TMP/members.txt"
for i in $(seq 900100 900130); do
    cli tenants add "$i" >/dev/null
    echo "$i $(cli tokens issue "$i" | tail -1)" >> "$TMP/members.txt"
done

echo "Putting $TOTAL_IMAGES images in PostgreSQL (a tenth the lister's, 5% others' public ones)..."
"$PSQL" "$DATABASE" -q -v ON_ERROR_STOP=1 <<SQL
SET search_path = $NS;
INSERT INTO images (id, name, owner, status, visibility, disk_format, container_format, origin, created_at, updated_at)
SELECT gen_random_uuid()::text, 'seed-' || (n % 997),
       CASE WHEN n % 10 = 0 THEN '900003' ELSE (800000 + n % 5000)::text END, 'queued',
       CASE WHEN n % 10 = 0 THEN 'shared' WHEN n % 20 = 1 THEN 'public' WHEN n % 2 = 0 THEN 'private' ELSE 'shared' END,
       'raw', 'bare', 'upload', now() - n * interval '1 second', now() - n * interval '1 second'
FROM generate_series(1, $TOTAL_IMAGES) AS n;
ANALYZE images;
SQL

"$BENCH" --url "http://127.0.0.1:${PORTS[0]}" --second-url "http://127.0.0.1:${PORTS[1]}" --owner-token "$OWNER" --consumer-token "$OWNER" \
    --consumer-ddi 900001 --member-tokens "$TMP/members.txt" --server-pid "${PIDS[0]}" --upload-mib "$MIB" \
    --swift-up-mbps "$SWIFT_UP" --swift-up-sequential-mbps "$SWIFT_UP_SEQUENTIAL" --swift-down-mbps "$SWIFT_DOWN" --lister-token "$LISTER" --images-in-database "$TOTAL_IMAGES" \
    | tee bench-output/report-cluster.txt
echo "(report saved in bench-output/report-cluster.txt)"
