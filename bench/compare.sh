#!/usr/bin/env bash
# Every default model's CPU speed beside the same model in PyTorch, in one go, as one table:
# genlab's `bench --json` and the PyTorch twins (vae_reference.py, gan_reference.py,
# diffusion_reference.py, flow_matching_reference.py, pixelcnn_reference.py, charlm_reference.py,
# dbn_reference.py, vqvae_reference.py, latent_diffusion_reference.py, others_reference.py), same
# machine, same batch, dtype and optimiser.
# Usage: bench/compare.sh [vae|gan|diffusion|flow_matching|pixelcnn|charlm|dbn|vqvae|latent_diffusion|others] [TORCH_THREADS]
# (default: every family)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/genlab-target}"
family="${1:-all}"
threads="${2:-$(nproc)}"
cargo build --release --quiet
genlab="$CARGO_TARGET_DIR/release/genlab"
families=(vae gan diffusion flow_matching pixelcnn charlm dbn vqvae latent_diffusion others)
[[ "$family" != all ]] && families=("$family")
ours=""
theirs="{}"
for f in "${families[@]}"; do
  if [[ "$f" == others ]]; then
    # bench/others_reference.py holds the twins of the autoencoder, the flow, the RBM and the GMMN.
    for g in autoencoder flow rbm gmmn; do
      ours+="$("$genlab" --device cpu bench --family "$g" --steps 40 --json)"$'\n'
    done
  else
    # The script's file names use _ where the family's name has - (flow_matching: flow-matching,
    # latent_diffusion: latent-diffusion).
    ours+="$("$genlab" --device cpu bench --family "${f//_/-}" --steps 40 --json)"$'\n'
  fi
  ref="$(python3 "bench/${f}_reference.py" --threads "$threads" --json | head -1)"
  theirs="$(python3 -c 'import json,sys; a=json.loads(sys.argv[1]); a.update(json.loads(sys.argv[2])); print(json.dumps(a))' "$theirs" "$ref")"
done
python3 - "$ours" "$theirs" <<'PY'
import json, os, sys
rows = {r["model"]: r for r in (json.loads(l) for l in sys.argv[1].splitlines() if l.strip())}
ref = json.loads(sys.argv[2])
# (genlab row, genlab field, PyTorch field, label, higher is better)
table = [
    ("VAE MLP 784-400-20", "train_steps_per_sec", "mlp_steps_per_s", "VAE MLP 784-400-20, batch 128: train steps/s", True),
    ("VAE conv, z=16", "train_steps_per_sec", "conv_steps_per_s", "VAE conv z=16, batch 128: train steps/s", True),
    ("VAE MLP 784-400-20", "sample_ms_mean", "mlp_decode_ms", "VAE MLP: decode one z, ms", False),
    ("VAE conv, z=16", "sample_ms_mean", "conv_decode_ms", "VAE conv: decode one z, ms", False),
    ("DCGAN 28x28, z=64", "train_steps_per_sec", "dcgan_steps_per_s", "DCGAN, batch 64: train steps/s (D + G)", True),
    ("DCGAN 28x28, z=64", "sample_ms_mean", "dcgan_sample_ms_per_image", "DCGAN: sampling ms/image", False),
    ("GAN MLP 2-D, 3x128", "train_steps_per_sec", "gan2d_steps_per_s", "2-D GAN, batch 256: train steps/s", True),
    ("Diffusion UNet 28x28, C=32", "train_steps_per_sec", "unet_steps_per_s", "Diffusion UNet, batch 64: train steps/s", True),
    ("Diffusion UNet 28x28, C=32", "ddim50_seconds", "ddim50_seconds_64", "Diffusion UNet: DDIM-50 of 64 images, s", False),
    ("Diffusion MLP 2-D, 3x128", "train_steps_per_sec", "mlp2d_steps_per_s", "2-D diffusion, batch 256: train steps/s", True),
    ("Flow matching UNet 28x28, C=32", "train_steps_per_sec", "fm_unet_steps_per_s", "Flow matching UNet, batch 64: train steps/s", True),
    ("Flow matching UNet 28x28, C=32", "sample_ms_mean", "fm_unet_sample_ms_per_image", "Flow matching UNet: Euler-50 ms/image (64 a run)", False),
    ("Flow matching MLP 2-D, 3x128", "train_steps_per_sec", "fm_mlp2d_steps_per_s", "2-D flow matching, batch 256: train steps/s", True),
    ("PixelCNN 28x28, 64 ch, 6 layers", "train_steps_per_sec", "pixelcnn_steps_per_s", "PixelCNN, batch 32: train steps/s", True),
    ("PixelCNN 28x28, 64 ch, 6 layers", "sample_ms_mean", "pixelcnn_sample_ms_per_image", "PixelCNN: sampling ms/image (16, pixel by pixel)", False),
    ("Char transformer 3x128, T=64", "tokens_per_sec", "charlm_tokens_per_s", "Character model, batch 32x64: train tokens/s", True),
    ("Char transformer 3x128, T=64", "chars_per_sec", "charlm_sample_chars_per_s", "Character model: sampled characters/s", True),
    ("DBN 784-500-500, layer 1, PCD-1", "train_steps_per_sec", "dbn_layer1_steps_per_s", "DBN 784-500-500, batch 64: layer 1 train steps/s", True),
    ("DBN 784-500-500, layer 2, PCD-1", "train_steps_per_sec", "dbn_layer2_steps_per_s", "DBN 784-500-500, batch 64: layer 2 train steps/s", True),
    ("DBN 784-500-500, layer 2, PCD-1", "sample_ms_mean", "dbn_sample_ms_per_image", "DBN: sampling ms/image (500 Gibbs steps + down pass)", False),
    ("VQ-VAE 28x28, K=64, stage 1", "train_steps_per_sec", "vqvae_stage1_steps_per_s", "VQ-VAE K=64, batch 64: autoencoder train steps/s", True),
    ("VQ-VAE 28x28, K=64, prior", "train_steps_per_sec", "vqvae_prior_steps_per_s", "VQ-VAE prior over 7x7 codes, batch 64: train steps/s", True),
    ("VQ-VAE 28x28, K=64, prior", "sample_ms_mean", "vqvae_prior_sample_ms_per_image", "VQ-VAE: sampling ms/image (49 codes, then decode)", False),
    ("Latent diffusion MLP on VAE z=2", "train_steps_per_sec", "ld_steps_per_s", "Latent diffusion MLP on VAE z=2, batch 64: train steps/s", True),
    ("Latent diffusion MLP on VAE z=2", "ddim50_seconds", "ld_ddim50_seconds_64", "Latent diffusion: DDIM-50 of 64 images + decode, s", False),
    ("Autoencoder MLP 784-400-2", "train_steps_per_sec", "ae_mlp_steps_per_s", "Autoencoder MLP, batch 128: train steps/s", True),
    ("RealNVP 2-D, 8 couplings", "train_steps_per_sec", "realnvp2d_steps_per_s", "RealNVP 2-D, batch 256: train steps/s", True),
    ("RBM 784x128, PCD-1", "train_steps_per_sec", "rbm_steps_per_s", "RBM 784x128, batch 64: train steps/s (PyTorch: CD-1)", True),
    ("GMMN 2-D, 3x128", "train_steps_per_sec", "gmmn2d_steps_per_s", "GMMN 2-D, batch 256: train steps/s", True),
    ("GMMN 28x28, 32-256-512", "train_steps_per_sec", "gmmn_mnist_steps_per_s", "GMMN images, batch 128: train steps/s", True),
]
device = next(iter(rows.values()))["device"] if rows else "?"
print(f"{os.cpu_count()} CPUs; genlab: {device}; PyTorch {ref.get('torch')}, {ref.get('threads')} threads")
print(f"| model | genlab | PyTorch | ratio |")
print(f"| --- | --- | --- | --- |")
for model, ours, theirs, label, higher in table:
    if model not in rows or theirs not in ref or rows[model].get(ours) is None:
        continue
    a, b = rows[model][ours], ref[theirs]
    ratio = a / b if higher else b / a
    print(f"| {label} | {a:.3g} | {b:.3g} | {ratio:.2f}x |")
print("ratio: genlab's speed over PyTorch's (above 1: genlab is faster)")
PY
