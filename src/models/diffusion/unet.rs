//! A small UNet for 28×28 images (after Ho et al. 2020, Appendix B, scaled down): residual
//! blocks with GroupNorm and the time vector added inside, two stride-2 downsamplings
//! (28 → 14 → 7), one self-attention block at 7×7, and skip connections by concatenation.
//! With base width C the levels have C, 2C and 4C channels; C = 32 gives 1.4 M parameters.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{GroupNorm, GroupNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{silu, softmax};

use super::config::DiffusionConfig;
use super::time_embedding::TimeEmbedding;
use crate::models::fast_layers::group_norm;

/// Channels per group in every GroupNorm: 32 channels → 8 groups of 4 (Wu & He 2018 use 32
/// groups; at these widths 8 keeps each group several channels wide).
const GROUPS: usize = 8;

fn norm(channels: usize, device: &Device) -> GroupNorm {
    GroupNormConfig::new(GROUPS, channels).init(device)
}

fn conv3(from: usize, to: usize, stride: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([from, to], [3, 3]).with_stride([stride, stride]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

/// GroupNorm → SiLU → conv, twice, with the time vector added between, and a 1×1 conv on
/// the shortcut when the width changes.
#[derive(Module, Debug)]
pub struct ResBlock {
    norm1: GroupNorm,
    conv1: Conv2d,
    time: Linear,
    norm2: GroupNorm,
    conv2: Conv2d,
    skip: Option<Conv2d>,
}

impl ResBlock {
    fn new(from: usize, to: usize, time_dim: usize, device: &Device) -> Self {
        Self {
            norm1: norm(from, device),
            conv1: conv3(from, to, 1, device),
            time: LinearConfig::new(time_dim, to).init(device),
            norm2: norm(to, device),
            conv2: conv3(to, to, 1, device),
            skip: (from != to).then(|| Conv2dConfig::new([from, to], [1, 1]).init(device)),
        }
    }

    /// # Shapes
    /// x: [B, C_in, H, W], temb: [B, T] (already through SiLU) → [B, C_out, H, W]
    fn forward(&self, x: Tensor<4>, temb: Tensor<2>) -> Tensor<4> {
        let h = self.conv1.forward(silu(group_norm(&self.norm1, x.clone()))); // [B, C_out, H, W]
        let [b, c, _, _] = h.dims();
        let h = h + self.time.forward(temb).reshape([b, c, 1, 1]);
        let h = self.conv2.forward(silu(group_norm(&self.norm2, h)));
        match &self.skip {
            Some(skip) => skip.forward(x) + h,
            None => x + h,
        }
    }
}

/// Single-head self-attention over the positions of a feature map, with a residual.
#[derive(Module, Debug)]
pub struct Attention {
    norm: GroupNorm,
    qkv: Linear,
    out: Linear,
}

impl Attention {
    fn new(channels: usize, device: &Device) -> Self {
        Self {
            norm: norm(channels, device),
            qkv: LinearConfig::new(channels, 3 * channels).init(device),
            out: LinearConfig::new(channels, channels).init(device),
        }
    }

    /// # Shapes
    /// x: [B, C, H, W] → [B, C, H, W]
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, h, w] = x.dims();
        let tokens = group_norm(&self.norm, x.clone()).reshape([b, c, h * w]).swap_dims(1, 2); // [B, N, C]
        let qkv = self.qkv.forward(tokens).chunk(3, 2); // 3 × [B, N, C]
        let (q, k, v) = (qkv[0].clone(), qkv[1].clone(), qkv[2].clone());
        let scores = q.matmul(k.swap_dims(1, 2)).div_scalar((c as f64).sqrt()); // [B, N, N]
        let attended = softmax(scores, 2).matmul(v); // [B, N, C]
        let out = self.out.forward(attended).swap_dims(1, 2).reshape([b, c, h, w]);
        x + out
    }
}

/// Nearest-neighbour ×2 upsampling by broadcasting (each value fills a 2×2 block).
///
/// # Shapes
/// x: [B, C, H, W] → [B, C, 2H, 2W]
fn upsample(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    x.reshape([b, c, h, 1, w, 1]).expand([b, c, h, 2, w, 2]).reshape([b, c, 2 * h, 2 * w])
}

#[derive(Module, Debug)]
pub struct Unet {
    time: TimeEmbedding,
    conv_in: Conv2d,
    down0: ResBlock,
    pool0: Conv2d,
    down1: ResBlock,
    pool1: Conv2d,
    down2: ResBlock,
    mid1: ResBlock,
    attention: Attention,
    mid2: ResBlock,
    up2: ResBlock,
    upconv1: Conv2d,
    up1: ResBlock,
    upconv0: Conv2d,
    up0: ResBlock,
    norm_out: GroupNorm,
    conv_out: Conv2d,
    height: usize,
    width: usize,
}

impl Unet {
    pub fn new(config: &DiffusionConfig, device: &Device) -> Self {
        let c = config.channels;
        let t = config.time_dim;
        let classes = if config.conditional { config.num_classes } else { 0 };
        Self {
            time: TimeEmbedding::new(config.sinusoid_dim(), t, classes, device),
            conv_in: conv3(1, c, 1, device),
            down0: ResBlock::new(c, c, t, device),
            pool0: conv3(c, c, 2, device),
            down1: ResBlock::new(c, 2 * c, t, device),
            pool1: conv3(2 * c, 2 * c, 2, device),
            down2: ResBlock::new(2 * c, 4 * c, t, device),
            mid1: ResBlock::new(4 * c, 4 * c, t, device),
            attention: Attention::new(4 * c, device),
            mid2: ResBlock::new(4 * c, 4 * c, t, device),
            up2: ResBlock::new(8 * c, 2 * c, t, device),
            upconv1: conv3(2 * c, 2 * c, 1, device),
            up1: ResBlock::new(4 * c, c, t, device),
            upconv0: conv3(c, c, 1, device),
            up0: ResBlock::new(2 * c, c, t, device),
            norm_out: norm(c, device),
            conv_out: conv3(c, 1, 1, device),
            height: config.height,
            width: config.width,
        }
    }

    /// # Shapes
    /// x: [B, H·W] (noisy images in the network's [−1, 1] scale), sinusoid: [B, S],
    /// labels: one-hot [B, K+1] (conditional only) → [B, H·W]
    pub fn forward(&self, x: Tensor<2>, sinusoid: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        let [b, _] = x.dims();
        let (h, w) = (self.height, self.width);
        let temb = silu(self.time.forward(sinusoid, labels)); // [B, T]
        let x = self.conv_in.forward(x.reshape([b, 1, h, w])); // [B, C, H, W]
        let s0 = self.down0.forward(x, temb.clone()); // [B, C, H, W]
        let s1 = self.down1.forward(self.pool0.forward(s0.clone()), temb.clone()); // [B, 2C, H/2, W/2]
        let s2 = self.down2.forward(self.pool1.forward(s1.clone()), temb.clone()); // [B, 4C, H/4, W/4]
        let m = self.mid1.forward(s2.clone(), temb.clone());
        let m = self.mid2.forward(self.attention.forward(m), temb.clone()); // [B, 4C, H/4, W/4]
        let u = self.up2.forward(Tensor::cat(vec![m, s2], 1), temb.clone()); // [B, 2C, H/4, W/4]
        let u = self.upconv1.forward(upsample(u)); // [B, 2C, H/2, W/2]
        let u = self.up1.forward(Tensor::cat(vec![u, s1], 1), temb.clone()); // [B, C, H/2, W/2]
        let u = self.upconv0.forward(upsample(u)); // [B, C, H, W]
        let u = self.up0.forward(Tensor::cat(vec![u, s0], 1), temb); // [B, C, H, W]
        self.conv_out.forward(silu(group_norm(&self.norm_out, u))).reshape([b, h * w])
    }
}
