#!/usr/bin/env bash
# Runs every test layer, each for real: (1) native cargo tests of the whole workspace,
# (2) wasm-bindgen-test browser tests in headless Chromium, (3) Playwright end-to-end tests
# against the real `tailor serve` and its SQLite database. Installs and builds what it needs
# first. Prints each layer's counts and a total; exits non-zero if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
node scripts/build.mjs
cargo build -p tailor-server --quiet   # the server the end-to-end tests start

# --- The npm package and the React example app (issue 13; owner: npm package + React) -------
# Packs dist/ into target/npm/tailor-sdk-<version>.tgz, then builds examples/react-spa from that
# tarball as a user's app installs it (`npm ci` keeps its lock; the tarball goes in unsaved), for
# tests/e2e/react_spa.test.mjs and tests/package.test.mjs. About 20 s with npm's cache warm.
example_start=$SECONDS
tarball=$(node scripts/package.mjs)
(
  cd examples/react-spa
  npm ci --no-audit --no-fund --loglevel=error
  npm install --no-save --no-audit --no-fund --loglevel=error "$tarball"
  npm run build --silent
)
echo "npm package and React example built in $((SECONDS - example_start)) s"
# --- end npm package + React ----------------------------------------------------------------

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
status=0

# Sums "N passed; M failed" from cargo's result lines.
cargo_counts() {
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } }
       END { printf "%d %d\n", p, f }' "$1"
}

# --- PostgreSQL for the server's storage suite (issue 6; owner: server) -------------------
# A throwaway cluster on 127.0.0.1, so the same storage tests that run on SQLite also run on a
# real PostgreSQL server. Stopped (and its files deleted) when this script exits.
TAILOR_TEST_POSTGRES_URL=$(bash scripts/postgres.sh start)
export TAILOR_TEST_POSTGRES_URL
trap 'rm -rf "$log"; bash scripts/postgres.sh stop || true' EXIT
echo "PostgreSQL for the storage suite: $TAILOR_TEST_POSTGRES_URL"
# --- end PostgreSQL ------------------------------------------------------------------------

echo
echo "== 1/3 native: cargo test --workspace"
cargo test --workspace 2>&1 | tee "$log/native.txt" || status=1
read -r native_pass native_fail < <(cargo_counts "$log/native.txt")

echo
echo "== 2/3 browser: wasm-bindgen-test in headless Chromium"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=120
browser_tests=()
for f in tests/browser_*.rs; do browser_tests+=(--test "$(basename "$f" .rs)"); done
# `std`: the tests link std (wasm-bindgen-test does), so the shipped no_std panic handler is left out.
cargo test --target wasm32-unknown-unknown -p tailor --features std "${browser_tests[@]}" 2>&1 | tee "$log/browser.txt" || status=1
read -r browser_pass browser_fail < <(cargo_counts "$log/browser.txt")

echo
echo "== 3/3 end to end: Playwright (system Chromium) against tailor serve; docs examples through tailor check; the size guard; the npm package"
node --test --test-reporter=spec --test-concurrency=1 tests/e2e/ tests/docs_examples.test.mjs tests/size_guard.test.mjs tests/wasm_split.test.mjs tests/package.test.mjs 2>&1 | tee "$log/e2e.txt" || status=1
e2e_pass=$(awk '/^ℹ pass/ {print $3}' "$log/e2e.txt")
e2e_fail=$(awk '/^ℹ fail/ {print $3}' "$log/e2e.txt")

echo
echo "native:  ${native_pass} passed, ${native_fail} failed"
echo "browser: ${browser_pass} passed, ${browser_fail} failed"
echo "e2e:     ${e2e_pass:-0} passed, ${e2e_fail:-0} failed"
for n in "$native_pass" "$browser_pass" "${e2e_pass:-0}"; do
  [ "$n" -gt 0 ] || { echo "a test layer ran no test"; status=1; }
done
total_pass=$((native_pass + browser_pass + ${e2e_pass:-0}))
total_fail=$((native_fail + browser_fail + ${e2e_fail:-0}))
echo "total: ${total_pass} passed, ${total_fail} failed"
exit "$status"
