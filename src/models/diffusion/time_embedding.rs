//! Telling the denoiser which noise level it is looking at: the sinusoidal embedding of the
//! timestep (Vaswani et al. 2017, §3.5, as used by Ho et al. 2020, Appendix B), then a small MLP
//! that learns what to make of it, plus the class label for a conditional model.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::silu;

/// sin(t·ω_i) for the first half of the values and cos(t·ω_i) for the second, with
/// ω_i = 10000^(−i/(dim/2 − 1)) (the DDPM reference code's `get_timestep_embedding`).
pub fn sinusoidal(timesteps: &[f32], dim: usize) -> Vec<f32> {
    let half = dim / 2;
    let scale = (10000f64).ln() / (half.max(2) - 1) as f64;
    let mut out = Vec::with_capacity(timesteps.len() * dim);
    for &t in timesteps {
        let row_start = out.len();
        out.extend((0..half).map(|i| (t as f64 * (-scale * i as f64).exp()).sin() as f32));
        out.extend((0..half).map(|i| (t as f64 * (-scale * i as f64).exp()).cos() as f32));
        out.resize(row_start + dim, 0.0);
    }
    out
}

/// The timestep's sinusoid (and the label) → one conditioning vector per example.
#[derive(Module, Debug)]
pub struct TimeEmbedding {
    first: Linear,
    second: Linear,
    /// A bias-free map of the one-hot label (K classes and the "no label" slot K used by
    /// classifier-free guidance), added to the time vector.
    label: Option<Linear>,
}

impl TimeEmbedding {
    /// `sinusoid_dim` values in, `dim` out; `classes` = K for a conditional model, 0 otherwise.
    pub fn new(sinusoid_dim: usize, dim: usize, classes: usize, device: &Device) -> Self {
        Self {
            first: LinearConfig::new(sinusoid_dim, dim).init(device),
            second: LinearConfig::new(dim, dim).init(device),
            label: (classes > 0).then(|| LinearConfig::new(classes + 1, dim).with_bias(false).init(device)),
        }
    }

    /// # Shapes
    /// sinusoid: [B, S], labels: one-hot [B, K+1] (conditional only) → [B, dim]
    pub fn forward(&self, sinusoid: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        let e = self.second.forward(silu(self.first.forward(sinusoid)));
        match (&self.label, labels) {
            (Some(embed), Some(y)) => e + embed.forward(y),
            _ => e,
        }
    }
}
