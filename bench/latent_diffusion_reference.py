#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's latent diffusion bench row, for comparing speed with
`genlab bench --family latent-diffusion` (src/models/latent_diffusion/entry.rs `bench`).

The autoencoder is a fresh, untrained MLP VAE with genlab's default VaeConfig, 784-400-2
(src/models/vae/mlp.rs: encoder 784 -> 400, ReLU, -> mu and log sigma^2 side by side; decoder
2 -> 400, ReLU, -> 784 logits, shown through a sigmoid), frozen: no gradient reaches it and no
optimiser holds it. Its weights do not change the time, so none are trained or loaded. The
denoiser is the diffusion family's MLP (bench/diffusion_reference.py's MlpDenoiser, imported
as flow_matching_reference.py does) on the latent size 2, widened as
src/models/latent_diffusion/config.rs sets it: hidden width 256, 3 hidden layers, the 32-wide
sinusoid of t through a 128-wide time MLP, added into every hidden layer. Linear schedule
(1e-4 to 0.02), T = 1000, epsilon-prediction, Adam 1e-3 (eps 1e-8) on the denoiser only.

A training step (src/models/latent_diffusion/family.rs `train_step`) encodes its batch of 64
random images in [0, 1) with the frozen encoder to the posterior means mu (no gradient),
normalises each latent dimension by the mean and standard deviation (Bessel's correction, at
least 1e-4) measured on the first batch (a warm-up step), draws t ~ U{0, ..., T-1} and
eps ~ N(0, I), x_t = sqrt(abar_t) z + sqrt(1 - abar_t) eps, and takes one Adam step on the mean
squared error of the predicted eps.

Measures, in float32 on the CPU:
  * training steps per second at batch 64 (2 warm-up steps, then --steps timed ones),
  * one DDIM-50 run (eta = 0, "leading" spacing 980, 960, ..., 0 as in
    src/models/diffusion/sampler.rs `timesteps`, abar_prev = 1 past the end, x0-hat not
    clipped: latents are not images) of 64 latents from N(0, I), un-normalised and decoded by
    the frozen decoder: seconds for the run, and ms per image.
Data is random but of the right shape and made before timing, so only model compute (and the
few element-wise sampler ops) is measured.

Usage: python3 bench/latent_diffusion_reference.py [--threads N] [--steps N] [--warmup N] [--json]
Prints one JSON object on a line of stdout; without --json a readable summary follows it.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

from diffusion_reference import MlpDenoiser, T, linear_alphas_cumprod
from vae_reference import MlpVae

BATCH, SAMPLES, LR = 64, 64, 1e-3
LATENT, HIDDEN, LAYERS = 2, 256, 3
DDIM_STEPS = 50
# The smallest standard deviation a latent dimension is divided by (normaliser.rs MIN_STD).
MIN_STD = 1e-4


class LatentDiffusion:
    """The frozen VAE, the denoiser over its normalised latents and the latents' statistics."""

    def __init__(self):
        self.vae = MlpVae(z=LATENT).requires_grad_(False).eval()
        self.net = MlpDenoiser(hidden=HIDDEN, layers=LAYERS)
        self.abar = linear_alphas_cumprod()
        self.mean = self.std = None

    @torch.no_grad()
    def encode(self, x):
        """The posterior means mu(x) (the head's first half; the log-variance half is unused)."""
        return self.vae.encode(x)[:, :LATENT]

    def train_step(self, x, opt):
        z = self.encode(x)
        if self.mean is None:  # measured on the first batch (normaliser.rs `measure`)
            self.mean, self.std = z.mean(0), z.std(0).clamp_min(MIN_STD)
        x0 = (z - self.mean) / self.std
        t = torch.randint(0, T, (x0.shape[0],))
        eps = torch.randn_like(x0)
        a = self.abar[t][:, None]
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = F.mse_loss(self.net(x_t, t), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    @torch.no_grad()
    def sample(self, n, steps=DDIM_STEPS):
        """DDIM (eta = 0) in the normalised latent space, un-normalised, decoded to sigma(logits)."""
        stride = T // steps
        x = torch.randn(n, LATENT)
        for t in range(0, T, stride)[::-1]:
            eps = self.net(x, torch.full((n,), t))
            a_t = self.abar[t]
            a_prev = self.abar[t - stride] if t - stride >= 0 else torch.tensor(1.0)
            x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
            x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
        return torch.sigmoid(self.vae.decode(x * self.std + self.mean))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = LatentDiffusion()
    opt = torch.optim.Adam(model.net.parameters(), lr=LR, eps=1e-8)
    x = torch.rand(BATCH, 784)
    for _ in range(args.warmup):
        model.train_step(x, opt)
    start = time.perf_counter()
    for _ in range(args.steps):
        model.train_step(x, opt)
    rate = args.steps / (time.perf_counter() - start)
    if model.mean is None:  # --warmup 0 --steps 0: nothing measured the latents yet
        model.mean, model.std = torch.zeros(LATENT), torch.ones(LATENT)
    start = time.perf_counter()
    model.sample(SAMPLES)
    ddim = time.perf_counter() - start
    denoiser = sum(p.numel() for p in model.net.parameters())
    vae = sum(p.numel() for p in model.vae.parameters())
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "ld_params": denoiser + vae,
        "ld_denoiser_params": denoiser,
        "ld_steps_per_s": rate,
        "ld_ddim50_seconds_64": ddim,
        "ld_sample_ms_per_image": ddim * 1e3 / SAMPLES,
    }
    print(json.dumps(result))
    if not args.json:
        print(f"Latent diffusion: MLP denoiser {LAYERS}x{HIDDEN} ({denoiser} parameters) on a frozen MLP VAE 784-400-{LATENT} ({vae} parameters)")
        print(f"train: {rate:.1f} steps/s (batch {BATCH}, encoding included)")
        print(f"DDIM-{DDIM_STEPS} of {SAMPLES} latents + decode: {ddim * 1e3:.1f} ms ({ddim * 1e3 / SAMPLES:.3f} ms/image)")


if __name__ == "__main__":
    main()
