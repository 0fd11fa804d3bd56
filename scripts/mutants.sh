#!/usr/bin/env bash
# Mutation testing (issue 11): cargo-mutants over the files that decide outcomes, each crate
# with its own tests only (unit, integration and doc tests of that crate; no other crate's),
# all features (for phone-crypto: all four backends, and the alipay-side tools its tests use).
#
#   scripts/mutants.sh              # both crates
#   scripts/mutants.sh core         # phone-core only
#   scripts/mutants.sh crypto       # phone-crypto only
#
# Needs `cargo install cargo-mutants --locked`. Mutants are built in a copy of the tree (never
# --in-place), so the tree can be edited meanwhile. Exclusions, each with its reason, are in
# .cargo/mutants.toml. Results go to $MUTANTS_OUT (default target/mutants), one directory per
# crate; the script ends with caught/missed/unviable/timeout per file.
# JOBS (default 1) runs that many mutants at once; NICE (default 10) lowers their priority.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=${MUTANTS_OUT:-target/mutants}
JOBS=${JOBS:-1}
NICE=${NICE:-10}
WHICH=${1:-all}

CORE_FILES=(envelope json plaintext codes error)
CRYPTO_FILES=(open padding keys app_keys)

run() {
    local package=$1 dir=$2
    shift 2
    local args=()
    for f in "$@"; do
        args+=(-f "crates/$dir/src/$f.rs")
    done
    mkdir -p "$OUT/$package"
    # Exit status 2 (mutants missed) and 3 (timeouts) still leave results to summarise.
    nice -n "$NICE" cargo mutants -p "$package" --test-workspace=false --all-features \
        "${args[@]}" --jobs "$JOBS" -o "$OUT/$package" || {
        local rc=$?
        [ "$rc" -eq 2 ] || [ "$rc" -eq 3 ] || exit "$rc"
    }
}

case $WHICH in
    all | core | crypto) ;;
    *)
        echo "usage: $0 [all|core|crypto]" >&2
        exit 64
        ;;
esac
if [ "$WHICH" != crypto ]; then
    run phone-core phone-core "${CORE_FILES[@]}"
fi
if [ "$WHICH" != core ]; then
    run phone-crypto phone-crypto "${CRYPTO_FILES[@]}"
fi

summary() {
    local json=$1
    [ -f "$json" ] || return 0
    python3 - "$json" <<'PY'
import collections, json, sys
data = json.load(open(sys.argv[1]))
counts = collections.defaultdict(collections.Counter)
for o in data["outcomes"]:
    scenario = o["scenario"]
    if scenario == "Baseline":
        continue
    path = scenario["Mutant"]["file"]
    counts[path][o["summary"]] += 1
kinds = ["CaughtMutant", "MissedMutant", "Unviable", "Timeout"]
print(f"{'file':45} {'caught':>7} {'missed':>7} {'unviable':>9} {'timeout':>8} {'score':>7}")
for path in sorted(counts):
    c = counts[path]
    viable = c["CaughtMutant"] + c["MissedMutant"] + c["Timeout"]
    score = f"{100 * (c['CaughtMutant'] + c['Timeout']) / viable:.1f}%" if viable else "-"
    print(f"{path:45} {c['CaughtMutant']:>7} {c['MissedMutant']:>7} {c['Unviable']:>9} {c['Timeout']:>8} {score:>7}")
PY
}

for package in phone-core phone-crypto; do
    if [ -f "$OUT/$package/mutants.out/outcomes.json" ]; then
        echo "== $package"
        summary "$OUT/$package/mutants.out/outcomes.json"
        if [ -s "$OUT/$package/mutants.out/missed.txt" ]; then
            echo "-- missed:"
            cat "$OUT/$package/mutants.out/missed.txt"
        fi
    fi
done
