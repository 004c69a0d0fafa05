//! The flow's configuration, saved beside its weights.

use serde::{Deserialize, Serialize};

use crate::models::bounds::MAX_HIDDEN;
use crate::models::{check_data_sizes, check_learning_rate, check_params, check_size, linear_params};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlowConfig {
    /// Values per example: 2 for points, width × height for images.
    pub data_dim: usize,
    pub width: usize,
    pub height: usize,
    /// Affine coupling layers; the masks alternate so every coordinate is transformed.
    pub couplings: usize,
    /// Width of the two hidden layers of each coupling's scale-and-shift network.
    pub hidden: usize,
    pub learning_rate: f64,
    /// α of the logit transform of images, y = logit(α + (1 − 2α) x) (Dinh et al. 2017, §4.1).
    pub alpha: f64,
}

impl Default for FlowConfig {
    /// The 2-D model.
    fn default() -> Self {
        Self { data_dim: 2, width: 0, height: 0, couplings: 8, hidden: 64, learning_rate: 1e-3, alpha: 0.05 }
    }
}

impl FlowConfig {
    /// The image model: checkerboard masks over the pixels, MLP couplings.
    pub fn images(width: usize, height: usize) -> Self {
        Self { data_dim: width * height, width, height, couplings: 6, hidden: 256, learning_rate: 1e-3, alpha: 0.05 }
    }

    pub fn is_image(&self) -> bool {
        self.data_dim != 2
    }

    pub fn default_steps(&self) -> u32 {
        if self.is_image() { 2000 } else { 3000 }
    }

    pub fn default_batch_size(&self) -> usize {
        if self.is_image() { 64 } else { 256 }
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit: sizes within `crate::models::bounds`
    /// (bounded before any is multiplied), 1-32 couplings, α in (0, 0.5); the parameters
    /// must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        check_data_sizes(self.data_dim, 2, self.width, self.height, self.is_image())?;
        if !(1..=32).contains(&self.couplings) {
            return Err(format!("{} coupling layers is outside 1…32", self.couplings));
        }
        if self.hidden == 0 {
            return Err("the coupling networks need a hidden width of at least 1".into());
        }
        check_size("hidden", self.hidden, 1, MAX_HIDDEN)?;
        if !(self.alpha > 0.0 && self.alpha < 0.5) {
            return Err(format!("the logit transform's α = {} must be in (0, 0.5)", self.alpha));
        }
        check_learning_rate(self.learning_rate)?;
        check_params("this flow", self.num_params())
    }

    /// Parameters of the couplings (`coupling.rs`), from sizes `validate` has bounded.
    fn num_params(&self) -> u128 {
        let (d, h) = (self.data_dim, self.hidden);
        self.couplings as u128 * (linear_params(d, h) + linear_params(h, h) + linear_params(h, 2 * d))
    }

    /// Layer `layer`'s mask: 1 for the coordinates it conditions on (passed through), 0 for the
    /// ones it transforms. Points alternate the two coordinates; images use a checkerboard
    /// whose parity alternates (Dinh et al. 2017, §3.4 and Figure 3).
    pub fn mask(&self, layer: usize) -> Vec<f32> {
        (0..self.data_dim)
            .map(|i| {
                let parity = if self.is_image() { i / self.width + i % self.width } else { i };
                if (parity + layer) % 2 == 0 { 1.0 } else { 0.0 }
            })
            .collect()
    }
}
