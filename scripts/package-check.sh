#!/usr/bin/env bash
# Proves that the published crates test on their own, as crates.io will hold them:
#   1. the test data copied into the crates is still a verbatim copy of the workspace's;
#   2. `cargo package --workspace` packages every crate and verifies that each one builds from
#      its .crate file alone (cargo resolves the unpublished siblings from a local registry
#      overlay in target/package/tmp-registry);
#   3. phone-core, phone-crypto and phone-client are unpacked from their .crate files into a
#      directory outside the workspace, with no path back into it, and `cargo test
#      --all-features` runs in each (unit tests, integration tests, doctests, the README's
#      snippet). The siblings come from the unpacked packages too (a `patch` of crates.io), so
#      nothing of the workspace is in reach.
# phone-cli and phone-serve are packaged and verified by step 2; their integration tests run the
# built binaries against the workspace's shared vectors and demo data and are left to `cargo
# test --workspace`.
#
# Usage: scripts/package-check.sh   (adds --allow-dirty when the working tree has changes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
step() { printf '\n== package-check: %s (%ss)\n' "$*" "$SECONDS"; }

step "the crates' test data are verbatim copies of the workspace's"
# Refresh a copy with e.g. `cp -r testdata/. crates/phone-crypto/tests/data/`.
diff -r -x demo testdata crates/phone-crypto/tests/data
diff -r examples/data crates/phone-crypto/tests/data/demo
diff -r examples/data crates/phone-client/tests/data/demo
# phone-client keeps only the test keys it uses: each must match phone-crypto's.
for copy in crates/phone-client/tests/data/keys/*; do
  cmp "crates/phone-crypto/tests/keys/$(basename "$copy")" "$copy"
done

step "every published crate with features has docs.rs metadata (all features, --cfg docsrs)"
# Without it docs.rs builds the default features only: phone-crypto's page would show ring
# alone and none of the `doc(cfg(...))` marks.
python3 - <<'PY'
import pathlib, sys, tomllib
bad = []
for manifest in sorted(pathlib.Path("crates").glob("*/Cargo.toml")):
    m = tomllib.loads(manifest.read_text())
    pkg = m.get("package", {})
    if pkg.get("publish", True) is False or not m.get("features"):
        continue
    docs = pkg.get("metadata", {}).get("docs", {}).get("rs", {})
    if docs.get("all-features") is not True or "--cfg" not in docs.get("rustdoc-args", []) \
            or "docsrs" not in docs.get("rustdoc-args", []):
        bad.append(f"{manifest}: [package.metadata.docs.rs] needs all-features = true and rustdoc-args = [\"--cfg\", \"docsrs\"]")
print("\n".join(bad) or "docs.rs metadata: ok")
sys.exit(1 if bad else 0)
PY

step "cargo package --workspace"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
# Verifying, cargo unpacks the siblings from its local registry overlay into
# $CARGO_HOME/registry/src/ and reuses a crate unpacked there by an earlier run, with the same
# name and version, however the sources changed since: remove those copies first (cargo
# unpacks them again from the fresh .crate files).
ours="phone-core phone-crypto phone-client phone-serve phone-cli test-support alipay-phone-examples"
cargo_home=${CARGO_HOME:-$HOME/.cargo}
for crate in $ours; do
  rm -rf "$cargo_home"/registry/src/*/"$crate-$version"
done
# Likewise the builds of those unpacked copies in target/: the unpacked files keep their
# original mtimes, so cargo would take a build of older sources for fresh. The dep-info (.d)
# of such a build names its sources under registry/src/; the workspace's own builds are left.
pattern="registry/src/[^/ ]*/\($(echo $ours | sed 's/ /\\|/g')\)-$version/"
for dep_info in $(grep -l "$pattern" target/*/deps/*.d 2>/dev/null || true); do
  unit=$(basename "$dep_info" .d)
  rm -rf "$(dirname "$(dirname "$dep_info")")/.fingerprint/$(echo "${unit%-*}" | tr _ -)-${unit##*-}"
  rm -f "$dep_info"
done
dirty=()
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
  dirty=(--allow-dirty)
fi
cargo package --workspace "${dirty[@]}"

# Outside the workspace (cargo would take an unpacked crate under it for a stray member), at
# a fixed path per checkout so that re-runs rebuild in place in target/.
work="${TMPDIR:-/tmp}/alipay-phone-package-check-$(printf '%s' "$root" | cksum | cut -d' ' -f1)"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
crates=(phone-core phone-crypto phone-client)
for crate in "${crates[@]}"; do
  tar -xzf "target/package/$crate-$version.crate" -C "$work"
done
# The siblings as packaged, not as in the workspace.
patches=()
for crate in "${crates[@]}"; do
  patches+=(--config "patch.crates-io.$crate.path=\"$work/$crate-$version\"")
done

for crate in "${crates[@]}"; do
  step "$crate, unpacked, tests on its own: cargo test --all-features"
  # The workspace's target dir only caches the registry dependencies' builds; the crates
  # themselves compile from the unpacked sources.
  (cd "$work/$crate-$version" && cargo test --all-features --target-dir "$root/target" "${patches[@]}")
done

step "done: every published crate packages, and phone-core, phone-crypto and phone-client test from their packages alone"
