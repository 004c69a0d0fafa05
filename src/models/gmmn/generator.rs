//! The GMMN generator: an MLP from z ~ N(0, I) to a sample (Li et al. 2015, §3.2), with a
//! sigmoid on images so pixels stay in [0, 1].

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};

use super::config::GmmnConfig;

#[derive(Module, Debug)]
pub struct Generator {
    hidden: Vec<Linear>,
    out: Linear,
    image: bool,
}

impl Generator {
    pub fn new(config: &GmmnConfig, device: &Device) -> Self {
        let mut width = config.latent_dim;
        let mut hidden = Vec::new();
        for &h in &config.hidden {
            hidden.push(LinearConfig::new(width, h).init(device));
            width = h;
        }
        Self { hidden, out: LinearConfig::new(width, config.data_dim).init(device), image: config.is_image() }
    }

    /// # Shapes
    /// z: [B, Z] → [B, data_dim]
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let h = self.hidden.iter().fold(z, |h, layer| relu(layer.forward(h)));
        let x = self.out.forward(h);
        if self.image { sigmoid(x) } else { x }
    }
}
