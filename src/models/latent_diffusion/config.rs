//! The latent diffusion model's configuration, saved beside its weights: the frozen autoencoder
//! it works in (where it came from, and its own configuration, whose latent size is this
//! model's data size), the denoiser over the latents (the diffusion family's MLP), the noise
//! schedule, how samples are drawn, and the per-dimension mean and spread of the latents once
//! they are measured (`normaliser.rs`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::models::bounds::MAX_LEARNING_RATE;
use crate::models::check_rate;
use crate::models::diffusion::{DenoiserArch, DiffusionConfig, Prediction, SamplerKind, SamplerSettings, Schedule, ScheduleKind, Spacing};
use crate::models::vae::VaeConfig;

/// The longest autoencoder path kept in the configuration: 4,096 bytes (Linux's PATH_MAX).
pub const MAX_PATH_BYTES: usize = 4096;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LatentDiffusionConfig {
    /// The VAE or autoencoder checkpoint folder the latents come from, as it was given. A
    /// record only: its weights are copied into this model's checkpoint, which then needs the
    /// folder no more.
    pub autoencoder: String,
    /// That checkpoint's configuration (an autoencoder's has `variational: false`).
    pub autoencoder_config: VaeConfig,
    /// The images' sides, the autoencoder's (kept here too, where tools that size a request
    /// from `config.json` look for them: `crate::models::checkpoint_values_per_sample`).
    pub width: usize,
    pub height: usize,
    /// Train on the posterior means μ(x) (true), or on draws z = μ + σ·ε from q(z | x) (false;
    /// a plain autoencoder has no q, so both are μ there).
    pub use_mean: bool,
    /// The MLP denoiser's hidden width, hidden layers and time-vector width
    /// (`crate::models::diffusion::mlp`).
    pub hidden: usize,
    pub layers: usize,
    pub time_dim: usize,
    pub schedule: ScheduleKind,
    /// T, the number of noising steps.
    pub timesteps: usize,
    /// The linear schedule's end points (Ho et al. 2020, §4).
    pub beta_start: f64,
    pub beta_end: f64,
    pub prediction: Prediction,
    pub learning_rate: f64,
    /// How samples are drawn (live-adjustable). `clip_sample` is never used: the normalised
    /// latents are not bounded to [−1, 1] as images are.
    pub sampler: SamplerSettings,
    /// Per latent dimension, the mean and standard deviation the latents are normalised by;
    /// empty until measured on the first training batch (`normaliser.rs`).
    pub latent_mean: Vec<f32>,
    pub latent_std: Vec<f32>,
}

impl Default for LatentDiffusionConfig {
    /// Over the VAE family's default model (MLP 784-400-2): the 2-D diffusion model's MLP
    /// widened to 256 for latents of up to 64 dimensions, T = 1000 linear steps, and DDIM with
    /// 50 steps, the number `genlab bench` times pixel-space diffusion with.
    fn default() -> Self {
        let autoencoder_config = VaeConfig::default();
        Self {
            autoencoder: String::new(),
            width: autoencoder_config.width,
            height: autoencoder_config.height,
            autoencoder_config,
            use_mean: true,
            hidden: 256,
            layers: 3,
            time_dim: 128,
            schedule: ScheduleKind::Linear,
            timesteps: 1000,
            beta_start: 1e-4,
            beta_end: 0.02,
            prediction: Prediction::Epsilon,
            learning_rate: 1e-3,
            sampler: SamplerSettings {
                kind: SamplerKind::Ddim,
                steps: 50,
                eta: 0.0,
                spacing: Spacing::Leading,
                guidance: 1.0,
                clip_sample: false,
            },
            latent_mean: Vec::new(),
            latent_std: Vec::new(),
        }
    }
}

impl LatentDiffusionConfig {
    /// The defaults over the autoencoder of the checkpoint folder `dir`, whose configuration
    /// is `autoencoder_config`.
    pub fn new(dir: &Path, autoencoder_config: VaeConfig) -> Self {
        Self {
            autoencoder: dir.display().to_string(),
            width: autoencoder_config.width,
            height: autoencoder_config.height,
            autoencoder_config,
            ..Self::default()
        }
    }

    /// The latent size: the values of one example the diffusion process sees.
    pub fn latent_dim(&self) -> usize {
        self.autoencoder_config.latent_dim
    }

    /// Steps of a default run. Not yet measured against the pixel-space UNet's 3000: the
    /// denoiser is an MLP on a few numbers, so steps cost a small fraction of the UNet's.
    pub fn default_steps(&self) -> u32 {
        3000
    }

    /// 256, the 2-D diffusion model's: each example is a handful of latent numbers.
    pub fn default_batch_size(&self) -> usize {
        256
    }

    /// The denoiser as the diffusion family configures it: its 2-D MLP with the latent size
    /// as the data size, unconditional, with this model's schedule and sampler. Only the
    /// network's sizes and the process's settings are read from it.
    pub fn denoiser(&self) -> DiffusionConfig {
        DiffusionConfig {
            arch: DenoiserArch::Mlp,
            data_dim: self.latent_dim(),
            width: 0,
            height: 0,
            time_dim: self.time_dim,
            hidden: self.hidden,
            layers: self.layers,
            schedule: self.schedule,
            timesteps: self.timesteps,
            beta_start: self.beta_start,
            beta_end: self.beta_end,
            prediction: self.prediction,
            conditional: false,
            num_classes: 0,
            learning_rate: self.learning_rate,
            min_snr_gamma: None,
            ema_decay: None,
            sampler: SamplerSettings { clip_sample: false, guidance: 1.0, ..self.sampler },
            ..DiffusionConfig::default()
        }
    }

    /// The same configuration with the sampler's step count held to T (a shorter schedule
    /// than the default 50 sampling steps, say T = 20, samples with all 20).
    pub fn with_sampler_steps_within_t(self) -> Self {
        let steps = self.sampler.steps.clamp(1, self.timesteps.max(1));
        Self { sampler: SamplerSettings { steps, ..self.sampler }, ..self }
    }

    /// Width of the timestep's sinusoidal embedding (the diffusion MLP's).
    pub fn sinusoid_dim(&self) -> usize {
        self.denoiser().sinusoid_dim()
    }

    pub fn build_schedule(&self) -> Result<Schedule, String> {
        Schedule::new(self.schedule, self.timesteps, self.beta_start, self.beta_end)
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit. The autoencoder's configuration is checked
    /// against the VAE family's bounds, the denoiser's sizes, T and the sampler against the
    /// diffusion family's (the same network, the same process), and the measured latent
    /// statistics must be finite, one per latent dimension, with every spread above 0.
    pub fn validate(&self) -> Result<(), String> {
        if self.autoencoder.len() > MAX_PATH_BYTES {
            return Err(format!("the autoencoder's path is {} bytes long, more than {MAX_PATH_BYTES}", self.autoencoder.len()));
        }
        self.autoencoder_config.validate().map_err(|e| format!("the autoencoder's configuration: {e}"))?;
        if self.autoencoder_config.conditional {
            return Err("the autoencoder is class-conditional: its decoder needs a label, and latent diffusion here draws \
                        unlabelled latents. Train one without --conditional"
                .into());
        }
        let (w, h) = (self.autoencoder_config.width, self.autoencoder_config.height);
        if (self.width, self.height) != (w, h) {
            return Err(format!("images of {}×{} do not match the autoencoder's {w}×{h}", self.width, self.height));
        }
        check_rate("learning_rate", self.learning_rate, MAX_LEARNING_RATE)?;
        self.denoiser().validate().map_err(|e| e.replace("this diffusion model", "this latent diffusion model"))?;
        let dim = self.latent_dim();
        let (means, stds) = (self.latent_mean.len(), self.latent_std.len());
        if !((means == 0 && stds == 0) || (means == dim && stds == dim)) {
            return Err(format!(
                "latent_mean and latent_std hold {means} and {stds} values: both none (not measured yet) or one per latent dimension ({dim})"
            ));
        }
        if self.latent_mean.iter().any(|m| !m.is_finite()) {
            return Err("latent_mean holds a value that is not a finite number".into());
        }
        if self.latent_std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err("latent_std holds a value that is not a finite number above 0".into());
        }
        Ok(())
    }
}
