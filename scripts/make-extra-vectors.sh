#!/usr/bin/env bash
# Regenerates testdata/vectors/extra.json (Alipay's real shapes beyond the shared vectors) with
# examples/make_extra_vectors.rs. Deterministic: a second run leaves the file unchanged, which
# `--check` verifies without writing.
set -euo pipefail
cd "$(dirname "$0")/.."
out=testdata/vectors/extra.json
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cargo run -q --example make_extra_vectors > "$tmp"
if [ "${1:-}" = "--check" ]; then
  diff -u "$out" "$tmp" && echo "$out is up to date"
else
  mv "$tmp" "$out"
  echo "wrote $out"
fi
