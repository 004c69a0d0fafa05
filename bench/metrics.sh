#!/usr/bin/env bash
# FID + precision/recall/density/coverage on 10k vs 10k 64-d features: genlab beside
# pytorch-fid + prdc on the same machine and the same data, in one go.
# Usage: bench/metrics.sh [N] [DIM]   (builds genlab in the shared release profile if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/genlab-target}"
n="${1:-10000}"; dim="${2:-64}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cargo build --release --quiet
genlab="$CARGO_TARGET_DIR/release/genlab"
ours="$("$genlab" bench --metrics --n "$n" --dim "$dim" --json --write-features "$dir")"
theirs="$(python3 bench/metrics_reference.py "$dir")"
python3 - "$ours" "$theirs" <<'PY'
import json, os, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{a['n']} vs {a['n']} features of {a['dim']} dimensions, {os.cpu_count()} CPUs")
print(f"{'':34} {'FID s':>8} {'PRDC s':>8} {'total s':>8}   FID       P      R      D      C")
for r in (a, b):
    print(f"{r['implementation'][:34]:34} {r['fid_seconds']:8.3f} {r['prdc_seconds']:8.3f} {r['total_seconds']:8.3f}   "
          f"{r['fid']:.4f}  {r['precision']:.4f} {r['recall']:.4f} {r['density']:.4f} {r['coverage']:.4f}")
print(f"genlab is {b['total_seconds'] / a['total_seconds']:.1f}x the speed of the reference")
PY
