//! The GAN's configuration: networks, game and optimiser settings.

use serde::{Deserialize, Serialize};

use super::objective::Objective;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GanConfig {
    /// Values per example: 2 for points (images come with the DCGAN networks, next).
    pub data_dim: usize,
    /// Dimension of z ~ N(0, I); 2 lets the lab draw the generator's warp of the z-plane.
    pub latent_dim: usize,
    /// Width of the MLP's hidden layers.
    pub hidden: usize,
    /// Hidden layers in each MLP.
    pub layers: usize,
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
            data_dim: 2,
            latent_dim: 2,
            hidden: 128,
            layers: 3,
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
    pub fn validate(&self) -> Result<(), String> {
        if self.data_dim == 0 || self.latent_dim == 0 || self.hidden == 0 || self.layers == 0 {
            return Err("the GAN's sizes (data, latent, hidden width, layers) must be positive".into());
        }
        if !(self.lr_g > 0.0 && self.lr_d > 0.0) {
            return Err("learning rates must be positive".into());
        }
        if !(0.0..1.0).contains(&self.beta1) {
            return Err(format!("Adam β1 must be in [0, 1), not {}", self.beta1));
        }
        if self.d_steps == 0 || self.d_steps > 100 {
            return Err(format!("D steps per G step must be between 1 and 100, not {}", self.d_steps));
        }
        if !(0.0..0.5).contains(&self.label_smoothing) {
            return Err(format!("label smoothing must be in [0, 0.5), not {}", self.label_smoothing));
        }
        if !(self.clip > 0.0) {
            return Err("the WGAN clipping bound must be positive".into());
        }
        Ok(())
    }
}
