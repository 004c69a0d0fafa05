//! The GAN's configuration: networks, game and optimiser settings.

use serde::{Deserialize, Serialize};

use super::objective::Objective;
use crate::models::bounds::{MAX_CHANNELS, MAX_CLASSES, MAX_HIDDEN, MAX_LATENT, MAX_LAYERS, MAX_LEARNING_RATE};
use crate::models::{check_data_sizes, check_params, check_rate, check_size, conv_params, linear_params};

/// The largest WGAN clipping bound c: 100 (Arjovsky et al. 2017 use 0.01; past a few units
/// clipping no longer constrains a network initialised near 0).
pub const MAX_CLIP: f64 = 100.0;

/// Which generator/discriminator pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum GanArch {
    /// MLPs for 2-D points (the GAN lab).
    Mlp,
    /// DCGAN convolutions for 28×28 grey images (Radford et al. 2015).
    Dcgan,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GanConfig {
    pub arch: GanArch,
    /// Values per example: 2 for points, width·height for images.
    pub data_dim: usize,
    /// Image size (DCGAN only; both must be multiples of 4).
    pub width: usize,
    pub height: usize,
    /// Dimension of z ~ N(0, I); 2 lets the lab draw the generator's warp of the z-plane.
    pub latent_dim: usize,
    /// Width of the MLP's hidden layers.
    pub hidden: usize,
    /// Hidden layers in each MLP.
    pub layers: usize,
    /// DCGAN's narrowest feature maps C (the others have 2C).
    pub channels: usize,
    /// Class-conditional generator and discriminator (DCGAN only).
    pub conditional: bool,
    pub num_classes: usize,
    pub objective: Objective,
    pub lr_g: f64,
    pub lr_d: f64,
    /// Adam's β1; 0.5 as DCGAN (Radford et al. 2015, §4) recommends for GANs.
    pub beta1: f64,
    /// Discriminator steps per generator step (n_critic of WGAN, Algorithm 1).
    pub d_steps: usize,
    /// One-sided label smoothing ε: real targets become 1 − ε (Salimans et al. 2016, §3.4).
    pub label_smoothing: f64,
    /// WGAN weight clipping bound c (Arjovsky et al. 2017: 0.01).
    pub clip: f64,
}

impl Default for GanConfig {
    fn default() -> Self {
        Self {
            arch: GanArch::Mlp,
            data_dim: 2,
            width: 28,
            height: 28,
            latent_dim: 2,
            hidden: 128,
            layers: 3,
            channels: 64,
            conditional: false,
            num_classes: 10,
            objective: Objective::NonSaturating,
            lr_g: 1e-3,
            lr_d: 1e-3,
            beta1: 0.5,
            d_steps: 1,
            label_smoothing: 0.0,
            clip: 0.01,
        }
    }
}

impl GanConfig {
    /// DCGAN on 28×28 images with the paper's optimiser (Adam, lr 2e-4, β1 0.5; §4) and a
    /// 64-d latent.
    pub fn dcgan(width: usize, height: usize, num_classes: usize, conditional: bool) -> Self {
        Self {
            arch: GanArch::Dcgan,
            data_dim: width * height,
            width,
            height,
            latent_dim: 64,
            conditional,
            num_classes,
            lr_g: 2e-4,
            lr_d: 2e-4,
            ..Self::default()
        }
    }

    /// Steps a default run takes (the command line's `--steps` when none is given). DCGAN:
    /// 3000, about 3 minutes on 2 CPU cores (measured 193 s; most samples read as digits).
    pub fn default_steps(&self) -> u32 {
        match self.arch {
            GanArch::Mlp => 3000,
            GanArch::Dcgan => 3000,
        }
    }

    /// Examples per step a default run takes: DCGAN's 64 (Radford et al. §4 used 128; 64 keeps
    /// a CPU step short), 256 points for the 2-D game, whose modes need many points per batch
    /// to be seen at all.
    pub fn default_batch_size(&self) -> usize {
        match self.arch {
            GanArch::Mlp => 256,
            GanArch::Dcgan => 64,
        }
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit. Sizes are bounded before any is multiplied
    /// (`crate::models::bounds`), and the two networks' parameters must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        check_data_sizes(self.data_dim, 1, self.width, self.height, false)?;
        check_size("latent_dim", self.latent_dim, 1, MAX_LATENT)?;
        check_size("hidden", self.hidden, 1, MAX_HIDDEN)?;
        check_size("layers", self.layers, 1, MAX_LAYERS)?;
        check_size("channels", self.channels, 1, MAX_CHANNELS)?;
        check_size("num_classes", self.num_classes, 0, MAX_CLASSES)?;
        if self.arch == GanArch::Dcgan {
            if self.width % 4 != 0
                || self.height % 4 != 0
                || self.width == 0
                || self.height == 0
                || self.width * self.height != self.data_dim
            {
                return Err(format!("DCGAN needs images whose sides are multiples of 4, not {}×{}", self.width, self.height));
            }
            if self.conditional && self.num_classes < 2 {
                return Err("a class-conditional GAN needs a dataset with at least two classes".into());
            }
        } else if self.conditional {
            return Err("only the DCGAN networks have a class-conditional variant".into());
        }
        check_rate("lr_g", self.lr_g, MAX_LEARNING_RATE)?;
        check_rate("lr_d", self.lr_d, MAX_LEARNING_RATE)?;
        if !(0.0..1.0).contains(&self.beta1) {
            return Err(format!("Adam β1 must be in [0, 1), not {}", self.beta1));
        }
        if self.d_steps == 0 || self.d_steps > 100 {
            return Err(format!("D steps per G step must be between 1 and 100, not {}", self.d_steps));
        }
        if !(0.0..0.5).contains(&self.label_smoothing) {
            return Err(format!("label smoothing must be in [0, 0.5), not {}", self.label_smoothing));
        }
        if !(self.clip > 0.0 && self.clip <= MAX_CLIP) {
            return Err(format!("the WGAN clipping bound clip {} must be above 0 and at most {MAX_CLIP}", self.clip));
        }
        check_params("this GAN", self.num_params())
    }

    /// Parameters of the generator and the discriminator (`mlp.rs`, `dcgan.rs`), from sizes
    /// `validate` has bounded; u128, so no size can overflow it.
    fn num_params(&self) -> u128 {
        let (d, z, h, layers) = (self.data_dim, self.latent_dim, self.hidden, self.layers as u128);
        match self.arch {
            GanArch::Mlp => {
                let inner = layers.saturating_sub(1) * linear_params(h, h);
                let g = linear_params(z, h) + inner + linear_params(h, d);
                let discriminator = linear_params(d, h) + inner + linear_params(h, 1);
                g + discriminator
            }
            GanArch::Dcgan => {
                let c = self.channels;
                let features = 2 * c * (self.height / 4) * (self.width / 4);
                let classes = if self.conditional { self.num_classes as u128 } else { 0 };
                let label_dim = if self.conditional { z } else { 0 };
                // BatchNorm: scale, shift and the two running statistics per channel.
                let g = linear_params(z + label_dim, features)
                    + 4 * 2 * c as u128
                    + conv_params(2 * c, c, 4)
                    + 4 * c as u128
                    + conv_params(c, 1, 4)
                    + classes * z as u128;
                let discriminator =
                    conv_params(1, c, 4) + conv_params(c, 2 * c, 4) + linear_params(features, 1) + classes * features as u128;
                g + discriminator
            }
        }
    }
}
