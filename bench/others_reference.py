#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's other default models (autoencoder, RealNVP flow, RBM, GMMN),
for comparing training speed with genlab's bench.

Measures, in float32 on the CPU, training steps per second of:
  * the plain autoencoder with the MLP VAE's shapes (src/models/autoencoder/): encoder
    784-400-(2*2) of which only the first 2 outputs (the mean) are z, decoder 2-400-784 logits;
    Bernoulli NLL written with log-sigmoid, summed over pixels, mean over the batch; batch 128,
    Adam 1e-3;
  * RealNVP on 2-D points (src/models/flow/): 8 affine couplings with alternating masks, each an
    MLP 1-64-64-2 giving (raw s, t), s = tanh(raw s); NLL in nats under N(0, I); batch 256,
    Adam 1e-3;
  * the Bernoulli-Bernoulli RBM 784x128 (src/models/rbm/): CD-1, plain SGD 0.05, no autograd,
    batch 64 of binary inputs;
  * the 2-D GMMN (src/models/gmmn/): generator 4-128-128-128-2, unbiased MMD^2 with a sum of RBF
    kernels (bandwidths 0.1, 0.5, 2) between 256 generated and 256 data points, Adam 1e-3;
  * the image GMMN (src/models/gmmn/): generator 32-256-512-784 then sigmoid, unbiased MMD^2
    (bandwidths 2, 5, 10, 20, 40, 80) between 128 generated and 128 data images, Adam 1e-3.
Every Adam has eps 1e-8 and default betas. Data is random but of the right kind (grey values in
[0, 1], binary pixels, 2-D points) and is made once before timing, so only model compute is
measured; latent noise and the RBM's Bernoulli samples are drawn inside each step, as in training.

Usage: python3 bench/others_reference.py [--threads N] [--steps N] [--warmup N] [--json]
  Prints one JSON object on a line of stdout; without --json a readable summary follows it.
"""
import argparse
import json
import math
import time

import torch
from torch import nn
import torch.nn.functional as F

EPS = 1e-8

AE_BATCH, AE_HIDDEN, AE_Z, AE_LR = 128, 400, 2, 1e-3
FLOW_BATCH, FLOW_LAYERS, FLOW_HIDDEN, FLOW_LR = 256, 8, 64, 1e-3
RBM_BATCH, RBM_VISIBLE, RBM_HIDDEN, RBM_LR, RBM_P = 64, 784, 128, 0.05, 0.15
GMMN2D_BATCH, GMMN2D_Z, GMMN2D_LR, GMMN2D_BANDWIDTHS = 256, 4, 1e-3, (0.1, 0.5, 2.0)
GMMN_MNIST_BATCH, GMMN_MNIST_Z, GMMN_MNIST_LR = 128, 32, 1e-3
GMMN_MNIST_BANDWIDTHS = (2.0, 5.0, 10.0, 20.0, 40.0, 80.0)


def mlp(sizes):
    """Linear layers with ReLU between them (none after the last)."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- autoencoder

class MlpAutoencoder(nn.Module):
    """The MLP VAE's shapes: the encoder head keeps its 2*z outputs, only the first z are used."""

    def __init__(self, z=AE_Z):
        super().__init__()
        self.encoder = mlp([784, AE_HIDDEN, 2 * z])
        self.decoder = mlp([z, AE_HIDDEN, 784])
        self.z = z

    def loss(self, x):
        z = self.encoder(x)[:, : self.z]  # the mean half; the log-variance half is unused
        logits = self.decoder(z)
        nll = -(x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(1)
        return nll.mean()


# ---------------------------------------------------------------- RealNVP

class RealNvp2d(nn.Module):
    """Layer i conditions on coordinate i % 2 and transforms the other one."""

    def __init__(self, layers=FLOW_LAYERS, hidden=FLOW_HIDDEN):
        super().__init__()
        self.nets = nn.ModuleList(mlp([1, hidden, hidden, 2]) for _ in range(layers))

    def loss(self, x):
        log_det = torch.zeros(x.shape[0])
        for i, net in enumerate(self.nets):
            c = i % 2
            cond, other = x[:, c:c + 1], x[:, 1 - c:2 - c]
            raw_s, t = net(cond).chunk(2, dim=1)
            s = torch.tanh(raw_s)
            other = other * s.exp() + t
            log_det = log_det + s.squeeze(1)
            x = torch.cat([cond, other], dim=1) if c == 0 else torch.cat([other, cond], dim=1)
        log_pz = -0.5 * x.pow(2).sum(1) - math.log(2 * math.pi)  # d = 2: -(d/2) log 2π
        return -(log_pz + log_det).mean()


# ---------------------------------------------------------------- RBM

class Rbm:
    def __init__(self, visible=RBM_VISIBLE, hidden=RBM_HIDDEN):
        self.w = 0.01 * torch.randn(visible, hidden)
        self.b = torch.zeros(visible)
        self.c = torch.zeros(hidden)

    def params(self):
        return self.w.numel() + self.b.numel() + self.c.numel()

    @torch.no_grad()
    def cd1_step(self, v0, lr=RBM_LR):
        h0p = torch.sigmoid(v0 @ self.w + self.c)
        h0 = torch.bernoulli(h0p)
        v1p = torch.sigmoid(h0 @ self.w.t() + self.b)
        v1 = torch.bernoulli(v1p)
        h1p = torch.sigmoid(v1 @ self.w + self.c)
        bsz = v0.shape[0]
        self.w += lr * (v0.t() @ h0p - v1.t() @ h1p) / bsz
        self.b += lr * (v0 - v1).mean(0)
        self.c += lr * (h0p - h1p).mean(0)


# ---------------------------------------------------------------- GMMN

def rbf_sum(a, b, bandwidths):
    """sum_s exp(-||a_i - b_j||^2 / (2 s^2)); distances via ||a||^2 + ||b||^2 - 2 a.b, clamped at 0."""
    d2 = (a.pow(2).sum(1, keepdim=True) + b.pow(2).sum(1).unsqueeze(0) - 2 * a @ b.t()).clamp_min(0)
    k = torch.zeros_like(d2)
    for s in bandwidths:
        k = k + torch.exp(-d2 / (2 * s * s))
    return k


def mmd2_unbiased(x, y, bandwidths):
    n, m = x.shape[0], y.shape[0]
    kxx, kyy, kxy = rbf_sum(x, x, bandwidths), rbf_sum(y, y, bandwidths), rbf_sum(x, y, bandwidths)
    xx = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
    yy = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    return xx + yy - 2 * kxy.mean()


class Gmmn(nn.Module):
    def __init__(self, sizes, bandwidths, batch, sigmoid=False):
        super().__init__()
        self.net = mlp(sizes)
        self.z, self.bandwidths, self.batch, self.sigmoid = sizes[0], bandwidths, batch, sigmoid

    def loss(self, data):
        out = self.net(torch.randn(self.batch, self.z))
        if self.sigmoid:
            out = torch.sigmoid(out)
        return mmd2_unbiased(out, data, self.bandwidths)


def ring_of_gaussians(n, modes=8, radius=2.0, std=0.02):
    k = torch.randint(modes, (n,))
    angle = k.float() * (2 * math.pi / modes)
    centers = radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    return centers + std * torch.randn(n, 2)


# ---------------------------------------------------------------- timing

def adam_rate(model, data, lr, steps, warmup):
    opt = torch.optim.Adam(model.parameters(), lr=lr, eps=EPS)
    model.train()

    def step():
        l = model.loss(data)
        opt.zero_grad(set_to_none=True)
        l.backward()
        opt.step()

    for _ in range(warmup):
        step()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - t)


def rbm_rate(rbm, v0, steps, warmup):
    for _ in range(warmup):
        rbm.cd1_step(v0)
    t = time.perf_counter()
    for _ in range(steps):
        rbm.cd1_step(v0)
    return steps / (time.perf_counter() - t)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    return p.parse_args()


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)  # same weights and data every run, so runs are comparable
    steps, warmup = args.steps, args.warmup
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}

    ae = MlpAutoencoder()
    result["ae_mlp_params"] = n_params(ae)
    result["ae_mlp_steps_per_s"] = adam_rate(ae, torch.rand(AE_BATCH, 784), AE_LR, steps, warmup)

    flow = RealNvp2d()
    result["realnvp2d_params"] = n_params(flow)
    result["realnvp2d_steps_per_s"] = adam_rate(flow, torch.randn(FLOW_BATCH, 2), FLOW_LR, steps, warmup)

    rbm = Rbm()
    v0 = torch.bernoulli(torch.full((RBM_BATCH, RBM_VISIBLE), RBM_P))
    result["rbm_params"] = rbm.params()
    result["rbm_steps_per_s"] = rbm_rate(rbm, v0, steps, warmup)

    g2 = Gmmn([GMMN2D_Z, 128, 128, 128, 2], GMMN2D_BANDWIDTHS, GMMN2D_BATCH)
    result["gmmn2d_params"] = n_params(g2)
    result["gmmn2d_steps_per_s"] = adam_rate(g2, ring_of_gaussians(GMMN2D_BATCH), GMMN2D_LR, steps, warmup)

    gm = Gmmn([GMMN_MNIST_Z, 256, 512, 784], GMMN_MNIST_BANDWIDTHS, GMMN_MNIST_BATCH, sigmoid=True)
    result["gmmn_mnist_params"] = n_params(gm)
    result["gmmn_mnist_steps_per_s"] = adam_rate(
        gm, torch.rand(GMMN_MNIST_BATCH, 784), GMMN_MNIST_LR, steps, warmup)

    print(json.dumps(result))
    if not args.json:
        for key, name in [("ae_mlp", "MLP autoencoder"), ("realnvp2d", "2-D RealNVP"),
                          ("rbm", "RBM 784x128 CD-1"), ("gmmn2d", "2-D GMMN"),
                          ("gmmn_mnist", "image GMMN")]:
            print(f"{name} ({result[key + '_params']} parameters): "
                  f"{result[key + '_steps_per_s']:.1f} train steps/s")


if __name__ == "__main__":
    main()
