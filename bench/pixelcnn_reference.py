#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's PixelCNN, for comparing speed with
`genlab bench --family pixelcnn`.

Measures, in float32 on the CPU:
  * PixelCNN training steps per second (batch 32, binarized 1x28x28 images, Bernoulli
    likelihood: BCE with logits summed over the 784 pixels, mean over the batch, Adam 1e-3,
    eps 1e-8),
  * sampling time per image in milliseconds (16 images per call, pixel by pixel, 784
    forward passes, each run only on rows 0..r of the image: masked convolutions never look at
    lower rows, which is the row-crop genlab also uses).

The network mirrors src/models/pixelcnn/ layer for layer (van den Oord et al. 2016): a 7x7
mask-A convolution 1->C, then L residual layers h = h + convB3x3(relu(h)), then
conv1x1(C->C) -> relu -> conv1x1(C->1), one logit per pixel; every convolution has a bias.
Mask A zeroes the centre tap and everything after it in raster order; mask B keeps the centre.
Data is random Bernoulli(0.15) pixels made before timing, so only model compute is measured.

Usage: python3 bench/pixelcnn_reference.py [--threads N] [--steps N] [--warmup N] [--batch N]
                                           [--channels C] [--layers L] [--json]
Prints one JSON object on a line of stdout; without --json a readable summary follows it.
"""
import argparse
import json
import time

import torch
from torch import nn
import torch.nn.functional as F

BATCH, CHANNELS, LAYERS, LR = 32, 64, 6, 1e-3
SAMPLE_BATCH = 16


class MaskedConv2d(nn.Conv2d):
    """A square convolution whose weight is multiplied by a fixed raster-order mask."""

    def __init__(self, mask_type, cin, cout, k):
        super().__init__(cin, cout, k, padding=k // 2)
        mask = torch.ones(1, 1, k, k)
        centre = k // 2
        mask[:, :, centre, centre + (1 if mask_type == "B" else 0):] = 0
        mask[:, :, centre + 1:, :] = 0
        self.register_buffer("mask", mask)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelCnn(nn.Module):
    def __init__(self, channels=CHANNELS, layers=LAYERS):
        super().__init__()
        self.input = MaskedConv2d("A", 1, channels, 7)
        self.residual = nn.ModuleList(MaskedConv2d("B", channels, channels, 3) for _ in range(layers))
        self.head_hidden = nn.Conv2d(channels, channels, 1)
        self.head_out = nn.Conv2d(channels, 1, 1)

    def forward(self, x):
        h = self.input(x)
        for conv in self.residual:
            h = h + conv(F.relu(h))
        return self.head_out(F.relu(self.head_hidden(F.relu(h))))


def loss(net, x):
    logits = net(x)
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]


def train_rate(net, x, steps, warmup):
    opt = torch.optim.Adam(net.parameters(), lr=LR, eps=1e-8)
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        l = loss(net, x)
        opt.zero_grad(set_to_none=True)
        l.backward()
        opt.step()
    return steps / (time.perf_counter() - start)


@torch.no_grad()
def sample(net, n=SAMPLE_BATCH):
    x = torch.zeros(n, 1, 28, 28)
    for r in range(28):
        for c in range(28):
            logit = net(x[:, :, : r + 1, :])[:, 0, r, c]
            x[:, 0, r, c] = torch.bernoulli(torch.sigmoid(logit))
    return x


def sample_ms_per_image(net, n=SAMPLE_BATCH):
    net.eval()
    sample(net, 2)  # warm-up
    start = time.perf_counter()
    sample(net, n)
    return (time.perf_counter() - start) * 1e3 / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--channels", type=int, default=CHANNELS)
    ap.add_argument("--layers", type=int, default=LAYERS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = PixelCnn(args.channels, args.layers)
    x = torch.bernoulli(torch.full((args.batch, 1, 28, 28), 0.15))
    rate = train_rate(net, x, args.steps, args.warmup)
    ms = sample_ms_per_image(net)
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "pixelcnn_params": sum(p.numel() for p in net.parameters()),
        "pixelcnn_steps_per_s": rate,
        "pixelcnn_sample_ms_per_image": ms,
    }
    print(json.dumps(result))
    if not args.json:
        print(f"PixelCNN C={args.channels}, {args.layers} layers ({result['pixelcnn_params']} parameters) "
              f"train: {rate:.2f} steps/s (batch {args.batch})")
        print(f"PixelCNN sampling, {SAMPLE_BATCH} images with row crop: {ms:.1f} ms/image")


if __name__ == "__main__":
    main()
