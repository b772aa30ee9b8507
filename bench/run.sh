#!/usr/bin/env bash
# Regenerates docs/benchmarks.md, docs/img/bench-*.png and docs/img/bench-results.csv (~15 min).
#   ./bench/run.sh                       the full run (RTT 0, 5, 20, 50 ms; all systems)
#   ./bench/run.sh --quick --out /tmp/b  small sizes and short runs, written elsewhere
# Other options go to io.dosqlite.bench.Main: --rtts 0,20  --budget SECONDS  --systems local,dosqlite,ship,pg
#   --workloads bulk,select_txn (only these)
# Needs what ./dosqlite test needs (JDK 17, Maven, Node + npm for the page server's workerd, gcc,
# libsqlite3-dev); PostgreSQL (apt-get install postgresql) for the 'pg' system, skipped if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
# offline when everything is in ~/.m2 already, else let Maven fetch (Maven Central)
# BENCH_M2=DIR builds against a private Maven repository (parallel worktrees must not share ~/.m2)
M2=(); if [ -n "${BENCH_M2:-}" ]; then M2=(-Dmaven.repo.local="$BENCH_M2"); fi
mvn_() { mvn -q -o "${M2[@]}" "$@" 2>/dev/null || mvn -q "${M2[@]}" "$@"; }
if [ ! -d page-server/node_modules ]; then (cd page-server && npm ci --no-audit --no-fund); fi
if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  echo "building (mvn install -DskipTests) ..." >&2
  mvn_ install -DskipTests
fi
CP_FILE=bench/target/classpath.txt
mvn_ -f bench/pom.xml dependency:build-classpath -Dmdep.outputFile="$REPO/$CP_FILE" >/dev/null
exec java -Xmx2g -Djava.awt.headless=true -Ddosqlite.pageServerDir="$REPO/page-server" \
  -cp "bench/target/classes:$(cat "$CP_FILE")" io.dosqlite.bench.Main --repo "$REPO" "$@"
