//! The PixelCNN's configuration, saved beside its weights.

use serde::{Deserialize, Serialize};

use crate::models::bounds::{MAX_CLASSES, MAX_SIDE};
use crate::models::{check_learning_rate, check_params, check_size, conv_params};

/// Pixels brighter than this are 1, the rest 0: the fixed binarization genlab uses for every
/// PixelCNN run, training and test alike (the thresholded variant of binarized MNIST; the
/// stochastic one of Salakhutdinov & Murray 2008 samples each pixel instead).
pub const BINARIZE_THRESHOLD: f32 = 0.5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PixelCnnConfig {
    pub width: usize,
    pub height: usize,
    /// Feature maps in every layer.
    pub channels: usize,
    /// Residual 3×3 mask-B layers after the 7×7 mask-A input layer.
    pub layers: usize,
    /// Side of the first (mask A) kernel; van den Oord et al. use 7.
    pub first_kernel: usize,
    /// Add a learned per-class bias to every feature map (a class-conditional PixelCNN).
    pub conditional: bool,
    pub num_classes: usize,
    pub learning_rate: f64,
}

impl Default for PixelCnnConfig {
    fn default() -> Self {
        Self { width: 28, height: 28, channels: 64, layers: 6, first_kernel: 7, conditional: false, num_classes: 10, learning_rate: 1e-3 }
    }
}

impl PixelCnnConfig {
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// Steps of the default run: a few minutes on two CPU cores.
    pub fn default_steps(&self) -> u32 {
        2000
    }

    pub fn default_batch_size(&self) -> usize {
        32
    }

    pub fn describe(&self) -> String {
        format!(
            "PixelCNN {}×{}: 7×7 mask A, {} residual 3×3 mask-B layers, {} channels{}",
            self.width,
            self.height,
            self.layers,
            self.channels,
            if self.conditional { ", class-conditional" } else { "" }
        )
        .replace("7×7", &format!("{0}×{0}", self.first_kernel))
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit. Image sides at most `bounds::MAX_SIDE`,
    /// 1-512 channels, at most 32 mask-B layers, an odd first kernel of 3-11, at most
    /// `bounds::MAX_CLASSES` classes; the parameters must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        if self.width == 0 || self.height == 0 {
            return Err(format!("image size {}×{} must be at least 1×1", self.width, self.height));
        }
        check_size("width", self.width, 1, MAX_SIDE)?;
        check_size("height", self.height, 1, MAX_SIDE)?;
        if !(1..=512).contains(&self.channels) {
            return Err(format!("channels {} is outside 1…512", self.channels));
        }
        if self.layers > 32 {
            return Err(format!("{} layers is more than 32", self.layers));
        }
        if self.first_kernel % 2 == 0 || !(3..=11).contains(&self.first_kernel) {
            return Err(format!("the first kernel's side {} must be odd, 3…11", self.first_kernel));
        }
        check_size("num_classes", self.num_classes, 0, MAX_CLASSES)?;
        if self.conditional && self.num_classes == 0 {
            return Err("a class-conditional PixelCNN needs at least one class".into());
        }
        check_learning_rate(self.learning_rate)?;
        check_params("this PixelCNN", self.num_params())
    }

    /// Parameters of the network (`model.rs`), from sizes `validate` has bounded.
    fn num_params(&self) -> u128 {
        let c = self.channels;
        let classes = if self.conditional { self.num_classes as u128 } else { 0 };
        conv_params(1, c, self.first_kernel)
            + classes * c as u128
            + self.layers as u128 * conv_params(c, c, 3)
            + conv_params(c, c, 1)
            + conv_params(c, 1, 1)
    }
}
