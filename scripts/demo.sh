#!/usr/bin/env bash
# Builds everything and starts the demo: the Tailor server on 127.0.0.1 (PORT, default 8080)
# serving demo-site/ and dist/, on the embedded SQLite database .tailor/demo.db.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs
cargo build --release -p tailor-server --quiet
port="${PORT:-8080}"
# The demo's admin key opens the lift report; set TAILOR_ADMIN_KEY for anything but a local demo.
key="${TAILOR_ADMIN_KEY:-demo-admin-key-local-only}"
echo "Tailor demo: open http://127.0.0.1:${port}/ (Ctrl-C stops it)"
echo "Lift report: http://127.0.0.1:${port}/report?key=${key}"
exec target/release/tailor serve --port "$port" --db "${DATABASE_URL:-sqlite://.tailor/demo.db}" \
  --site demo-site --dist dist --admin-key "$key"
