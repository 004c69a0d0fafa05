//! The generator and discriminator as the game sees them: one of the architectures, chosen by
//! the configuration.

use burn::prelude::*;

use super::config::{GanArch, GanConfig};
use super::dcgan::{DcganDiscriminator, DcganGenerator};
use super::mlp::{MlpDiscriminator, MlpGenerator};

#[derive(Module, Debug)]
pub enum Generator {
    Mlp(MlpGenerator),
    Dcgan(DcganGenerator),
}

#[derive(Module, Debug)]
pub enum Discriminator {
    Mlp(MlpDiscriminator),
    Dcgan(DcganDiscriminator),
}

impl Generator {
    pub fn new(config: &GanConfig, device: &Device) -> Self {
        match config.arch {
            GanArch::Mlp => Self::Mlp(MlpGenerator::new(config, device)),
            GanArch::Dcgan => Self::Dcgan(DcganGenerator::new(config, device)),
        }
    }

    /// Points, or images in [−1, 1].
    ///
    /// # Shapes
    /// z: [B, Z], labels: one-hot [B, classes] for conditional models → [B, data_dim]
    pub fn forward(&self, z: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        match self {
            Self::Mlp(g) => g.forward(z),
            Self::Dcgan(g) => g.forward(z, labels),
        }
    }
}

impl Discriminator {
    pub fn new(config: &GanConfig, device: &Device) -> Self {
        match config.arch {
            GanArch::Mlp => Self::Mlp(MlpDiscriminator::new(config, device)),
            GanArch::Dcgan => Self::Dcgan(DcganDiscriminator::new(config, device)),
        }
    }

    /// Raw outputs: logits of "real", or critic values for WGAN.
    ///
    /// # Shapes
    /// x: [B, data_dim], labels: one-hot [B, classes] for conditional models → [B]
    pub fn forward(&self, x: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<1> {
        match self {
            Self::Mlp(d) => d.forward(x),
            Self::Dcgan(d) => d.forward(x, labels),
        }
    }
}
