//! The evaluation classifier's configuration.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassifierConfig {
    pub width: usize,
    pub height: usize,
    pub num_classes: usize,
    /// Channels of the three 3×3 conv layers; each is followed by 2×2 max pooling.
    pub channels: [usize; 3],
    /// Width of the penultimate layer: the feature vector FID and PRDC are computed on
    /// (64–128 in the issue; 128 keeps the covariance well conditioned with 10k samples).
    pub features: usize,
    pub learning_rate: f64,
    /// Random translations of up to this many pixels while training (a cheap augmentation
    /// that matters with MNIST's 8k-image training split).
    pub max_shift: usize,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self { width: 28, height: 28, num_classes: 10, channels: [32, 64, 64], features: 128, learning_rate: 1e-3, max_shift: 2 }
    }
}

impl ClassifierConfig {
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// Spatial size after the three poolings (floor division, as max pooling does).
    pub fn pooled(&self) -> (usize, usize) {
        (self.height / 8, self.width / 8)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.width < 8 || self.height < 8 {
            return Err(format!("the classifier needs images of at least 8×8 pixels, not {}×{}", self.width, self.height));
        }
        if self.num_classes < 2 {
            return Err("a classifier needs at least two classes".into());
        }
        if self.channels.contains(&0) || self.features == 0 {
            return Err("the classifier's layer widths must be positive".into());
        }
        Ok(())
    }
}
