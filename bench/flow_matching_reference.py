#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's flow-matching family, for comparing speed with
`genlab bench --family flow-matching`, and (--ring) the reference run behind the numbers in
tests/flow_matching.rs.

Flow matching with straight conditional paths (Lipman et al. 2023, with sigma_min = 0; Liu et
al. 2023's rectified flow): x_t = (1 - t) x0 + t x1 with x0 ~ N(0, I) noise and x1 data, t ~
U(0, 1) per example, target velocity u = x1 - x0, loss = mean squared error of v(x_t, t) against
u. The network sees t * 1000 through the diffusion denoiser's sinusoidal embedding, so the
networks are bench/diffusion_reference.py's UNet and 2-D MLP, imported from there (genlab's
family reuses src/models/diffusion/unet.rs and mlp.rs the same way).

Measures, in float32 on the CPU:
  * UNet training steps per second (batch 64, 1x28x28 in [-1, 1], Adam 1e-3, eps 1e-8),
  * an Euler-50 run (50 network calls) of 64 images, seconds and ms per image,
  * 2-D MLP training steps per second (batch 256) and an Euler-50 run of 256 points, ms per point.
Data is random but of the right shape and made before timing, so only model compute is measured.

--ring STEPS instead trains the 2-D MLP on the 8-Gaussian ring (radius 2, sigma 0.02) for STEPS
steps at batch 256 and prints the loss and the mean distance of 2,000 samples to the nearest
mode, untrained and trained, for Euler and Heun at several step counts.

Usage: python3 bench/flow_matching_reference.py [--threads N] [--steps N] [--warmup N] [--json]
       python3 bench/flow_matching_reference.py --ring 1000 [--seed S]
Prints one JSON object on a line of stdout; without --json a readable summary follows it.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

from diffusion_reference import MlpDenoiser, Unet

BATCH, POINTS_BATCH, LR = 64, 256, 1e-3
# The network reads t in [0, 1] as t * TIME_SCALE, the range of the diffusion timesteps its
# sinusoidal embedding was made for (src/models/flow_matching/velocity.rs).
TIME_SCALE = 1000.0


def velocity(net, x, t):
    """v(x, t) for a batch at times t (a tensor of shape [B])."""
    return net(x, t * TIME_SCALE)


def loss_of(net, x1):
    """The conditional flow-matching loss on data x1 (Lipman et al. 2023, eq. 23 with the
    straight path of their eq. 20 at sigma_min = 0)."""
    x0 = torch.randn_like(x1)
    t = torch.rand(x1.shape[0])
    tb = t.view(-1, *([1] * (x1.dim() - 1)))
    x_t = (1 - tb) * x0 + tb * x1
    return F.mse_loss(velocity(net, x_t, t), x1 - x0)


def train(net, data, steps, warmup=0, batch=None):
    """Adam steps on `data` (a fixed batch, or a function returning one); returns steps/s and
    the losses of the timed steps."""
    opt = torch.optim.Adam(net.parameters(), lr=LR, eps=1e-8)
    losses = []

    def step():
        loss = loss_of(net, data() if callable(data) else data)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        losses.append(step())
    return steps / (time.perf_counter() - start), losses


@torch.no_grad()
def integrate(net, x, steps, solver="euler"):
    """dx/dt = v(x, t) from t = 0 (noise) to 1 (data) in `steps` equal steps."""
    h = 1.0 / steps
    for k in range(steps):
        t = k * h
        v = velocity(net, x, torch.full((x.shape[0],), t))
        if solver == "euler":
            x = x + h * v
        else:  # Heun: the trapezoidal predictor-corrector, two calls a step
            guess = x + h * v
            v2 = velocity(net, guess, torch.full((x.shape[0],), t + h))
            x = x + 0.5 * h * (v + v2)
    return x


def ring(n, radius=2.0, std=0.02):
    angles = torch.randint(0, 8, (n,)).float() * (2 * math.pi / 8)
    modes = torch.stack([radius * torch.cos(angles), radius * torch.sin(angles)], 1)
    return modes + std * torch.randn(n, 2)


def nearest_mode_distance(points, radius=2.0):
    angles = torch.arange(8).float() * (2 * math.pi / 8)
    modes = torch.stack([radius * torch.cos(angles), radius * torch.sin(angles)], 1)
    return torch.cdist(points, modes).min(dim=1).values.mean().item()


def ring_run(steps, seed):
    torch.manual_seed(seed)
    net = MlpDenoiser()
    result = {"torch": torch.__version__, "steps": steps, "seed": seed}
    torch.manual_seed(seed + 1)
    noise = torch.randn(2000, 2)
    result["untrained_distance_euler50"] = nearest_mode_distance(integrate(net, noise.clone(), 50))
    result["noise_distance"] = nearest_mode_distance(noise)
    _, losses = train(net, lambda: ring(POINTS_BATCH), steps)
    result["loss_first_50"] = sum(losses[:50]) / 50
    result["loss_last_50"] = sum(losses[-50:]) / 50
    for solver, n in [("euler", 5), ("euler", 20), ("euler", 50), ("heun", 5), ("heun", 10), ("heun", 25)]:
        result[f"distance_{solver}{n}"] = nearest_mode_distance(integrate(net, noise.clone(), n, solver))
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--ring", type=int, default=None, help="train the 2-D model on the ring for this many steps")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.ring:
        result = ring_run(args.ring, args.seed)
        print(json.dumps(result))
        return
    torch.manual_seed(0)
    unet = Unet()
    unet_rate, _ = train(unet, torch.rand(BATCH, 1, 28, 28) * 2 - 1, args.steps or 10, args.warmup or 2)
    unet.eval()
    start = time.perf_counter()
    integrate(unet, torch.randn(64, 1, 28, 28), 50)
    euler50 = time.perf_counter() - start
    mlp = MlpDenoiser()
    mlp_rate, _ = train(mlp, torch.randn(POINTS_BATCH, 2), args.steps or 300, args.warmup or 20)
    start = time.perf_counter()
    integrate(mlp, torch.randn(256, 2), 50)
    mlp_euler50 = time.perf_counter() - start
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "fm_unet_params": sum(p.numel() for p in unet.parameters()),
        "fm_unet_steps_per_s": unet_rate,
        "fm_euler50_seconds_64": euler50,
        "fm_unet_sample_ms_per_image": euler50 * 1e3 / 64,
        "fm_mlp2d_steps_per_s": mlp_rate,
        "fm_mlp2d_sample_ms_per_point": mlp_euler50 * 1e3 / 256,
    }
    print(json.dumps(result))
    if not args.json:
        print(f"UNet ({result['fm_unet_params']} parameters) train: {unet_rate:.2f} steps/s (batch {BATCH})")
        print(f"Euler-50, 64 images: {euler50:.2f} s")
        print(f"2-D MLP train: {mlp_rate:.1f} steps/s (batch {POINTS_BATCH}); Euler-50 of 256 points: {mlp_euler50 * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
