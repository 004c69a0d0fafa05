//! The velocity network v(x, t): one of the diffusion family's denoisers (the 2-D MLP or the
//! UNet, `crate::models::diffusion::nets::Denoiser`) with its output read as a velocity. It
//! only predicts; the path, the loss and the solvers live beside it.
//!
//! The denoisers take their time through a sinusoidal embedding made for whole timesteps
//! 0 … 999: frequencies from 1 down to 10⁻⁴ per unit. Fed t ∈ [0, 1] as it is, every
//! channel but the fastest few would hardly change over the whole path, and the network
//! could barely tell the times apart; fed t · 1000 (`TIME_SCALE`), it sees the same phases as
//! a diffusion model does over its timesteps. The value is continuous: any t works.

use burn::prelude::*;

use super::config::FlowMatchingConfig;
use crate::models::diffusion::nets::Denoiser;
use crate::models::diffusion::time_embedding::sinusoidal;

/// t ∈ [0, 1] is embedded as the diffusion timestep t · 1000.
pub const TIME_SCALE: f32 = 1000.0;

/// The network: a diffusion denoiser whose output is read as v(x, t).
pub type VelocityNet = Denoiser;

/// A fresh velocity network for `config`.
pub fn velocity_net(config: &FlowMatchingConfig, device: &Device) -> VelocityNet {
    Denoiser::new(&config.denoiser(), device)
}

/// The network's time input for each row's t: the sinusoid of t · `TIME_SCALE`, `dim` values
/// a row.
pub fn time_features(ts: &[f32], dim: usize) -> Vec<f32> {
    let scaled: Vec<f32> = ts.iter().map(|&t| t * TIME_SCALE).collect();
    sinusoidal(&scaled, dim)
}

/// v(x, t) for rows `x` with one t per row; the time input is made on `device`, x's own
/// (with autodiff while training, without while sampling).
///
/// # Shapes
/// x: [B, D], ts: B values → [B, D]
pub fn forward(net: &VelocityNet, x: Tensor<2>, ts: &[f32], sinusoid_dim: usize, device: &Device) -> Tensor<2> {
    let rows = ts.len();
    let sin = Tensor::<2>::from_data(TensorData::new(time_features(ts, sinusoid_dim), [rows, sinusoid_dim]), device); // [B, S]
    net.forward(x, sin, None)
}
