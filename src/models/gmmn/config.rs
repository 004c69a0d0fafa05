//! The GMMN's configuration, saved beside its weights.

use serde::{Deserialize, Serialize};

use crate::models::bounds::{MAX_HIDDEN, MAX_LAYERS};
use crate::models::{check_data_sizes, check_learning_rate, check_params, check_size, linear_params};

/// The most RBF bandwidths in the kernel sum: 64 (Li et al. 2015 use 6); each costs one
/// pass over the batch's distance matrix.
pub const MAX_BANDWIDTHS: usize = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GmmnConfig {
    /// Values per sample: 2 for points, width × height for images.
    pub data_dim: usize,
    pub width: usize,
    pub height: usize,
    /// Size of z ~ N(0, I).
    pub latent_dim: usize,
    pub hidden: Vec<usize>,
    /// RBF bandwidths σ of the kernel sum k(a, b) = Σ_σ exp(−‖a − b‖² / (2σ²)).
    pub bandwidths: Vec<f64>,
    pub learning_rate: f64,
}

impl Default for GmmnConfig {
    /// The 2-D model: bandwidths from a ring mode's width to the ring's radius (the evaluation's
    /// MMD uses the same three, `eval::run::TOY_MMD_BANDWIDTHS`).
    fn default() -> Self {
        Self {
            data_dim: 2,
            width: 0,
            height: 0,
            latent_dim: 4,
            hidden: vec![128, 128, 128],
            bandwidths: vec![0.1, 0.5, 2.0],
            learning_rate: 1e-3,
        }
    }
}

impl GmmnConfig {
    /// The image model: pixel-space bandwidths of Li et al. 2015 (§4, MNIST: 2, 5, 10, 20, 40,
    /// 80), a sigmoid output in [0, 1].
    pub fn images(width: usize, height: usize) -> Self {
        Self {
            data_dim: width * height,
            width,
            height,
            latent_dim: 32,
            hidden: vec![256, 512],
            bandwidths: vec![2.0, 5.0, 10.0, 20.0, 40.0, 80.0],
            learning_rate: 1e-3,
        }
    }

    pub fn is_image(&self) -> bool {
        self.data_dim != 2
    }

    pub fn default_steps(&self) -> u32 {
        3000
    }

    pub fn default_batch_size(&self) -> usize {
        if self.is_image() { 128 } else { 256 }
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit: sizes within `crate::models::bounds`
    /// (bounded before any is multiplied), a latent of 1-256, 1-`bounds::MAX_LAYERS` hidden
    /// layers, 1-`MAX_BANDWIDTHS` positive bandwidths; the parameters must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        check_data_sizes(self.data_dim, 1, self.width, self.height, self.is_image())?;
        if !(1..=256).contains(&self.latent_dim) {
            return Err(format!("latent dim {} is outside 1…256", self.latent_dim));
        }
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err("the generator needs at least one hidden layer, none of width 0".into());
        }
        check_size("hidden (layers)", self.hidden.len(), 1, MAX_LAYERS)?;
        for &width in &self.hidden {
            check_size("hidden (width)", width, 1, MAX_HIDDEN)?;
        }
        if self.bandwidths.is_empty() || self.bandwidths.iter().any(|s| !(*s > 0.0 && s.is_finite())) {
            return Err("RBF bandwidths must be positive numbers (at least one)".into());
        }
        check_size("bandwidths", self.bandwidths.len(), 1, MAX_BANDWIDTHS)?;
        check_learning_rate(self.learning_rate)?;
        check_params("this GMMN", self.num_params())
    }

    /// Parameters of the generator (`generator.rs`), from sizes `validate` has bounded.
    fn num_params(&self) -> u128 {
        let mut width = self.latent_dim;
        let mut params = 0;
        for &h in &self.hidden {
            params += linear_params(width, h);
            width = h;
        }
        params + linear_params(width, self.data_dim)
    }
}
