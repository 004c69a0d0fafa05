//! The VAE's configuration: everything needed to rebuild the network, saved beside its weights.

use serde::{Deserialize, Serialize};

use crate::models::bounds::{MAX_CLASSES, MAX_HIDDEN, MAX_SIDE};
use crate::models::{check_learning_rate, check_params, check_size, conv_params, linear_params};

/// The largest KL weight β: 10,000 (β-VAEs use 2-250; the GUI offers 0-10).
pub const MAX_BETA: f64 = 1e4;
/// The largest σ of the Gaussian decoder, in pixel units: 100 (the GUI offers 0.01-1 on
/// [0, 1] images; beyond 100 the reconstruction term no longer matters).
pub const MAX_SIGMA: f64 = 100.0;

/// Encoder/decoder shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum VaeArch {
    /// Fully connected, as in Kingma & Welling 2014, appendix C.2 (784-400-z).
    Mlp,
    /// Two stride-2 convolutions down, two transposed convolutions up (28 → 14 → 7 and back).
    Conv,
}

/// The decoder's distribution p(x | z) over pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Likelihood {
    /// Independent Bernoulli per pixel on grey values (the usual MNIST choice).
    Bernoulli,
    /// Gaussian with the decoder's mean and a fixed σ (`gaussian_sigma`).
    Gaussian,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VaeConfig {
    pub arch: VaeArch,
    /// Size of z. 2 makes the latent map the latent space itself.
    pub latent_dim: usize,
    /// Width of the hidden layer(s).
    pub hidden: usize,
    /// Weight of the KL term: 1 is the ELBO, >1 a β-VAE (Higgins et al. 2017).
    pub beta: f64,
    pub likelihood: Likelihood,
    /// σ of the Gaussian decoder, in pixel units ([0, 1] images).
    pub gaussian_sigma: f64,
    /// Condition encoder and decoder on the class label (CVAE, Sohn et al. 2015).
    pub conditional: bool,
    pub num_classes: usize,
    pub width: usize,
    pub height: usize,
    pub learning_rate: f64,
    /// false: a plain autoencoder with the same networks (z = μ, no noise, no KL term; see
    /// `crate::models::autoencoder`).
    pub variational: bool,
}

impl Default for VaeConfig {
    fn default() -> Self {
        Self {
            arch: VaeArch::Mlp,
            latent_dim: 2,
            hidden: 400,
            beta: 1.0,
            likelihood: Likelihood::Bernoulli,
            gaussian_sigma: 0.1,
            conditional: false,
            num_classes: 10,
            width: 28,
            height: 28,
            learning_rate: 1e-3,
            variational: true,
        }
    }
}

impl VaeConfig {
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// Number of label inputs fed to encoder and decoder (0 when unconditional).
    pub fn label_inputs(&self) -> usize {
        if self.conditional { self.num_classes } else { 0 }
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit. Sizes are bounded before any is multiplied
    /// (`crate::models::bounds`; latent dimensions at most 64, the GUI's largest), and the
    /// network's parameter count must fit in this machine's memory.
    pub fn validate(&self) -> Result<(), String> {
        check_size("width", self.width, 1, MAX_SIDE)?;
        check_size("height", self.height, 1, MAX_SIDE)?;
        if !(1..=64).contains(&self.latent_dim) {
            return Err(format!("latent dim {} is outside 1…64", self.latent_dim));
        }
        check_size("hidden", self.hidden, 1, MAX_HIDDEN)?;
        check_size("num_classes", self.num_classes, 0, MAX_CLASSES)?;
        if !(self.beta >= 0.0 && self.beta <= MAX_BETA) {
            return Err(format!("β = {} must be a finite number in [0, {MAX_BETA}]", self.beta));
        }
        if !(self.gaussian_sigma > 0.0 && self.gaussian_sigma <= MAX_SIGMA) {
            return Err(format!("Gaussian σ = {} must be > 0 and at most {MAX_SIGMA}", self.gaussian_sigma));
        }
        if self.arch == VaeArch::Conv && (self.width % 4 != 0 || self.height % 4 != 0 || self.width < 4 || self.height < 4) {
            return Err(format!("the conv VAE needs sides divisible by 4, got {}×{}", self.width, self.height));
        }
        if self.conditional && self.num_classes == 0 {
            return Err("a conditional VAE needs at least one class".into());
        }
        check_learning_rate(self.learning_rate)?;
        check_params("this VAE", self.num_params())
    }

    /// Parameters of the encoder and decoder (`mlp.rs`, `conv.rs`), from sizes `validate` has
    /// bounded; u128, so no size can overflow it.
    fn num_params(&self) -> u128 {
        let (pixels, labels, z, hidden) = (self.width * self.height, self.label_inputs(), self.latent_dim, self.hidden);
        let heads = linear_params(hidden, 2 * z) + linear_params(z + labels, hidden);
        match self.arch {
            VaeArch::Mlp => linear_params(pixels + labels, hidden) + heads + linear_params(hidden, pixels),
            VaeArch::Conv => {
                let flat = 64 * (self.height / 4) * (self.width / 4);
                conv_params(1, 32, 4)
                    + conv_params(32, 64, 4)
                    + linear_params(flat + labels, hidden)
                    + heads
                    + linear_params(hidden, flat)
                    + conv_params(64, 32, 4)
                    + conv_params(32, 1, 4)
            }
        }
    }
}
