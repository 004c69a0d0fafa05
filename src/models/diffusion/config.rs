//! The diffusion model's configuration: the denoiser, the noise schedule, what it predicts,
//! and how it samples.

use serde::{Deserialize, Serialize};

use super::process::Prediction;
use super::sampler::{SamplerKind, SamplerSettings};
use super::schedule::{Schedule, ScheduleKind};
use crate::models::bounds::{MAX_CHANNELS, MAX_CLASSES, MAX_HIDDEN, MAX_LAYERS, MAX_LEARNING_RATE, MAX_TIMESTEPS};
use crate::models::{check_data_sizes, check_params, check_rate, check_size, conv_params, linear_params};

/// The largest Min-SNR γ: 10⁶ (Hang et al. 2023 use 5; past about 10⁴ the weighting is the
/// plain one).
pub const MAX_MIN_SNR_GAMMA: f64 = 1e6;

/// Which denoiser network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DenoiserArch {
    /// An MLP with the timestep fed to every layer, for 2-D points.
    Mlp,
    /// The small UNet, for images whose sides are multiples of 4.
    Unet,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiffusionConfig {
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
    pub schedule: ScheduleKind,
    /// T, the number of noising steps (Ho et al. 2020 use 1000).
    pub timesteps: usize,
    /// The linear schedule's end points.
    pub beta_start: f64,
    pub beta_end: f64,
    pub prediction: Prediction,
    /// Class-conditional denoiser (for classifier-free guidance).
    pub conditional: bool,
    pub num_classes: usize,
    /// Probability of training on the "no label" slot instead of the label, so one network
    /// learns both the conditional and the unconditional model (Ho & Salimans 2022, §3.2: 0.1–0.2).
    pub label_dropout: f64,
    pub learning_rate: f64,
    /// Min-SNR-γ loss weighting (Hang et al. 2023, eq. 8): each example's loss is weighted so
    /// that low-noise timesteps, whose SNR exceeds γ, stop dominating the gradient. `None`
    /// trains with the plain uniform weighting of Ho et al. 2020.
    pub min_snr_gamma: Option<f64>,
    /// Sample from an exponential moving average of the weights with this largest decay
    /// (warmed up over the first steps); `None` samples from the raw weights.
    pub ema_decay: Option<f64>,
    /// How samples are drawn (live-adjustable).
    pub sampler: SamplerSettings,
}

impl Default for DiffusionConfig {
    /// The 2-D model: an MLP on points, 1000 linear steps.
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
            schedule: ScheduleKind::Linear,
            timesteps: 1000,
            beta_start: 1e-4,
            beta_end: 0.02,
            prediction: Prediction::Epsilon,
            conditional: false,
            num_classes: 0,
            label_dropout: 0.1,
            learning_rate: 1e-3,
            min_snr_gamma: None,
            ema_decay: None,
            sampler: SamplerSettings { kind: SamplerKind::Ddim, steps: 50, clip_sample: false, ..SamplerSettings::default() },
        }
    }
}

impl DiffusionConfig {
    /// The image model: the UNet at width 32, Min-SNR-5 weighting, x̂₀ clipped to the image
    /// range while sampling. Min-SNR-5 because, after the same 15 minutes on 2 CPU cores, it
    /// gave LeNet-FID 710 against 989 without it (500 samples; 800 and 900 steps at batch 32).
    pub fn unet(width: usize, height: usize, num_classes: usize, conditional: bool) -> Self {
        Self {
            arch: DenoiserArch::Unet,
            data_dim: width * height,
            width,
            height,
            num_classes,
            conditional,
            learning_rate: 1e-3,
            min_snr_gamma: Some(5.0),
            sampler: SamplerSettings { kind: SamplerKind::Ddim, steps: 20, clip_sample: true, ..SamplerSettings::default() },
            ..Self::default()
        }
    }

    /// Training steps of a default run: 2-D 3000 (measured 4.9 s on 2 CPU cores); images 3000,
    /// under 15 minutes on 2 CPU cores (measured: 836 s at 3.6 steps/s, batch 32, with
    /// genlab's flex kernels; many samples read as digits).
    pub fn default_steps(&self) -> u32 {
        match self.arch {
            DenoiserArch::Mlp => 3000,
            DenoiserArch::Unet => 3000,
        }
    }

    /// Images: 32. On the CPU, twice the steps of batch 64 in the same time gave cleaner
    /// samples after 15 minutes (measured: 900 steps at 32 against 450 at 64).
    pub fn default_batch_size(&self) -> usize {
        match self.arch {
            DenoiserArch::Mlp => 256,
            DenoiserArch::Unet => 32,
        }
    }

    /// Width of the timestep's sinusoidal embedding.
    pub fn sinusoid_dim(&self) -> usize {
        match self.arch {
            DenoiserArch::Mlp => 32,
            DenoiserArch::Unet => self.channels,
        }
    }

    pub fn build_schedule(&self) -> Result<Schedule, String> {
        Schedule::new(self.schedule, self.timesteps, self.beta_start, self.beta_end)
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit. Sizes (T included) are bounded before the
    /// schedule is built or any size is multiplied (`crate::models::bounds`), and the
    /// denoiser's parameters (and their average) must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        check_size("timesteps", self.timesteps, 2, MAX_TIMESTEPS)?;
        check_data_sizes(self.data_dim, 1, self.width, self.height, false)?;
        check_size("channels", self.channels, 1, MAX_CHANNELS)?;
        check_size("time_dim", self.time_dim, 1, MAX_HIDDEN)?;
        check_size("hidden", self.hidden, 1, MAX_HIDDEN)?;
        check_size("layers", self.layers, 1, MAX_LAYERS)?;
        // The "no label" slot is label K, so K itself must fit in a u8 label.
        check_size("num_classes", self.num_classes, 0, MAX_CLASSES - 1)?;
        self.build_schedule()?;
        if self.arch == DenoiserArch::Unet {
            if self.width % 4 != 0 || self.height % 4 != 0 || self.width == 0 || self.height == 0 {
                return Err(format!(
                    "the UNet halves the image twice, so its sides must be multiples of 4 (got {}×{})",
                    self.width, self.height
                ));
            }
            if self.channels % 8 != 0 {
                return Err(format!("the UNet's width must be a multiple of 8 (GroupNorm's 8 groups), not {}", self.channels));
            }
            if self.data_dim != self.width * self.height {
                return Err(format!("{} values per image do not make a {}×{} image", self.data_dim, self.width, self.height));
            }
        }
        if self.conditional && self.num_classes == 0 {
            return Err("a class-conditional model needs labelled data".into());
        }
        if !(0.0..1.0).contains(&self.label_dropout) {
            return Err(format!("the label dropout is a probability below 1, not {}", self.label_dropout));
        }
        if self.min_snr_gamma.is_some_and(|g| !(g > 0.0 && g <= MAX_MIN_SNR_GAMMA)) {
            return Err(format!("the Min-SNR γ must be above 0 and at most {MAX_MIN_SNR_GAMMA}"));
        }
        if self.ema_decay.is_some_and(|d| !(0.0..1.0).contains(&d)) {
            return Err("the weight average's decay lies in [0, 1)".into());
        }
        check_rate("learning_rate", self.learning_rate, MAX_LEARNING_RATE)?;
        let s = &self.sampler;
        if s.steps == 0 || s.steps > self.timesteps {
            return Err(format!("the sampler takes between 1 and T = {} steps, not {}", self.timesteps, s.steps));
        }
        if !(0.0..=1.0).contains(&s.eta) {
            return Err(format!("DDIM's η lies in [0, 1], not {}", s.eta));
        }
        if !(s.guidance >= 0.0 && s.guidance <= 20.0) {
            return Err(format!("the guidance scale lies in [0, 20], not {}", s.guidance));
        }
        // The averaged copy is one more f32 per parameter (a quarter of the training cost).
        let params = self.num_params();
        let params = if self.ema_decay.is_some() { params + params / 4 } else { params };
        check_params("this diffusion model", params)
    }

    /// Parameters of the denoiser (`mlp.rs`, `unet.rs`, `time_embedding.rs`), from sizes
    /// `validate` has bounded; u128, so no size can overflow it.
    fn num_params(&self) -> u128 {
        let t = self.time_dim;
        let classes = if self.conditional { self.num_classes as u128 } else { 0 };
        let label_slots = if self.conditional { classes + 1 } else { 0 };
        let time = linear_params(self.sinusoid_dim(), t) + linear_params(t, t) + label_slots * t as u128;
        match self.arch {
            DenoiserArch::Mlp => {
                let (d, h, layers) = (self.data_dim, self.hidden, self.layers as u128);
                time + linear_params(d, h)
                    + layers.saturating_sub(1) * linear_params(h, h)
                    + layers * linear_params(t, h)
                    + linear_params(h, d)
            }
            DenoiserArch::Unet => {
                let c = self.channels;
                // GroupNorm: a scale and a shift per channel.
                let res = |from: usize, to: usize| {
                    2 * from as u128
                        + conv_params(from, to, 3)
                        + linear_params(t, to)
                        + 2 * to as u128
                        + conv_params(to, to, 3)
                        + if from != to { conv_params(from, to, 1) } else { 0 }
                };
                time + conv_params(1, c, 3)
                    + res(c, c)
                    + conv_params(c, c, 3)
                    + res(c, 2 * c)
                    + conv_params(2 * c, 2 * c, 3)
                    + res(2 * c, 4 * c)
                    + 2 * res(4 * c, 4 * c)
                    + linear_params(4 * c, 12 * c)
                    + linear_params(4 * c, 4 * c)
                    + res(8 * c, 2 * c)
                    + conv_params(2 * c, 2 * c, 3)
                    + res(4 * c, c)
                    + conv_params(c, c, 3)
                    + res(2 * c, c)
                    + 2 * c as u128
                    + conv_params(c, 1, 3)
            }
        }
    }
}
