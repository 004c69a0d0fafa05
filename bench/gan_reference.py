#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's GAN models, for comparing training speed with
`genlab bench --family gan`.

Measures, in float32 on the CPU:
  * DCGAN training steps per second (batch 64, 1x28x28 images, latent 64),
  * 2-D MLP GAN training steps per second (batch 256, 8-gaussian ring, latent 2),
  * DCGAN sampling time in milliseconds per image (generator in eval mode, 64 per call).

The networks mirror src/models/gan/dcgan.rs and src/models/gan/mlp.rs layer for layer, and a
"train step" is one discriminator update then one generator update (non-saturating loss, Adam),
which is what genlab's GAN family does per step. Real data is random but of the right shape and
is made once before timing, so only model compute is measured.

Usage: python3 bench/gan_reference.py [--threads N] [--steps N] [--warmup N] [--json]
  --steps/--warmup override both models' counts (defaults: DCGAN 30/5, 2-D 300/20).
  Prints one JSON object on a line of stdout; without --json a two-line readable summary follows it.

Needs: pip install torch --index-url https://download.pytorch.org/whl/cpu
"""
import argparse
import json
import math
import time

import torch
from torch import nn
import torch.nn.functional as F

DCGAN_BATCH, DCGAN_Z, DCGAN_LR = 64, 64, 2e-4
GAN2D_BATCH, GAN2D_Z, GAN2D_LR = 256, 2, 3e-4
BETAS, EPS = (0.5, 0.999), 1e-8
SAMPLE_CALLS, SAMPLE_WARMUP = 20, 3


class DcganGenerator(nn.Module):
    """Linear -> [B,128,7,7] -> BN/ReLU -> ConvT(128->64) -> BN/ReLU -> ConvT(64->1) -> tanh."""

    def __init__(self, z_dim=DCGAN_Z):
        super().__init__()
        self.fc = nn.Linear(z_dim, 128 * 7 * 7)
        self.bn0 = nn.BatchNorm2d(128)
        self.up1 = nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1)  # 7 -> 14
        self.bn1 = nn.BatchNorm2d(64)
        self.up2 = nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1)  # 14 -> 28

    def forward(self, z):
        h = self.fc(z).view(-1, 128, 7, 7)
        h = F.relu(self.bn0(h))
        h = F.relu(self.bn1(self.up1(h)))
        return torch.tanh(self.up2(h))  # [B, 1, 28, 28]


class DcganDiscriminator(nn.Module):
    """Conv(1->64) -> LeakyReLU -> Conv(64->128) -> LeakyReLU -> flatten -> Linear -> logits [B]."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 64, kernel_size=4, stride=2, padding=1)  # 28 -> 14
        self.c2 = nn.Conv2d(64, 128, kernel_size=4, stride=2, padding=1)  # 14 -> 7
        self.fc = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x):
        h = F.leaky_relu(self.c1(x), 0.2)
        h = F.leaky_relu(self.c2(h), 0.2)
        return self.fc(h.flatten(1)).squeeze(1)


def mlp(sizes, act):
    """Linear layers with `act` between them (none after the last), as in mlp.rs's `stack`."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def gan2d_generator():
    return mlp([GAN2D_Z, 128, 128, 128, 2], nn.ReLU)


class Gan2dDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp([2, 128, 128, 128, 1], lambda: nn.LeakyReLU(0.2))

    def forward(self, x):
        return self.net(x).squeeze(1)  # logits [B]


def ring_of_gaussians(n, modes=8, radius=2.0, std=0.02):
    """n points from an 8-gaussian ring, the standard 2-D GAN toy target."""
    k = torch.randint(modes, (n,))
    angle = k.float() * (2 * math.pi / modes)
    centers = radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    return centers + std * torch.randn(n, 2)


def train_step(g, d, opt_g, opt_d, real, z_dim):
    """One D update then one G update, with the non-saturating generator loss."""
    b = real.shape[0]
    ones, zeros = torch.ones(b), torch.zeros(b)

    # D step: fake is detached so no gradient flows into G here.
    opt_d.zero_grad(set_to_none=True)
    fake = g(torch.randn(b, z_dim)).detach()
    loss_d = (F.binary_cross_entropy_with_logits(d(real), ones)
              + F.binary_cross_entropy_with_logits(d(fake), zeros))
    loss_d.backward()
    opt_d.step()

    # G step: the backward also fills D's grads; they are thrown away by the next
    # opt_d.zero_grad, and opt_d.step is not called, so D is unchanged here.
    opt_g.zero_grad(set_to_none=True)
    loss_g = F.binary_cross_entropy_with_logits(d(g(torch.randn(b, z_dim))), ones)
    loss_g.backward()
    opt_g.step()


def steps_per_second(g, d, lr, real, z_dim, steps, warmup):
    opt_g = torch.optim.Adam(g.parameters(), lr=lr, betas=BETAS, eps=EPS)
    opt_d = torch.optim.Adam(d.parameters(), lr=lr, betas=BETAS, eps=EPS)
    g.train()
    d.train()
    # Warmup lets the allocator, oneDNN kernels and Adam's state settle before timing.
    for _ in range(warmup):
        train_step(g, d, opt_g, opt_d, real, z_dim)
    t = time.perf_counter()
    for _ in range(steps):
        train_step(g, d, opt_g, opt_d, real, z_dim)
    return steps / (time.perf_counter() - t)


def sample_ms_per_image(g, z_dim, batch=DCGAN_BATCH):
    """Generator inference only: eval mode (BatchNorm uses running stats), no autograd."""
    g.eval()
    with torch.no_grad():
        for _ in range(SAMPLE_WARMUP):
            g(torch.randn(batch, z_dim))
        t = time.perf_counter()
        for _ in range(SAMPLE_CALLS):
            g(torch.randn(batch, z_dim))
        elapsed = time.perf_counter() - t
    return elapsed * 1000.0 / (SAMPLE_CALLS * batch)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=None, help="timed steps (default 30 DCGAN, 300 2-D)")
    p.add_argument("--warmup", type=int, default=None, help="warmup steps (default 5 DCGAN, 20 2-D)")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    return p.parse_args()


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)  # same weights and data every run, so runs are comparable

    dcgan_real = torch.rand(DCGAN_BATCH, 1, 28, 28) * 2 - 1  # uniform in [-1, 1], like tanh output
    gan2d_real = ring_of_gaussians(GAN2D_BATCH)

    g = DcganGenerator()
    dcgan_sps = steps_per_second(
        g, DcganDiscriminator(), DCGAN_LR, dcgan_real, DCGAN_Z,
        args.steps if args.steps is not None else 30, args.warmup if args.warmup is not None else 5)
    sample_ms = sample_ms_per_image(g, DCGAN_Z)

    gan2d_sps = steps_per_second(
        gan2d_generator(), Gan2dDiscriminator(), GAN2D_LR, gan2d_real, GAN2D_Z,
        args.steps if args.steps is not None else 300, args.warmup if args.warmup is not None else 20)

    result = {
        "torch": torch.__version__, "threads": args.threads,
        "dcgan_steps_per_s": dcgan_sps, "dcgan_batch": DCGAN_BATCH,
        "gan2d_steps_per_s": gan2d_sps, "gan2d_batch": GAN2D_BATCH,
        "dcgan_sample_ms_per_image": sample_ms,
    }
    print(json.dumps(result))
    if not args.json:
        print(f"DCGAN  (batch {DCGAN_BATCH}): {dcgan_sps:.2f} train steps/s, "
              f"sampling {sample_ms:.3f} ms/image  [torch {torch.__version__}, {args.threads} threads]")
        print(f"2-D GAN (batch {GAN2D_BATCH}): {gan2d_sps:.1f} train steps/s")


if __name__ == "__main__":
    main()
