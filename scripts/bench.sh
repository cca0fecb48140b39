#!/usr/bin/env bash
# Prints Tailor's measured figures: the size report of the script-tag SDK and the engine's
# native benches. Each figure is a line `name: value`; budgets are in the issues.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs
benches=()
for f in benches/*.rs; do [ -e "$f" ] && benches+=(--bench "$(basename "$f" .rs)"); done
if [ ${#benches[@]} -gt 0 ]; then
  cargo bench -p tailor "${benches[@]}" 2>&1 | grep -vE '^\s*(Compiling|Finished|Running|Downloaded|Downloading)'
fi
cargo build --release -p tailor-server --quiet
node tests/bench/browser.mjs
# Server ingest on loopback (bounded to ~30 s): SQLite, and PostgreSQL on a throwaway cluster.
pg_url=$(bash scripts/postgres.sh start) || pg_url=""
trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
TAILOR_BENCH_POSTGRES_URL="$pg_url" cargo run --release -q -p tailor-server --example ingest_bench
