#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's default VAEs, for comparing training speed with
`genlab bench --family vae`.

Measures, in float32 on the CPU, training steps per second at batch 128 (Bernoulli likelihood
written with log-sigmoid, KL to N(0, I), Adam 1e-3, eps 1e-8) of:
  * the MLP VAE 784-400-20 (src/models/vae/mlp.rs),
  * the conv VAE, z = 16 (src/models/vae/conv.rs: conv 1->32->64, k4 s2 p1, a 400-wide hidden
    layer each side, transposed convs 64->32->1),
and the time to decode one z (the latent explorer's latency), in milliseconds.

Usage: python3 bench/vae_reference.py [--threads N] [--steps N] [--json]
"""
import argparse
import json
import time

import torch
from torch import nn
import torch.nn.functional as F

BATCH, HIDDEN, LR = 128, 400, 1e-3


class MlpVae(nn.Module):
    def __init__(self, z=20):
        super().__init__()
        self.enc_hidden, self.enc_head = nn.Linear(784, HIDDEN), nn.Linear(HIDDEN, 2 * z)
        self.dec_hidden, self.dec_out = nn.Linear(z, HIDDEN), nn.Linear(HIDDEN, 784)
        self.z = z

    def encode(self, x):
        return self.enc_head(F.relu(self.enc_hidden(x)))

    def decode(self, z):
        return self.dec_out(F.relu(self.dec_hidden(z)))


class ConvVae(nn.Module):
    def __init__(self, z=16):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 4, 2, 1), nn.Conv2d(32, 64, 4, 2, 1)
        self.enc_hidden, self.enc_head = nn.Linear(64 * 7 * 7, HIDDEN), nn.Linear(HIDDEN, 2 * z)
        self.dec_hidden, self.dec_project = nn.Linear(z, HIDDEN), nn.Linear(HIDDEN, 64 * 7 * 7)
        self.d1, self.d2 = nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ConvTranspose2d(32, 1, 4, 2, 1)
        self.z = z

    def encode(self, x):
        h = F.relu(self.c2(F.relu(self.c1(x.view(-1, 1, 28, 28)))))
        return self.enc_head(F.relu(self.enc_hidden(h.flatten(1))))

    def decode(self, z):
        h = F.relu(self.dec_project(F.relu(self.dec_hidden(z)))).view(-1, 64, 7, 7)
        return self.d2(F.relu(self.d1(h))).flatten(1)


def loss(model, x):
    mu, logvar = model.encode(x).chunk(2, dim=1)
    z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
    logits = model.decode(z)
    nll = -(x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(1)
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)
    return (nll + kl).mean()


def train_rate(model, x, steps, warmup=5):
    opt = torch.optim.Adam(model.parameters(), lr=LR, eps=1e-8)
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        l = loss(model, x)
        opt.zero_grad(set_to_none=True)
        l.backward()
        opt.step()
    return steps / (time.perf_counter() - start)


@torch.no_grad()
def decode_ms(model, calls=100):
    model.eval()
    z = torch.zeros(1, model.z)
    for _ in range(5):
        model.decode(z)
    start = time.perf_counter()
    for i in range(calls):
        torch.sigmoid(model.decode(z + 0.01 * i))
    return (time.perf_counter() - start) * 1e3 / calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.rand(BATCH, 784)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    for key, model in [("mlp", MlpVae()), ("conv", ConvVae())]:
        result[f"{key}_params"] = sum(p.numel() for p in model.parameters())
        result[f"{key}_steps_per_s"] = train_rate(model, x, args.steps)
        result[f"{key}_decode_ms"] = decode_ms(model)
    print(json.dumps(result))
    if not args.json:
        for key in ("mlp", "conv"):
            print(f"{key} VAE ({result[key + '_params']} parameters): {result[key + '_steps_per_s']:.1f} steps/s, decode {result[key + '_decode_ms']:.3f} ms")


if __name__ == "__main__":
    main()
