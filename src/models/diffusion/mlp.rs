//! The denoiser for 2-D points: an MLP whose every hidden layer is told the timestep.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::silu;

use super::config::DiffusionConfig;
use super::time_embedding::TimeEmbedding;

#[derive(Module, Debug)]
pub struct MlpDenoiser {
    time: TimeEmbedding,
    input: Linear,
    hidden: Vec<Linear>,
    /// The time vector projected into each hidden layer (input layer first).
    time_proj: Vec<Linear>,
    output: Linear,
}

impl MlpDenoiser {
    pub fn new(config: &DiffusionConfig, device: &Device) -> Self {
        let (d, h, t) = (config.data_dim, config.hidden, config.time_dim);
        let classes = if config.conditional { config.num_classes } else { 0 };
        Self {
            time: TimeEmbedding::new(config.sinusoid_dim(), t, classes, device),
            input: LinearConfig::new(d, h).init(device),
            hidden: (1..config.layers).map(|_| LinearConfig::new(h, h).init(device)).collect(),
            time_proj: (0..config.layers).map(|_| LinearConfig::new(t, h).init(device)).collect(),
            output: LinearConfig::new(h, d).init(device),
        }
    }

    /// # Shapes
    /// x: [B, D], sinusoid: [B, S], labels: one-hot [B, K+1] (conditional only) → [B, D]
    pub fn forward(&self, x: Tensor<2>, sinusoid: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        let temb = silu(self.time.forward(sinusoid, labels)); // [B, T]
        let mut h = self.input.forward(x); // [B, H]
        for (i, proj) in self.time_proj.iter().enumerate() {
            if i > 0 {
                h = self.hidden[i - 1].forward(h);
            }
            h = silu(h + proj.forward(temb.clone()));
        }
        self.output.forward(h)
    }
}
