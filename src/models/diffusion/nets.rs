//! The denoiser the configuration asks for. It only predicts; the process lives beside it.

use burn::prelude::*;

use super::config::{DenoiserArch, DiffusionConfig};
use super::mlp::MlpDenoiser;
use super::unet::Unet;

#[derive(Module, Debug)]
pub enum Denoiser {
    Mlp(MlpDenoiser),
    Unet(Unet),
}

impl Denoiser {
    pub fn new(config: &DiffusionConfig, device: &Device) -> Self {
        match config.arch {
            DenoiserArch::Mlp => Denoiser::Mlp(MlpDenoiser::new(config, device)),
            DenoiserArch::Unet => Denoiser::Unet(Unet::new(config, device)),
        }
    }

    /// The prediction (ε, x₀ or v) for noisy inputs at the embedded timesteps.
    ///
    /// # Shapes
    /// x: [B, D], sinusoid: [B, S], labels: one-hot [B, K+1] (conditional only) → [B, D]
    pub fn forward(&self, x: Tensor<2>, sinusoid: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        match self {
            Denoiser::Mlp(m) => m.forward(x, sinusoid, labels),
            Denoiser::Unet(u) => u.forward(x, sinusoid, labels),
        }
    }
}
