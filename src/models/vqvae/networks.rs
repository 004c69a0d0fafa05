//! The VQ-VAE's encoder and decoder. Van den Oord et al. 2017 (§4.1) go down with two stride-2
//! 4×4 convolutions and up with two transposed ones around residual blocks; this keeps the
//! strided convolutions and leaves the residual blocks out, to train on two CPU cores: the conv
//! VAE's layers (`crate::models::vae::conv`, DCGAN's shapes) with a map of vectors in the
//! middle instead of one vector.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::config::VqVaeConfig;

/// A stride-2 4×4 convolution: H × W → H/2 × W/2.
fn down(channels: [usize; 2], device: &Device) -> Conv2d {
    Conv2dConfig::new(channels, [4, 4]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

/// A stride-2 4×4 transposed convolution: H × W → 2H × 2W.
fn up(channels: [usize; 2], device: &Device) -> ConvTranspose2d {
    ConvTranspose2dConfig::new(channels, [4, 4]).with_stride([2, 2]).with_padding([1, 1]).init(device)
}

/// x ↦ z_e(x): grey images to a grid of D-dimensional vectors.
#[derive(Module, Debug)]
pub struct Encoder {
    conv1: Conv2d,
    conv2: Conv2d,
    /// 1×1 to D: each cell's vector is a linear read-out of its features (no activation, so
    /// z_e can take any value the codebook can).
    project: Conv2d,
}

impl Encoder {
    pub fn new(config: &VqVaeConfig, device: &Device) -> Self {
        let h = config.hidden;
        Self {
            conv1: down([1, h / 2], device),
            conv2: down([h / 2, h], device),
            project: Conv2dConfig::new([h, config.latent_dim], [1, 1]).init(device),
        }
    }

    /// # Shapes
    /// x: [B, 1, H, W] → z_e [B, D, H/4, W/4]
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu(self.conv1.forward(x)); // [B, hidden/2, H/2, W/2]
        let x = relu(self.conv2.forward(x)); // [B, hidden, H/4, W/4]
        self.project.forward(x) // [B, D, H/4, W/4]
    }
}

/// z_q ↦ the logits of p(x | z_q): the encoder mirrored.
#[derive(Module, Debug)]
pub struct Decoder {
    /// 3×3 from D: each cell's features see its neighbours' codes.
    input: Conv2d,
    deconv1: ConvTranspose2d,
    deconv2: ConvTranspose2d,
}

impl Decoder {
    pub fn new(config: &VqVaeConfig, device: &Device) -> Self {
        let h = config.hidden;
        Self {
            input: Conv2dConfig::new([config.latent_dim, h], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device),
            deconv1: up([h, h / 2], device),
            deconv2: up([h / 2, 1], device),
        }
    }

    /// # Shapes
    /// z: [B, D, H/4, W/4] → logits [B, 1, H, W]
    pub fn forward(&self, z: Tensor<4>) -> Tensor<4> {
        let h = relu(self.input.forward(z)); // [B, hidden, H/4, W/4]
        let h = relu(self.deconv1.forward(h)); // [B, hidden/2, H/2, W/2]
        self.deconv2.forward(h) // [B, 1, H, W]
    }
}
