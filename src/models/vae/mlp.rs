//! Fully connected encoder and decoder (Kingma & Welling 2014, appendix C.2: one hidden layer).

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::config::VaeConfig;

#[derive(Module, Debug)]
pub struct MlpEncoder {
    hidden: Linear,
    /// Outputs μ and log σ² side by side.
    head: Linear,
}

impl MlpEncoder {
    pub fn new(config: &VaeConfig, device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(config.pixels() + config.label_inputs(), config.hidden).init(device),
            head: LinearConfig::new(config.hidden, 2 * config.latent_dim).init(device),
        }
    }

    /// # Shapes
    /// x: [B, H·W] (labels already concatenated, if any) → [B, 2Z]
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.head.forward(relu(self.hidden.forward(x)))
    }
}

#[derive(Module, Debug)]
pub struct MlpDecoder {
    hidden: Linear,
    out: Linear,
}

impl MlpDecoder {
    pub fn new(config: &VaeConfig, device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(config.latent_dim + config.label_inputs(), config.hidden).init(device),
            out: LinearConfig::new(config.hidden, config.pixels()).init(device),
        }
    }

    /// # Shapes
    /// z: [B, Z (+ classes)] → logits [B, H·W]
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        self.out.forward(relu(self.hidden.forward(z)))
    }
}
