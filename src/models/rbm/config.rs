//! The RBM's configuration, saved beside its weights.

use serde::{Deserialize, Serialize};

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

    pub fn validate(&self) -> Result<(), String> {
        if self.visible() == 0 || self.hidden == 0 {
            return Err(format!("an RBM needs visible and hidden units, got {} and {}", self.visible(), self.hidden));
        }
        if !(1..=100).contains(&self.k) {
            return Err(format!("k = {} Gibbs steps is outside 1…100", self.k));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate < 10.0) {
            return Err(format!("learning rate {} must be in (0, 10)", self.learning_rate));
        }
        Ok(())
    }
}
