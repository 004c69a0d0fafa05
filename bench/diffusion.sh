#!/usr/bin/env bash
# Diffusion speed on the CPU: genlab's UNet (train at batch 64, DDIM-50 for 64 images) and 2-D
# MLP denoiser (batch 256) beside the same networks in PyTorch (bench/diffusion_reference.py),
# in one go. Usage: bench/diffusion.sh [TORCH_THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/genlab-target}"
threads="${1:-$(nproc)}"
cargo build --release --quiet
genlab="$CARGO_TARGET_DIR/release/genlab"
ours="$("$genlab" --device cpu bench --family diffusion --steps 100 --json)"
theirs="$(python3 bench/diffusion_reference.py --threads "$threads" --json)"
python3 - "$ours" "$theirs" <<'PY'
import json, os, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l.strip()]
ref = json.loads(sys.argv[2])
unet = next(r for r in rows if "UNet" in r["model"])
mlp = next(r for r in rows if "MLP" in r["model"])
print(f"{os.cpu_count()} CPUs; genlab: {unet['device']}; PyTorch {ref['torch']}, {ref['threads']} threads")
print(f"UNet parameters: genlab {unet['params']}, PyTorch {ref['unet_params']}")
print(f"{'':38} {'genlab':>10} {'PyTorch':>10} {'ratio':>7}")
def line(name, a, b, higher_is_better=True):
    ratio = a / b if higher_is_better else b / a
    print(f"{name:38} {a:10.2f} {b:10.2f} {ratio:6.2f}x")
line("UNet train steps/s (batch 64)", unet["train_steps_per_sec"], ref["unet_steps_per_s"])
line("DDIM-50, 64 images (s)", unet["ddim50_seconds"], ref["ddim50_seconds_64"], higher_is_better=False)
line("2-D denoiser train steps/s (batch 256)", mlp["train_steps_per_sec"], ref["mlp2d_steps_per_s"])
print("ratio > 1: genlab is faster")
PY
