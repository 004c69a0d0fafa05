//! MLP generator and discriminator for 2-D data (the networks of GAN Lab and of the ring
//! experiments of Metz et al. 2017, §3.1).

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use crate::models::fast_layers::leaky_relu;

use super::config::GanConfig;

fn stack(input: usize, hidden: usize, layers: usize, device: &Device) -> Vec<Linear> {
    (0..layers).map(|i| LinearConfig::new(if i == 0 { input } else { hidden }, hidden).init(device)).collect()
}

#[derive(Module, Debug)]
pub struct MlpGenerator {
    hidden: Vec<Linear>,
    out: Linear,
}

impl MlpGenerator {
    pub fn new(config: &GanConfig, device: &Device) -> Self {
        Self {
            hidden: stack(config.latent_dim, config.hidden, config.layers, device),
            out: LinearConfig::new(config.hidden, config.data_dim).init(device),
        }
    }

    /// # Shapes
    /// z: [B, Z] → x: [B, data_dim]
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let h = self.hidden.iter().fold(z, |h, layer| relu(layer.forward(h))); // [B, H]
        self.out.forward(h)
    }
}

#[derive(Module, Debug)]
pub struct MlpDiscriminator {
    hidden: Vec<Linear>,
    out: Linear,
}

impl MlpDiscriminator {
    pub fn new(config: &GanConfig, device: &Device) -> Self {
        Self { hidden: stack(config.data_dim, config.hidden, config.layers, device), out: LinearConfig::new(config.hidden, 1).init(device) }
    }

    /// Raw outputs: logits of "real" for the logistic games, critic values for WGAN.
    ///
    /// # Shapes
    /// x: [B, data_dim] → [B]
    pub fn forward(&self, x: Tensor<2>) -> Tensor<1> {
        // LeakyReLU 0.2 keeps gradients flowing back to the generator (Radford et al. 2015).
        let h = self.hidden.iter().fold(x, |h, layer| leaky_relu(layer.forward(h), 0.2)); // [B, H]
        self.out.forward(h).flatten(0, 1)
    }
}
