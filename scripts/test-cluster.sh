#!/usr/bin/env bash
# The conformance run on the cluster backend, inside scripts/engines/with-engines.sh (which starts a
# real PostgreSQL and Swift and exports PORTAL_TEST_POSTGRES_URL and PORTAL_TEST_SWIFT_*):
#   1. every Swift test (storage, use cases, API, portal) on PostgreSQL + Swift;
#   2. several instances behind nginx, and migrate-data (Tests/cluster);
#   3. the real OpenStack clients' suites (Tests/compat) on a single node moved onto the cluster.
# Usage: scripts/engines/with-engines.sh scripts/test-cluster.sh   (make test-cluster does this)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PORTAL_TEST_POSTGRES_URL:?run under scripts/engines/with-engines.sh}"
SWIFT=${SWIFT:-swift}
PYTHON=${PYTHON:-.venv/bin/python}
export PORTAL_BIN=${PORTAL_BIN:-$PWD/.build/debug/image-portal}

echo "== Swift tests on PostgreSQL + Swift"
# Each test's world opens a schema and a small pool: eight at a time keep PostgreSQL well within its
# connection limit and the machine's two cores busy.
PORTAL_TEST_BACKEND=postgres+swift "$SWIFT" test --skip-build --experimental-maximum-parallelization-width 8
echo "== Several instances, and migrate-data"
"$PYTHON" -m pytest -q Tests/cluster
echo "== OpenStack clients on a migrated cluster"
PORTAL_TEST_BACKEND=postgres+swift "$PYTHON" -m pytest -q Tests/compat
