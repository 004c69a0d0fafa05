//! DCGAN networks for small grey images (Radford et al. 2015, §3): a generator of transposed
//! convolutions with batch norm and ReLU, and a discriminator of strided convolutions with
//! LeakyReLU 0.2 and no pooling. For 28×28: z → 128×7×7 → 64×14×14 → 1×28×28.
//!
//! The class-conditional variant embeds the label: the generator sees [z, e_G(y)]; the
//! discriminator adds ⟨e_D(y), φ(x)⟩ to its output, the projection discriminator of Miyato &
//! Koyama 2018 (eq. 3). An embedding lookup is a bias-free linear map of the one-hot label.

use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::{relu, tanh};

use crate::models::fast_layers::leaky_relu;

use super::config::GanConfig;

fn embedding(config: &GanConfig, dim: usize, device: &Device) -> Option<Linear> {
    config.conditional.then(|| LinearConfig::new(config.num_classes, dim).with_bias(false).init(device))
}

#[derive(Module, Debug)]
pub struct DcganGenerator {
    /// z (and the label embedding) → the 2C×H/4×W/4 feature map.
    project: Linear,
    bn0: BatchNorm,
    up1: ConvTranspose2d,
    bn1: BatchNorm,
    up2: ConvTranspose2d,
    label: Option<Linear>,
    channels: usize,
    height: usize,
    width: usize,
}

impl DcganGenerator {
    pub fn new(config: &GanConfig, device: &Device) -> Self {
        let (c, h, w) = (config.channels, config.height, config.width);
        let up =
            |from: usize, to: usize| ConvTranspose2dConfig::new([from, to], [4, 4]).with_stride([2, 2]).with_padding([1, 1]).init(device);
        let label_dim = if config.conditional { config.latent_dim } else { 0 };
        Self {
            project: LinearConfig::new(config.latent_dim + label_dim, 2 * c * (h / 4) * (w / 4)).init(device),
            bn0: BatchNormConfig::new(2 * c).init(device),
            up1: up(2 * c, c),
            bn1: BatchNormConfig::new(c).init(device),
            up2: up(c, 1),
            label: embedding(config, config.latent_dim, device),
            channels: c,
            height: h,
            width: w,
        }
    }

    /// Images in [−1, 1] (tanh, as DCGAN).
    ///
    /// # Shapes
    /// z: [B, Z], labels: one-hot [B, classes] (conditional only) → [B, H·W]
    pub fn forward(&self, z: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        let [b, _] = z.dims();
        let z = match (&self.label, labels) {
            (Some(embed), Some(y)) => Tensor::cat(vec![z, embed.forward(y)], 1), // [B, 2Z]
            _ => z,
        };
        let (c, h, w) = (self.channels, self.height, self.width);
        let x = self.project.forward(z).reshape([b, 2 * c, h / 4, w / 4]); // [B, 2C, H/4, W/4]
        let x = relu(self.bn0.forward(x));
        let x = relu(self.bn1.forward(self.up1.forward(x))); // [B, C, H/2, W/2]
        tanh(self.up2.forward(x)).reshape([b, h * w]) // [B, 1, H, W] → [B, H·W]
    }
}

#[derive(Module, Debug)]
pub struct DcganDiscriminator {
    conv1: Conv2d,
    conv2: Conv2d,
    head: Linear,
    label: Option<Linear>,
    height: usize,
    width: usize,
}

impl DcganDiscriminator {
    pub fn new(config: &GanConfig, device: &Device) -> Self {
        let (c, h, w) = (config.channels, config.height, config.width);
        let down = |from: usize, to: usize| {
            Conv2dConfig::new([from, to], [4, 4]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(device)
        };
        let features = 2 * c * (h / 4) * (w / 4);
        Self {
            conv1: down(1, c),
            conv2: down(c, 2 * c),
            head: LinearConfig::new(features, 1).init(device),
            label: embedding(config, features, device),
            height: h,
            width: w,
        }
    }

    /// Raw outputs (logits or critic values), as the MLP discriminator's.
    ///
    /// # Shapes
    /// x: [B, H·W] in [−1, 1], labels: one-hot [B, classes] (conditional only) → [B]
    pub fn forward(&self, x: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<1> {
        let [b, _] = x.dims();
        let x = x.reshape([b, 1, self.height, self.width]); // [B, 1, H, W]
        let x = leaky_relu(self.conv1.forward(x), 0.2); // [B, C, H/2, W/2]
        let x = leaky_relu(self.conv2.forward(x), 0.2); // [B, 2C, H/4, W/4]
        let phi = x.flatten::<2>(1, 3); // [B, F]
        let out = self.head.forward(phi.clone()); // [B, 1]
        let out = match (&self.label, labels) {
            (Some(embed), Some(y)) => out + (embed.forward(y) * phi).sum_dim(1), // + ⟨e(y), φ(x)⟩
            _ => out,
        };
        out.flatten(0, 1)
    }
}
