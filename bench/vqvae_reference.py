#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's VQ-VAE (src/models/vqvae/), for comparing speed with
`genlab bench --family vqvae`, and (--mnist) a reference run of the default schedule.

The VQ-VAE of van den Oord et al. 2017 with a PixelCNN prior over its code maps, layer for layer
as genlab builds it:
  * encoder: conv 4x4 stride 2 (1 -> H/2), relu, conv 4x4 stride 2 (H/2 -> H), relu, conv 1x1
    (H -> D): 28x28 images to a 7x7 grid of D-vectors (H = 64, D = 16);
  * codebook: K = 64 vectors, uniform in [-1/K, 1/K]; the nearest code by
    ||z||^2 - 2 z.e + ||e||^2; z_q = one_hot(codes) @ e; straight-through z_e + (z_q - z_e).detach();
  * decoder: conv 3x3 (D -> H), relu, transposed conv 4x4 stride 2 (H -> H/2), relu, transposed
    conv 4x4 stride 2 (H/2 -> 1): Bernoulli logits;
  * stage 1 loss, every term a mean: BCE-with-logits on the grey pixels averaged over pixels and
    images + beta * mean((z_e - sg[z_q])^2) (beta = 0.25) + mean((sg[z_e] - z_q)^2) without EMA;
    with EMA (the default, decay 0.99) the codebook instead follows moving averages of the counts
    N (started at 1) and sums m (started at e), counts Laplace-smoothed with eps = 1e-5;
  * prior: masked conv 5x5 type A (K one-hot channels -> C), L residual blocks
    h = h + maskedconvB3x3(relu(h)), conv 1x1 C -> C, relu, conv 1x1 C -> K logits (C = 64,
    L = 5); stage 2 trains it on the frozen encoder's codes, cross-entropy summed over the map
    and averaged over the batch (nats per code map);
  * sampling: 49 passes of the prior, code by code in raster order (each pass on the rows down to
    the code's), then the decoder's sigmoid means.
Adam at 1e-3 with eps 1e-8 for both stages.

Measures, in float32 on the CPU, at batch 64 of random grey images:
  * stage 1 training steps per second, and decoding 64 maps of uniform codes (ms per image);
  * stage 2 training steps per second (the frozen encoder's pass included), and drawing 64 maps
    from the prior then decoding them (ms per image).
Data is random but of the right shape and made before timing, so only model compute is measured.

--mnist PATH trains the default schedule (--autoencoder-steps, then --prior-steps) on the MNIST of
PATH (a folder with mnist10k-train-images-idx3-ubyte.gz, e.g. assets/mnist) at batch 64 and prints
each stage's time, the reconstruction (nats per image), the code perplexity and dead codes over
the last 100 steps of stage 1, the prior's NLL (nats per code map) over the last 100 of stage 2,
and the test images' mean bound -log p(z(x)) - log p(x_binary | z_q(x)) in nats. --no-ema uses
the codebook loss instead; --png FILE writes 64 samples from the prior.

Usage: python3 bench/vqvae_reference.py [--threads N] [--steps N] [--warmup N] [--json]
       python3 bench/vqvae_reference.py --mnist assets/mnist [--autoencoder-steps N] [--prior-steps N]
                                        [--no-ema] [--png FILE] [--seed S]
Prints one JSON object on a line of stdout; without --json a readable summary follows it.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

import dbn_reference
from pixelcnn_reference import MaskedConv2d  # the same raster-order masked convolution

BATCH, HIDDEN, D, K, BETA, DECAY, EPS, LR = 64, 64, 16, 64, 0.25, 0.99, 1e-5, 1e-3
PRIOR_CHANNELS, PRIOR_LAYERS, FIRST_KERNEL = 64, 5, 5


class VqVae(nn.Module):
    def __init__(self, ema=True):
        super().__init__()
        h = HIDDEN
        self.encoder = nn.Sequential(nn.Conv2d(1, h // 2, 4, 2, 1), nn.ReLU(), nn.Conv2d(h // 2, h, 4, 2, 1), nn.ReLU(),
                                     nn.Conv2d(h, D, 1))
        self.decoder = nn.Sequential(nn.Conv2d(D, h, 3, padding=1), nn.ReLU(), nn.ConvTranspose2d(h, h // 2, 4, 2, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(h // 2, 1, 4, 2, 1))
        self.ema = ema
        e = torch.empty(K, D).uniform_(-1.0 / K, 1.0 / K)
        self.embeddings = nn.Parameter(e, requires_grad=not ema)
        self.register_buffer("ema_counts", torch.ones(K))
        self.register_buffer("ema_sums", e.clone())

    def encode(self, x):
        """[B, 1, 28, 28] -> z_e as rows [B*49, D] (image-major, cells in raster order)."""
        z = self.encoder(x)
        return z.permute(0, 2, 3, 1).reshape(-1, D)

    def decode(self, z, b):
        return self.decoder(z.view(b, 7, 7, D).permute(0, 3, 1, 2))

    def quantize(self, z):
        e = self.embeddings
        d2 = (z ** 2).sum(1, keepdim=True) + (e ** 2).sum(1) - 2 * z @ e.t()
        codes = d2.argmin(1)
        one_hot = F.one_hot(codes, K).float()
        return codes, one_hot, one_hot @ e

    def loss(self, x):
        b = x.shape[0]
        z = self.encode(x)
        codes, one_hot, z_q = self.quantize(z)
        logits = self.decode(z + (z_q - z).detach(), b)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / b
        quantisation = F.mse_loss(z.detach(), z_q)
        loss = recon / x[0].numel() + BETA * F.mse_loss(z, z_q.detach())
        if self.ema:
            with torch.no_grad():
                self.ema_counts.mul_(DECAY).add_(one_hot.sum(0), alpha=1 - DECAY)
                self.ema_sums.mul_(DECAY).add_(one_hot.t() @ z.detach(), alpha=1 - DECAY)
                total = self.ema_counts.sum()
                smoothed = (self.ema_counts + EPS) / (total + K * EPS) * total
                self.embeddings.copy_(self.ema_sums / smoothed.unsqueeze(1))
        else:
            loss = loss + quantisation
        return loss, recon.item(), quantisation.item(), codes


class Prior(nn.Module):
    def __init__(self):
        super().__init__()
        c = PRIOR_CHANNELS
        self.input = MaskedConv2d("A", K, c, FIRST_KERNEL)
        self.residual = nn.ModuleList(MaskedConv2d("B", c, c, 3) for _ in range(PRIOR_LAYERS))
        self.head = nn.Conv2d(c, c, 1)
        self.out = nn.Conv2d(c, K, 1)

    def forward(self, maps):
        h = self.input(maps)
        for conv in self.residual:
            h = h + conv(F.relu(h))
        return self.out(F.relu(self.head(F.relu(h))))


def one_hot_maps(codes, b):
    """[B*49] codes -> [B, K, 7, 7] one-hot maps."""
    return F.one_hot(codes.view(b, 7, 7), K).permute(0, 3, 1, 2).float()


def prior_nll(prior, codes, b):
    """-log p(z) of each map, nats: [B]."""
    logits = prior(one_hot_maps(codes, b))
    return F.cross_entropy(logits, codes.view(b, 7, 7), reduction="none").sum((1, 2))


def prior_loss(vq, prior, x):
    b = x.shape[0]
    with torch.no_grad():
        codes, _, _ = vq.quantize(vq.encode(x))
    return prior_nll(prior, codes, b).mean(), codes


@torch.no_grad()
def sample(vq, prior, n, uniform=False):
    if uniform:
        codes = torch.randint(K, (n, 7, 7))
    else:
        codes = torch.zeros(n, 7, 7, dtype=torch.long)
        for r in range(7):
            for c in range(7):
                maps = F.one_hot(codes[:, : r + 1], K).permute(0, 3, 1, 2).float()
                p = F.softmax(prior(maps)[:, :, r, c], 1)
                codes[:, r, c] = torch.multinomial(p, 1)[:, 0]
    z_q = F.one_hot(codes.view(-1), K).float() @ vq.embeddings
    return torch.sigmoid(vq.decode(z_q, n)).view(n, 784)


def train_rate(step, steps, warmup):
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        step()
    return steps / (time.perf_counter() - start)


def perplexity(counts):
    p = counts / counts.sum()
    p = p[p > 0]
    return math.exp(-(p * p.log()).sum().item())


def read_idx_images(path):
    """MNIST images as [n, 1, 28, 28] in [0, 1] (bench/dbn_reference.py reads them flat)."""
    flat = dbn_reference.read_idx_images(path)
    return flat.view(flat.shape[0], 1, 28, 28)


def write_png(path, images, cols=8, side=28):
    """n images in [0, 1] as one greyscale PNG grid (bench/dbn_reference.py's grid and writer)."""
    picture = dbn_reference.grid(images.reshape(images.shape[0], -1), cols, side)
    dbn_reference.write_png(path, picture, picture.shape[1], picture.shape[0])


def mnist_run(args):
    torch.manual_seed(args.seed)
    train = read_idx_images(os.path.join(args.mnist, "mnist10k-train-images-idx3-ubyte.gz"))
    test_path = os.path.join(args.mnist, "mnist10k-test-images-idx3-ubyte.gz")
    test = read_idx_images(test_path) if os.path.exists(test_path) else train[:1000]
    vq, prior = VqVae(ema=not args.no_ema), Prior()
    batch = lambda: train[torch.randint(train.shape[0], (BATCH,))]
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "ema": not args.no_ema,
              "autoencoder_steps": args.autoencoder_steps, "prior_steps": args.prior_steps}
    opt = torch.optim.Adam([p for p in vq.parameters() if p.requires_grad], lr=LR, eps=1e-8)
    recons, counts, start = [], torch.zeros(K), time.perf_counter()
    for step in range(args.autoencoder_steps):
        loss, recon, _, codes = vq.loss(batch())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step >= args.autoencoder_steps - 100:
            recons.append(recon)
            counts += torch.bincount(codes, minlength=K).float()
    result["stage1_seconds"] = time.perf_counter() - start
    result["reconstruction_last_100"] = sum(recons) / len(recons)
    result["perplexity_last_100"] = perplexity(counts)
    result["dead_codes_last_100"] = int((counts == 0).sum().item())
    opt = torch.optim.Adam(prior.parameters(), lr=LR, eps=1e-8)
    nlls, start = [], time.perf_counter()
    for step in range(args.prior_steps):
        nll, _ = prior_loss(vq, prior, batch())
        opt.zero_grad(set_to_none=True)
        nll.backward()
        opt.step()
        if step >= args.prior_steps - 100:
            nlls.append(nll.item())
    result["stage2_seconds"] = time.perf_counter() - start
    result["prior_nll_last_100"] = sum(nlls) / len(nlls)
    with torch.no_grad():
        x = test[:1000]
        codes, _, z_q = vq.quantize(vq.encode(x))
        image_nll = F.binary_cross_entropy_with_logits(vq.decode(z_q, x.shape[0]), (x > 0.5).float(), reduction="none").sum((1, 2, 3))
        result["test_bound_nats"] = (image_nll + prior_nll(prior, codes, x.shape[0])).mean().item()
        if args.png:
            write_png(args.png, sample(vq, prior, 64))
    print(json.dumps(result))


def speed_run(args):
    torch.manual_seed(0)
    vq, prior = VqVae(), Prior()
    x = torch.rand(BATCH, 1, 28, 28)
    opt = torch.optim.Adam([p for p in vq.parameters() if p.requires_grad], lr=LR, eps=1e-8)

    def stage1():
        loss = vq.loss(x)[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    popt = torch.optim.Adam(prior.parameters(), lr=LR, eps=1e-8)

    def stage2():
        loss = prior_loss(vq, prior, x)[0]
        popt.zero_grad(set_to_none=True)
        loss.backward()
        popt.step()

    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "vqvae_params": sum(p.numel() for p in vq.parameters()) + K * D + K,
              "prior_params": sum(p.numel() for p in prior.parameters())}
    result["vqvae_stage1_steps_per_s"] = train_rate(stage1, args.steps or 30, args.warmup or 5)
    sample(vq, prior, 2, uniform=True)
    start = time.perf_counter()
    for _ in range(8):
        sample(vq, prior, 64, uniform=True)
    result["vqvae_uniform_sample_ms_per_image"] = (time.perf_counter() - start) * 1e3 / (8 * 64)
    result["vqvae_prior_steps_per_s"] = train_rate(stage2, args.steps or 30, args.warmup or 5)
    sample(vq, prior, 2)
    start = time.perf_counter()
    for _ in range(4):
        sample(vq, prior, 64)
    result["vqvae_prior_sample_ms_per_image"] = (time.perf_counter() - start) * 1e3 / (4 * 64)
    print(json.dumps(result))
    if not args.json:
        print(f"VQ-VAE ({result['vqvae_params']} parameters with the codebook's averages), batch {BATCH}:")
        print(f"  stage 1: {result['vqvae_stage1_steps_per_s']:.1f} train steps/s; "
              f"decoding uniform codes {result['vqvae_uniform_sample_ms_per_image']:.3f} ms/image")
        print(f"  prior ({result['prior_params']} parameters): {result['vqvae_prior_steps_per_s']:.1f} train steps/s; "
              f"sampling 49 codes + decoding {result['vqvae_prior_sample_ms_per_image']:.3f} ms/image")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--mnist", default=None, help="train the default schedule on the MNIST of this folder instead of timing")
    ap.add_argument("--autoencoder-steps", type=int, default=1500)
    ap.add_argument("--prior-steps", type=int, default=2000)
    ap.add_argument("--no-ema", action="store_true", help="with --mnist: the codebook loss instead of moving averages")
    ap.add_argument("--png", default=None, help="with --mnist: write 64 samples from the prior here")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.mnist:
        mnist_run(args)
    else:
        speed_run(args)


if __name__ == "__main__":
    main()
