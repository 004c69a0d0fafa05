#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's diffusion UNet, for comparing speed with
`genlab bench --family diffusion`.

Measures, in float32 on the CPU:
  * UNet training steps per second (batch 64, 1x28x28, epsilon-prediction MSE, Adam),
  * DDIM-50 sampling time for 64 images (eta = 0, no guidance, network in eval mode),
  * 2-D MLP denoiser training steps per second (batch 256).

The networks mirror src/models/diffusion/unet.rs, mlp.rs and time_embedding.rs layer for layer
(width C = 32: levels 32/64/128, GroupNorm with 8 groups, one single-head attention block at
7x7, nearest upsampling). Data is random but of the right shape and made before timing, so only
model compute (and the few element-wise sampler ops) is measured.

Usage: python3 bench/diffusion_reference.py [--threads N] [--steps N] [--warmup N] [--json]
Prints one JSON object on a line of stdout; without --json a readable summary follows it.
"""
import argparse
import json
import math
import time

import torch
from torch import nn
import torch.nn.functional as F

BATCH, C, TIME_DIM, T = 64, 32, 128, 1000
GAN2D_BATCH, HIDDEN = 256, 128
LR = 1e-3


def sinusoidal(t, dim):
    half = dim // 2
    scale = math.log(10000.0) / (half - 1)
    freqs = torch.exp(-scale * torch.arange(half, dtype=torch.float32))
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class TimeEmbedding(nn.Module):
    def __init__(self, sin_dim, dim):
        super().__init__()
        self.first, self.second = nn.Linear(sin_dim, dim), nn.Linear(dim, dim)

    def forward(self, s):
        return self.second(F.silu(self.first(s)))


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(TIME_DIM, cout)
        self.norm2, self.conv2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(temb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.skip(x) if self.skip is not None else x) + h


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm, self.qkv, self.out = nn.GroupNorm(8, c), nn.Linear(c, 3 * c), nn.Linear(c, c)

    def forward(self, x):
        b, c, h, w = x.shape
        tokens = self.norm(x).reshape(b, c, h * w).transpose(1, 2)
        q, k, v = self.qkv(tokens).chunk(3, dim=2)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=2)
        return x + self.out(att @ v).transpose(1, 2).reshape(b, c, h, w)


class Unet(nn.Module):
    def __init__(self, c=C):
        super().__init__()
        self.time = TimeEmbedding(c, TIME_DIM)
        self.conv_in = nn.Conv2d(1, c, 3, padding=1)
        self.down0, self.pool0 = ResBlock(c, c), nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.down1, self.pool1 = ResBlock(c, 2 * c), nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        self.down2 = ResBlock(2 * c, 4 * c)
        self.mid1, self.attention, self.mid2 = ResBlock(4 * c, 4 * c), Attention(4 * c), ResBlock(4 * c, 4 * c)
        self.up2, self.upconv1 = ResBlock(8 * c, 2 * c), nn.Conv2d(2 * c, 2 * c, 3, padding=1)
        self.up1, self.upconv0 = ResBlock(4 * c, c), nn.Conv2d(c, c, 3, padding=1)
        self.up0 = ResBlock(2 * c, c)
        self.norm_out, self.conv_out = nn.GroupNorm(8, c), nn.Conv2d(c, 1, 3, padding=1)
        self.c = c

    def forward(self, x, t):
        temb = F.silu(self.time(sinusoidal(t, self.c)))
        s0 = self.down0(self.conv_in(x), temb)
        s1 = self.down1(self.pool0(s0), temb)
        s2 = self.down2(self.pool1(s1), temb)
        m = self.mid2(self.attention(self.mid1(s2, temb)), temb)
        u = self.up2(torch.cat([m, s2], 1), temb)
        u = self.upconv1(F.interpolate(u, scale_factor=2, mode="nearest"))
        u = self.up1(torch.cat([u, s1], 1), temb)
        u = self.upconv0(F.interpolate(u, scale_factor=2, mode="nearest"))
        u = self.up0(torch.cat([u, s0], 1), temb)
        return self.conv_out(F.silu(self.norm_out(u)))


class MlpDenoiser(nn.Module):
    def __init__(self, hidden=HIDDEN, layers=3):
        super().__init__()
        self.time = TimeEmbedding(32, TIME_DIM)
        self.inp = nn.Linear(2, hidden)
        self.hidden = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(layers - 1))
        self.time_proj = nn.ModuleList(nn.Linear(TIME_DIM, hidden) for _ in range(layers))
        self.out = nn.Linear(hidden, 2)

    def forward(self, x, t):
        temb = F.silu(self.time(sinusoidal(t, 32)))
        h = self.inp(x)
        for i, proj in enumerate(self.time_proj):
            if i > 0:
                h = self.hidden[i - 1](h)
            h = F.silu(h + proj(temb))
        return self.out(h)


def linear_alphas_cumprod():
    betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float32)
    return torch.cumprod(1.0 - betas, dim=0)


def train_rate(net, x0, steps, warmup):
    opt = torch.optim.Adam(net.parameters(), lr=LR, eps=1e-8)
    ab = linear_alphas_cumprod()

    def step():
        t = torch.randint(0, T, (x0.shape[0],))
        eps = torch.randn_like(x0)
        a = ab[t].view(-1, *([1] * (x0.dim() - 1)))
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
        loss = F.mse_loss(net(x_t, t), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


@torch.no_grad()
def ddim_seconds(net, n=64, steps=50):
    net.eval()
    ab = linear_alphas_cumprod()
    ts = list(range(0, T, T // steps))[::-1]
    x = torch.randn(n, 1, 28, 28)
    start = time.perf_counter()
    for t in ts:
        eps = net(x, torch.full((n,), t))
        a_t = ab[t]
        a_prev = ab[t - T // steps] if t - T // steps >= 0 else torch.tensor(1.0)
        x0 = ((x - (1 - a_t).sqrt() * eps) / a_t.sqrt()).clamp(-1, 1)
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    unet = Unet()
    unet_rate = train_rate(unet, torch.rand(BATCH, 1, 28, 28) * 2 - 1, args.steps or 10, args.warmup or 2)
    ddim = ddim_seconds(unet)
    mlp = MlpDenoiser()
    mlp_rate = train_rate(mlp, torch.randn(GAN2D_BATCH, 2), args.steps or 300, args.warmup or 20)
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "unet_params": sum(p.numel() for p in unet.parameters()),
        "unet_steps_per_s": unet_rate,
        "ddim50_seconds_64": ddim,
        "mlp2d_steps_per_s": mlp_rate,
    }
    print(json.dumps(result))
    if not args.json:
        print(f"UNet ({result['unet_params']} parameters) train: {unet_rate:.2f} steps/s (batch {BATCH})")
        print(f"DDIM-50, 64 images: {ddim:.2f} s")
        print(f"2-D MLP denoiser train: {mlp_rate:.1f} steps/s (batch {GAN2D_BATCH})")


if __name__ == "__main__":
    main()
