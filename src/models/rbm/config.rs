//! The RBM's configuration, saved beside its weights.

use serde::{Deserialize, Serialize};

use crate::models::bounds::{MAX_HIDDEN, MAX_SIDE};
use crate::models::{check_params, check_size};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RbmConfig {
    pub width: usize,
    pub height: usize,
    pub hidden: usize,
    /// Gibbs steps per update (the k of CD-k); live.
    pub k: usize,
    /// Persistent chains (PCD, Tieleman 2008) instead of chains restarted at the data.
    pub persistent: bool,
    /// Plain SGD step on the CD gradient.
    pub learning_rate: f64,
}

impl Default for RbmConfig {
    fn default() -> Self {
        // PCD at 0.01: CD-1 chains from noise fell into one spurious blob in 3,000 steps on MNIST,
        // PCD-1 chains gave digits (see the README).
        Self { width: 28, height: 28, hidden: 128, k: 1, persistent: true, learning_rate: 0.01 }
    }
}

impl RbmConfig {
    pub fn visible(&self) -> usize {
        self.width * self.height
    }

    pub fn default_steps(&self) -> u32 {
        3000
    }

    pub fn default_batch_size(&self) -> usize {
        64
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit: sides at most `bounds::MAX_SIDE`, at most
    /// `bounds::MAX_HIDDEN` hidden units, k of 1-100, a learning rate in (0, 10); the weights
    /// must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        check_size("width", self.width, 1, MAX_SIDE)?;
        check_size("height", self.height, 1, MAX_SIDE)?;
        check_size("hidden", self.hidden, 1, MAX_HIDDEN)?;
        if !(1..=100).contains(&self.k) {
            return Err(format!("k = {} Gibbs steps is outside 1…100", self.k));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate < 10.0) {
            return Err(format!("learning rate {} must be in (0, 10)", self.learning_rate));
        }
        // W, the visible biases and the hidden biases.
        let (v, h) = (self.visible() as u128, self.hidden as u128);
        check_params("this RBM", v * h + v + h)
    }
}
