#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's deep belief network (src/models/dbn/), for comparing speed with
`genlab bench --family dbn`, and (--mnist) the reference run behind the DBN's default settings.

The DBN of Hinton, Osindero & Teh 2006: RBMs stacked and trained greedily, one at a time. RBM l
(visible x_l, hidden x_{l+1}) trains on x_l = p(x_l = 1 | x_{l-1}) of the layers below, computed
by a deterministic upward pass of probabilities from the binarized image x_0 (the factorial
approximate posterior of the paper's section 4, step 3, at its mean). Each update is genlab's
CD-k / PCD-k (src/models/rbm/model.rs, cd_update): hidden probabilities in the statistics, plain
SGD, persistent chains of binary visible states started from Bernoulli(1/2) noise. Sampling runs a
Gibbs chain in the top RBM from noise, then one stochastic downward pass through the lower RBMs'
generative weights, x_l ~ p(x_l | x_{l+1}) = sigmoid(x_{l+1} W_l^T + b_l), showing the pixel means
p(x_0 = 1 | x_1) at the bottom (the paper's generative model: the top two layers an undirected
associative memory, the layers below a directed sigmoid belief net).

Measures, in float32 on the CPU, at batch 64 of binary inputs:
  * training steps per second of each layer of the default 784-500-500 stack (PCD-1, SGD 0.05):
    layer 1 is one RBM update, layer 2 the upward pass through layer 1 and one update;
  * sampling ms per image: 500 Gibbs steps in the top RBM and the downward pass, 4 calls of 64 images.
Data is random but binary and made once before timing, so only model compute is measured.

--mnist PATH trains the default stack on the binarized MNIST of PATH (a folder with
mnist10k-train-images-idx3-ubyte.gz, e.g. assets/mnist) for --steps-per-layer updates per layer
and prints, per layer, the time, the reconstruction error per unit and the free-energy gap at the
end, the binarized test images' mean pseudo-log-likelihood under layer 1, and how 64 samples from
the stack so far spread over the digits (each counted as its nearest training image's label; a
blurred blob counts as whatever it is nearest to, so read this beside the pictures). --png FILE
writes those samples after each layer side by side (layer 1 alone, then layers 1-2, ...).
--lr and --hidden change the stack, for comparing settings.

Usage: python3 bench/dbn_reference.py [--threads N] [--steps N] [--warmup N] [--json]
       python3 bench/dbn_reference.py --mnist assets/mnist [--steps-per-layer N] [--png FILE] [--seed S]
Prints one JSON object on a line of stdout; without --json a readable summary follows it.
"""
import argparse
import gzip
import json
import os
import struct
import time
import zlib

import torch

BATCH, K, LR, SAMPLE_STEPS = 64, 1, 0.05, 500
# genlab's DbnConfig::default(): the hidden widths above the 784 pixels.
HIDDEN = (500, 500)
STEPS_PER_LAYER = 2000


def bern(p):
    return (torch.rand_like(p) < p).float()


class Rbm:
    """W ~ N(0, 0.01^2), zero biases (Hinton 2010, section 8), as src/models/rbm/model.rs."""

    def __init__(self, visible, hidden, lr=LR):
        self.w = 0.01 * torch.randn(visible, hidden)
        self.lr = lr
        self.b = torch.zeros(visible)
        self.c = torch.zeros(hidden)
        self.chain = None

    def params(self):
        return self.w.numel() + self.b.numel() + self.c.numel()

    def hidden_probs(self, v):
        return torch.sigmoid(v @ self.w + self.c)

    def visible_probs(self, h):
        return torch.sigmoid(h @ self.w.t() + self.b)

    def free_energy(self, v):
        return -(v @ self.b) - torch.nn.functional.softplus(v @ self.w + self.c).sum(1)

    @torch.no_grad()
    def pcd_step(self, v0, k=K):
        """One PCD-k update (cd_update with persistent chains); returns the terms genlab reports."""
        bsz = v0.shape[0]
        if self.chain is None or self.chain.shape[0] != bsz:
            self.chain = bern(torch.full_like(v0, 0.5))
        h0p = self.hidden_probs(v0)
        recon = self.visible_probs(h0p)
        h = bern(self.hidden_probs(self.chain))
        for step in range(k):
            v = bern(self.visible_probs(h))
            hp = self.hidden_probs(v)
            if step + 1 < k:
                h = bern(hp)
        self.w += self.lr * (v0.t() @ h0p - v.t() @ hp) / bsz
        self.b += self.lr * (v0 - v).mean(0)
        self.c += self.lr * (h0p - hp).mean(0)
        self.chain = v
        return {
            "reconstruction error per unit": ((v0 - recon) ** 2).mean().item(),
            "free-energy gap": (self.free_energy(v0).mean() - self.free_energy(v).mean()).item(),
        }


class Dbn:
    def __init__(self, hidden=HIDDEN, lr=LR, visible=784):
        self.sizes = (visible,) + tuple(hidden)
        self.layers = [Rbm(a, b, lr) for a, b in zip(self.sizes, self.sizes[1:])]

    def params(self):
        return sum(r.params() for r in self.layers)

    @torch.no_grad()
    def up(self, x, below):
        """p(x_below = 1 | x_0): the upward pass of probabilities through the first `below` RBMs."""
        for rbm in self.layers[:below]:
            x = rbm.hidden_probs(x)
        return x

    @torch.no_grad()
    def train_step(self, layer, v):
        return self.layers[layer].pcd_step(self.up(v, layer))

    @torch.no_grad()
    def sample(self, n, top, steps=SAMPLE_STEPS):
        """A Gibbs chain of `steps` in RBM `top` from noise, then the stochastic downward pass."""
        rbm = self.layers[top]
        v = bern(torch.full((n, rbm.w.shape[0]), 0.5))
        vp = v
        for _ in range(steps):
            vp = rbm.visible_probs(bern(rbm.hidden_probs(v)))
            v = bern(vp)
        if top == 0:
            return vp
        x = v
        for below in range(top - 1, -1, -1):
            p = self.layers[below].visible_probs(x)
            x = p if below == 0 else bern(p)
        return x


def pseudo_log_likelihood(rbm, v):
    """Mean over images of V log sigmoid(F(v~) - F(v)), one random unit flipped (as genlab's RBM)."""
    flipped = v.clone()
    idx = torch.randint(v.shape[1], (v.shape[0],))
    flipped[torch.arange(v.shape[0]), idx] = 1 - flipped[torch.arange(v.shape[0]), idx]
    gap = rbm.free_energy(flipped) - rbm.free_energy(v)
    return (v.shape[1] * torch.nn.functional.logsigmoid(gap)).mean().item()


def read_idx_labels(path):
    with gzip.open(path, "rb") as f:
        _, n = struct.unpack(">II", f.read(8))
        return torch.frombuffer(bytearray(f.read(n)), dtype=torch.uint8).long()


def nearest_labels(samples, images, labels):
    """The label of each sample's nearest training image (squared distance on pixel means)."""
    d2 = (samples ** 2).sum(1, keepdim=True) + (images ** 2).sum(1) - 2 * samples @ images.t()
    return labels[d2.argmin(1)]


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        _, n, rows, cols = struct.unpack(">IIII", f.read(16))
        data = torch.frombuffer(bytearray(f.read(n * rows * cols)), dtype=torch.uint8)
    return data.view(n, rows * cols).float() / 255.0


def write_png(path, grey, width, height):
    """A greyscale PNG of a [height, width] array in [0, 1], standard library only."""
    rows = (grey.clamp(0, 1) * 255).round().to(torch.uint8).view(height, width)
    raw = b"".join(b"\x00" + bytes(r.tolist()) for r in rows)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def grid(images, cols=8, side=28):
    """n images [n, side*side] as one [rows*(side+1)+1, cols*(side+1)+1] picture, 1-pixel gaps."""
    n = images.shape[0]
    rows = (n + cols - 1) // cols
    out = torch.full((rows * (side + 1) + 1, cols * (side + 1) + 1), 0.25)
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = 1 + r * (side + 1), 1 + c * (side + 1)
        out[top:top + side, left:left + side] = images[i].view(side, side)
    return out


def mnist_run(args):
    train = (read_idx_images(os.path.join(args.mnist, "mnist10k-train-images-idx3-ubyte.gz")) > 0.5).float()
    labels = read_idx_labels(os.path.join(args.mnist, "mnist10k-train-labels-idx1-ubyte.gz"))
    test_path = os.path.join(args.mnist, "mnist10k-test-images-idx3-ubyte.gz")
    test = (read_idx_images(test_path) > 0.5).float() if os.path.exists(test_path) else train[:1000]
    dbn = Dbn(args.hidden, args.lr)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "train_images": train.shape[0],
              "hidden": list(args.hidden), "steps_per_layer": args.steps_per_layer, "lr": args.lr, "k": K, "layers": []}
    pictures = []
    for layer in range(len(dbn.layers)):
        t = time.perf_counter()
        terms = None
        for _ in range(args.steps_per_layer):
            batch = train[torch.randint(train.shape[0], (BATCH,))]
            terms = dbn.train_step(layer, batch)
        seconds = time.perf_counter() - t
        row = {"layer": layer + 1, "seconds": seconds, **terms}
        if layer == 0:
            row["test pseudo-log-likelihood"] = pseudo_log_likelihood(dbn.layers[0], test[:1000])
        result["layers"].append(row)
        samples = dbn.sample(64, layer)
        counts = torch.bincount(nearest_labels(samples, train, labels), minlength=10)
        row["sample classes"] = counts.tolist()
        pictures.append(grid(samples))
    if args.png:
        gap = torch.ones(pictures[0].shape[0], 8)
        parts = [x for p in pictures for x in (p, gap)][:-1]
        picture = torch.cat(parts, 1)
        write_png(args.png, picture, picture.shape[1], picture.shape[0])
    print(json.dumps(result))
    if not args.json:
        for row in result["layers"]:
            extra = f", test PLL {row['test pseudo-log-likelihood']:.1f}" if "test pseudo-log-likelihood" in row else ""
            print(f"layer {row['layer']}: {args.steps_per_layer} updates in {row['seconds']:.1f} s; reconstruction error "
                  f"{row['reconstruction error per unit']:.4f} per unit, free-energy gap {row['free-energy gap']:.2f}{extra}")
            print(f"  64 samples from layers 1-{row['layer']}, by their nearest training image's digit: {row['sample classes']}")


def speed_run(args):
    torch.manual_seed(0)
    dbn = Dbn(args.hidden, args.lr)
    v0 = bern(torch.full((BATCH, 784), 0.15))
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "dbn_params": dbn.params()}
    for layer in range(len(dbn.layers)):
        for _ in range(args.warmup):
            dbn.train_step(layer, v0)
        t = time.perf_counter()
        for _ in range(args.steps):
            dbn.train_step(layer, v0)
        result[f"dbn_layer{layer + 1}_steps_per_s"] = args.steps / (time.perf_counter() - t)
    top = len(dbn.layers) - 1
    dbn.sample(2, top)
    t = time.perf_counter()
    calls = 4  # as genlab's bench: 4 calls of 64 images
    for _ in range(calls):
        dbn.sample(64, top)
    result["dbn_sample_ms_per_image"] = 1000 * (time.perf_counter() - t) / (calls * 64)
    print(json.dumps(result))
    if not args.json:
        sizes = "-".join(str(s) for s in dbn.sizes)
        print(f"DBN {sizes} ({result['dbn_params']} parameters), batch {BATCH}, PCD-{K}:")
        for layer in range(len(dbn.layers)):
            print(f"  layer {layer + 1}: {result[f'dbn_layer{layer + 1}_steps_per_s']:.1f} train steps/s")
        print(f"  sampling ({SAMPLE_STEPS} Gibbs steps + the downward pass): {result['dbn_sample_ms_per_image']:.2f} ms/image")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--steps", type=int, default=100, help="timed steps per layer")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    p.add_argument("--mnist", default=None, help="train on the MNIST of this folder instead of timing")
    p.add_argument("--steps-per-layer", type=int, default=STEPS_PER_LAYER)
    p.add_argument("--png", default=None, help="with --mnist: write the samples after each layer here")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=LR, help="SGD step of every layer")
    p.add_argument("--hidden", default=",".join(map(str, HIDDEN)), help="hidden widths, comma-separated")
    return p.parse_args()


def main():
    args = parse_args()
    args.hidden = tuple(int(h) for h in args.hidden.split(","))
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # same weights and data every run, so runs are comparable
    if args.mnist:
        mnist_run(args)
    else:
        speed_run(args)


if __name__ == "__main__":
    main()
