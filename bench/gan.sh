#!/usr/bin/env bash
# GAN training speed on the CPU: genlab's DCGAN (batch 64) and 2-D MLP GAN (batch 256) beside
# the same networks, batch and optimiser in PyTorch (bench/gan_reference.py), in one go.
# Usage: bench/gan.sh [TORCH_THREADS]   (builds genlab in the shared release profile if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/genlab-target}"
threads="${1:-$(nproc)}"
cargo build --release --quiet
genlab="$CARGO_TARGET_DIR/release/genlab"
ours="$("$genlab" --device cpu bench --family gan --steps 40 --json)"
theirs="$(python3 bench/gan_reference.py --threads "$threads" --json)"
python3 - "$ours" "$theirs" <<'PY'
import json, os, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l.strip()]
ref = json.loads(sys.argv[2])
dc = next(r for r in rows if r["model"].startswith("DCGAN"))
g2 = next(r for r in rows if r["model"].startswith("GAN MLP"))
print(f"{os.cpu_count()} CPUs; genlab: {dc['device']}; PyTorch {ref['torch']}, {ref['threads']} threads")
print(f"{'':34} {'genlab':>10} {'PyTorch':>10} {'ratio':>7}")
def line(name, a, b, higher_is_better=True):
    ratio = a / b if higher_is_better else b / a
    print(f"{name:34} {a:10.2f} {b:10.2f} {ratio:6.2f}x")
line("DCGAN train steps/s (batch 64)", dc["train_steps_per_sec"], ref["dcgan_steps_per_s"])
line("DCGAN sampling ms/image", dc["sample_ms_mean"], ref["dcgan_sample_ms_per_image"], higher_is_better=False)
line("2-D GAN train steps/s (batch 256)", g2["train_steps_per_sec"], ref["gan2d_steps_per_s"])
print("ratio > 1: genlab is faster")
PY
