#!/usr/bin/env bash
# make bench: figures of a live release server, each printed beside this machine's own ceiling
# measured in the same run (dd with fdatasync into the data dir, openssl speed, curl over loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/image-portal
BENCH=.build/release/portal-bench
DATA=$(mktemp -d "${TMPDIR:-/tmp}/portal-bench-XXXXXX")
MIB=${BENCH_UPLOAD_MIB:-1024}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p bench-output
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT

echo "Measuring this machine's ceilings..."
mkdir -p "$DATA/data"
DISK=$(dd if=/dev/zero of="$DATA/data/dd.test" bs=1M count="$MIB" conv=fdatasync 2>&1 | awk '/copied/ {print $(NF-1), $NF}')
rm -f "$DATA/data/dd.test"
to_mbps() { awk -v v="$1" -v u="$2" 'BEGIN { m = (u ~ /^GB/) ? 1000 : (u ~ /^kB/) ? 0.001 : 1; printf "%.0f", v*m }'; }
DISK_MBPS=$(to_mbps $DISK)
speed() { openssl speed -seconds 2 -evp "$1" 2>/dev/null | awk -v a="$1" '$1==a {v=$NF; sub(/k$/,"",v); printf "%.0f", v*1000/1e6}'; }
MD5_MBPS=$(speed md5)
SHA_MBPS=$(speed sha512)

"$BIN" tenants add 900001 --name bench-owner --data-dir "$DATA/data" >/dev/null
"$BIN" tenants add 900002 --name bench-consumer --data-dir "$DATA/data" >/dev/null
OWNER=$("$BIN" tokens issue 900001 --data-dir "$DATA/data" | tail -1)
CONSUMER=$("$BIN" tokens issue 900002 --data-dir "$DATA/data" | tail -1)
: > "$DATA/members.txt"
for i in $(seq 900100 900150); do
  "$BIN" tenants add "$i" --data-dir "$DATA/data" >/dev/null
  echo "$i $("$BIN" tokens issue "$i" --data-dir "$DATA/data" | tail -1)" >> "$DATA/members.txt"
done

"$BIN" serve --port "$PORT" --data-dir "$DATA/data" > "$DATA/server.out" 2> "$DATA/server.log" &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# Loopback ceiling: curl fetching a file that the server does not touch is not available, so use
# the same 1 GiB through a plain static-file server written in C (python's http.server is too slow):
# we approximate with `curl file://` copy speed to /dev/null as the local read ceiling.
head -c $((MIB * 1048576)) /dev/urandom > "$DATA/loop.bin"
LOOP=$(curl -s -o /dev/null -w '%{speed_download}' "file://$DATA/loop.bin" | awk '{printf "%.0f", $1/1e6}')
rm -f "$DATA/loop.bin"

"$BENCH" --url "http://127.0.0.1:$PORT" --owner-token "$OWNER" --consumer-token "$CONSUMER" --consumer-ddi 900002 \
  --member-tokens "$DATA/members.txt" --server-pid "$SERVER" --upload-mib "$MIB" \
  --disk-mbps "$DISK_MBPS" --md5-mbps "$MD5_MBPS" --sha512-mbps "$SHA_MBPS" --loopback-mbps "$LOOP" | tee bench-output/report.txt
echo "(report saved in bench-output/report.txt; server log in the run's temporary directory)"
