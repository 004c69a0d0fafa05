//! The evaluation classifier's configuration.

use serde::{Deserialize, Serialize};

use crate::models::bounds::{MAX_CHANNELS, MAX_CLASSES, MAX_HIDDEN, MAX_LEARNING_RATE, MAX_SIDE};
use crate::models::{check_params, check_rate, check_size, conv_params, linear_params};

/// The largest random shift while training: 8 pixels (the default is 2 on 28×28 digits).
pub const MAX_SHIFT: usize = 8;

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

    /// Checks a configuration from the command line or a classifier's `.json` file; the
    /// message names the field, the value and the limit: sides of 8 (three poolings) to
    /// `bounds::MAX_SIDE`, 2-`bounds::MAX_CLASSES` classes, layer widths within
    /// `bounds::MAX_CHANNELS` and `bounds::MAX_HIDDEN`, shifts of at most 8 pixels, a finite
    /// positive learning rate; the parameters must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        if self.width < 8 || self.height < 8 {
            return Err(format!("the classifier needs images of at least 8×8 pixels, not {}×{}", self.width, self.height));
        }
        check_size("width", self.width, 8, MAX_SIDE)?;
        check_size("height", self.height, 8, MAX_SIDE)?;
        if self.num_classes < 2 {
            return Err("a classifier needs at least two classes".into());
        }
        check_size("num_classes", self.num_classes, 2, MAX_CLASSES)?;
        if self.channels.contains(&0) || self.features == 0 {
            return Err("the classifier's layer widths must be positive".into());
        }
        for channels in self.channels {
            check_size("channels", channels, 1, MAX_CHANNELS)?;
        }
        check_size("features", self.features, 1, MAX_HIDDEN)?;
        check_size("max_shift", self.max_shift, 0, MAX_SHIFT)?;
        check_rate("learning_rate", self.learning_rate, MAX_LEARNING_RATE)?;
        let [c1, c2, c3] = self.channels;
        let (ph, pw) = self.pooled();
        let params = conv_params(1, c1, 3)
            + conv_params(c1, c2, 3)
            + conv_params(c2, c3, 3)
            + linear_params(c3 * ph * pw, self.features)
            + linear_params(self.features, self.num_classes);
        check_params("this classifier", params)
    }
}
