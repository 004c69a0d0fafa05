#!/usr/bin/env python3
"""PyTorch (CPU) twin of genlab's character-level transformer, for comparing speed with
`genlab bench --family charlm`.

Measures, in float32 on the CPU:
  * training steps (and tokens) per second: batch 32 of 64-character blocks, mean
    cross-entropy over all B x T next-character predictions, Adam 1e-3, eps 1e-8,
  * sampling speed in characters per second: 200 characters one at a time for one sequence,
    recomputing the whole context (cropped to the last T characters) every step, no KV cache,
    sampling from softmax(logits / 0.8).

The network mirrors src/models/charlm/ layer for layer (nanoGPT-style decoder only): token
embedding + learned position embedding, n_layer pre-LayerNorm blocks
x = x + attn(ln1(x)); x = x + mlp(ln2(x)), then a final LayerNorm and an untied lm head with
bias. Attention has separate q, k, v Linear layers with bias and an output projection; the
causal softmax(q k^T / sqrt(d_head)) is written out (not F.scaled_dot_product_attention),
because genlab computes the weights explicitly to show them. MLP: Linear(d, 4d) -> GELU (erf)
-> Linear(4d, d). No dropout; LayerNorm eps 1e-5. Tokens are random integers made before
timing, so only model compute is measured.

Usage: python3 bench/charlm_reference.py [--threads N] [--steps N] [--warmup N] [--batch N]
       [--vocab V] [--block T] [--layers N] [--d-model D] [--heads H] [--json]
Prints one JSON object on a line of stdout; without --json a readable summary follows it.
"""
import argparse
import json
import math
import time

import torch
from torch import nn
import torch.nn.functional as F

BATCH, VOCAB, BLOCK, LAYERS, D_MODEL, HEADS, LR = 32, 65, 64, 3, 128, 4, 1e-3
SAMPLE_CHARS, TEMPERATURE = 200, 0.8


class Attention(nn.Module):
    def __init__(self, d, heads, block):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.proj = nn.Linear(d, d)
        self.heads = heads
        self.register_buffer("causal", torch.tril(torch.ones(block, block, dtype=torch.bool)))

    def forward(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        q = self.q(x).view(b, t, self.heads, dh).transpose(1, 2)
        k = self.k(x).view(b, t, self.heads, dh).transpose(1, 2)
        v = self.v(x).view(b, t, self.heads, dh).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
        att = att.masked_fill(~self.causal[:t, :t], float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, d, heads, block):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(d, eps=1e-5), Attention(d, heads, block)
        self.ln2 = nn.LayerNorm(d, eps=1e-5)
        self.fc, self.fc_out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc_out(F.gelu(self.fc(self.ln2(x))))


class CharLm(nn.Module):
    def __init__(self, vocab=VOCAB, block=BLOCK, layers=LAYERS, d=D_MODEL, heads=HEADS):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(block, d)
        self.blocks = nn.ModuleList(Block(d, heads, block) for _ in range(layers))
        self.ln_f, self.head = nn.LayerNorm(d, eps=1e-5), nn.Linear(d, vocab)
        self.block = block

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t))
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.ln_f(x))


def train_rate(net, data, steps, warmup):
    opt = torch.optim.Adam(net.parameters(), lr=LR, eps=1e-8)
    x, y = data[:, :-1], data[:, 1:]
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        logits = net(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps / (time.perf_counter() - start)


@torch.no_grad()
def generate(net, n):
    idx = torch.zeros(1, 1, dtype=torch.long)
    for _ in range(n):
        logits = net(idx[:, -net.block:])[:, -1, :]
        nxt = torch.multinomial(torch.softmax(logits / TEMPERATURE, dim=-1), 1)
        idx = torch.cat([idx, nxt], dim=1)
    return idx


def sample_chars_per_s(net, n=SAMPLE_CHARS):
    net.eval()
    generate(net, 10)  # warm-up
    start = time.perf_counter()
    generate(net, n)
    return n / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--vocab", type=int, default=VOCAB)
    ap.add_argument("--block", type=int, default=BLOCK)
    ap.add_argument("--layers", type=int, default=LAYERS)
    ap.add_argument("--d-model", type=int, default=D_MODEL)
    ap.add_argument("--heads", type=int, default=HEADS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = CharLm(args.vocab, args.block, args.layers, args.d_model, args.heads)
    data = torch.randint(0, args.vocab, (args.batch, args.block + 1))
    rate = train_rate(net, data, args.steps, args.warmup)
    chars = sample_chars_per_s(net)
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "charlm_params": sum(p.numel() for p in net.parameters()),
        "charlm_steps_per_s": rate,
        "charlm_tokens_per_s": rate * args.batch * args.block,
        "charlm_sample_chars_per_s": chars,
    }
    print(json.dumps(result))
    if not args.json:
        print(f"char transformer, {args.layers} layers d={args.d_model} {args.heads} heads, block {args.block} "
              f"({result['charlm_params']} parameters) train: {rate:.2f} steps/s, "
              f"{result['charlm_tokens_per_s']:.0f} tokens/s (batch {args.batch})")
        print(f"sampling {SAMPLE_CHARS} characters, batch 1, no KV cache: {chars:.0f} chars/s")


if __name__ == "__main__":
    main()
