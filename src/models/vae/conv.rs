//! Convolutional encoder and decoder: 28×28 → 14×14 → 7×7 with stride-2 4×4 convolutions,
//! and back with transposed convolutions of the same shape (as in DCGAN, Radford et al. 2015).

use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::config::VaeConfig;

const C1: usize = 32;
const C2: usize = 64;

fn down(channels: [usize; 2], device: &Device) -> Conv2d {
    Conv2dConfig::new(channels, [4, 4]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
}

fn up(channels: [usize; 2], device: &Device) -> ConvTranspose2d {
    ConvTranspose2dConfig::new(channels, [4, 4]).with_stride([2, 2]).with_padding([1, 1]).init(device)
}

#[derive(Module, Debug)]
pub struct ConvEncoder {
    conv1: Conv2d,
    conv2: Conv2d,
    hidden: Linear,
    head: Linear,
    height: usize,
    width: usize,
}

impl ConvEncoder {
    pub fn new(config: &VaeConfig, device: &Device) -> Self {
        let flat = C2 * (config.height / 4) * (config.width / 4);
        Self {
            conv1: down([1, C1], device),
            conv2: down([C1, C2], device),
            hidden: LinearConfig::new(flat + config.label_inputs(), config.hidden).init(device),
            head: LinearConfig::new(config.hidden, 2 * config.latent_dim).init(device),
            height: config.height,
            width: config.width,
        }
    }

    /// # Shapes
    /// x: [B, H·W], labels: [B, classes] or None → [B, 2Z]
    pub fn forward(&self, x: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        let [b, _] = x.dims();
        let x = x.reshape([b, 1, self.height, self.width]); // [B, 1, H, W]
        let x = relu(self.conv1.forward(x)); // [B, 32, H/2, W/2]
        let x = relu(self.conv2.forward(x)); // [B, 64, H/4, W/4]
        let mut h = x.flatten::<2>(1, 3); // [B, 64·H/4·W/4]
        if let Some(y) = labels {
            h = Tensor::cat(vec![h, y], 1);
        }
        self.head.forward(relu(self.hidden.forward(h)))
    }
}

#[derive(Module, Debug)]
pub struct ConvDecoder {
    hidden: Linear,
    project: Linear,
    deconv1: ConvTranspose2d,
    deconv2: ConvTranspose2d,
    height: usize,
    width: usize,
}

impl ConvDecoder {
    pub fn new(config: &VaeConfig, device: &Device) -> Self {
        let flat = C2 * (config.height / 4) * (config.width / 4);
        Self {
            hidden: LinearConfig::new(config.latent_dim + config.label_inputs(), config.hidden).init(device),
            project: LinearConfig::new(config.hidden, flat).init(device),
            deconv1: up([C2, C1], device),
            deconv2: up([C1, 1], device),
            height: config.height,
            width: config.width,
        }
    }

    /// # Shapes
    /// z: [B, Z (+ classes)] → logits [B, H·W]
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let [b, _] = z.dims();
        let h = relu(self.project.forward(relu(self.hidden.forward(z)))); // [B, 64·H/4·W/4]
        let h = h.reshape([b, C2, self.height / 4, self.width / 4]); // [B, 64, H/4, W/4]
        let h = relu(self.deconv1.forward(h)); // [B, 32, H/2, W/2]
        let logits = self.deconv2.forward(h); // [B, 1, H, W]
        logits.reshape([b, self.height * self.width])
    }
}
