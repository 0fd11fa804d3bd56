#!/usr/bin/env bash
# The mini-program page (examples/miniprogram/) through the example server, under Node:
# builds the CLI (`alipay-phone forge` makes the envelopes) and the example server, then runs
# examples/miniprogram/test/page.test.mjs with Node's own test runner (no npm packages).
#
#   scripts/miniprogram-test.sh            # build, then test
#   NO_BUILD=1 scripts/miniprogram-test.sh # both binaries already built (target/debug)
#
# Needs Node 18+ (node:test, global fetch). Exit status: the test runner's; 2 without node.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "miniprogram-test: node not found (Node 18+ needed)" >&2; exit 2; }
major=$(node -p 'process.versions.node.split(".")[0]')
if (( major < 18 )); then
  echo "miniprogram-test: Node $(node --version) is too old (18+ needed: node:test, fetch)" >&2
  exit 2
fi

if [[ -z "${NO_BUILD:-}" ]]; then
  cargo build -q -p phone-cli --all-features
  cargo build -q --example server
fi

start=$SECONDS
node --test examples/miniprogram/test/page.test.mjs
echo "miniprogram-test: passed in $((SECONDS - start))s (after the build)"
