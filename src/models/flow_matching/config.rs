//! The flow-matching model's configuration, saved beside its weights: the velocity network (one
//! of the diffusion family's denoisers), Adam's step size, and how samples are drawn.

use serde::{Deserialize, Serialize};

use super::ode::Solver;
use crate::models::bounds::{MAX_LEARNING_RATE, MAX_TIMESTEPS};
use crate::models::diffusion::{DenoiserArch, DiffusionConfig};
use crate::models::{check_rate, check_size};

/// The most solver steps: 10,000, as many as `genlab sample --steps` takes (diffusion's
/// largest T); the live knob offers all of them on a logarithmic slider.
pub const MAX_SAMPLE_STEPS: usize = MAX_TIMESTEPS;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlowMatchingConfig {
    /// The 2-D MLP or the UNet (`crate::models::diffusion::mlp`, `unet`).
    pub arch: DenoiserArch,
    /// Values per example: 2 for points, width·height for images.
    pub data_dim: usize,
    pub width: usize,
    pub height: usize,
    /// The UNet's base width C (levels C, 2C, 4C); a multiple of 8 (GroupNorm's groups).
    pub channels: usize,
    /// Width of the time vector inside the network.
    pub time_dim: usize,
    /// The MLP's hidden width and number of hidden layers.
    pub hidden: usize,
    pub layers: usize,
    pub learning_rate: f64,
    /// How dx/dt = v(x, t) is integrated from noise to data (live-adjustable).
    pub solver: Solver,
    /// Equal solver steps from t = 0 to t = 1 (live-adjustable).
    pub sample_steps: usize,
}

impl Default for FlowMatchingConfig {
    /// The 2-D model: the diffusion family's MLP (3×128, time vector 128) and Euler with 50
    /// steps, whose step-through reads as plain dx = v dt. After 3,000 steps on the ring its
    /// PyTorch twin lands as close to the modes with Euler-50 as with Heun-25 (mean distance
    /// 0.057 and 0.055: `python3 bench/flow_matching_reference.py --ring 3000`).
    fn default() -> Self {
        Self {
            arch: DenoiserArch::Mlp,
            data_dim: 2,
            width: 0,
            height: 0,
            channels: 32,
            time_dim: 128,
            hidden: 128,
            layers: 3,
            learning_rate: 1e-3,
            solver: Solver::Euler,
            sample_steps: 50,
        }
    }
}

impl FlowMatchingConfig {
    /// The image model: the diffusion family's UNet at width 32 (1.4 M parameters), sampled
    /// with Heun in 10 steps (20 network calls): the UNet is slow on the CPU, and in the 2-D
    /// reference run Heun-10 matched Euler-20 to Euler-50 (`--ring 1000`: 0.114 against
    /// 0.115 and 0.104).
    pub fn images(width: usize, height: usize) -> Self {
        Self {
            arch: DenoiserArch::Unet,
            data_dim: width * height,
            width,
            height,
            solver: Solver::Heun,
            sample_steps: 10,
            ..Self::default()
        }
    }

    pub fn is_image(&self) -> bool {
        self.arch == DenoiserArch::Unet
    }

    /// The diffusion family's defaults: the same networks cost the same per step (2-D 3000;
    /// images 3000, under 15 minutes on 2 CPU cores as measured there).
    pub fn default_steps(&self) -> u32 {
        3000
    }

    pub fn default_batch_size(&self) -> usize {
        if self.is_image() { 32 } else { 256 }
    }

    /// The denoiser the velocity network is: the diffusion configuration with this network's
    /// sizes, unconditional, and nothing of the diffusion process used (its schedule and
    /// sampler fields keep their defaults and are never read).
    pub fn denoiser(&self) -> DiffusionConfig {
        DiffusionConfig {
            arch: self.arch,
            data_dim: self.data_dim,
            width: self.width,
            height: self.height,
            channels: self.channels,
            time_dim: self.time_dim,
            hidden: self.hidden,
            layers: self.layers,
            conditional: false,
            num_classes: 0,
            learning_rate: self.learning_rate,
            min_snr_gamma: None,
            ema_decay: None,
            ..DiffusionConfig::default()
        }
    }

    /// Width of the time input's sinusoidal embedding.
    pub fn sinusoid_dim(&self) -> usize {
        self.denoiser().sinusoid_dim()
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit. The network's sizes (the UNet's sides and
    /// width, and that its parameters fit in memory) are checked by the diffusion
    /// configuration it is built from, whose bounds are the same; only the words naming the
    /// model change.
    pub fn validate(&self) -> Result<(), String> {
        check_rate("learning_rate", self.learning_rate, MAX_LEARNING_RATE)?;
        check_size("sample_steps", self.sample_steps, 1, MAX_SAMPLE_STEPS)?;
        self.denoiser().validate().map_err(|e| e.replace("this diffusion model", "this flow-matching model"))
    }
}
