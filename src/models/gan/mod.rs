//! The GAN family (Goodfellow et al. 2014): a generator and a discriminator in a two-player
//! game. Work in progress: the objectives, the 2-D MLP networks and the family are here; the
//! DCGAN networks for images and the GAN lab tab follow.

pub mod config;
pub mod family;
pub mod mlp;
pub mod objective;

pub use config::GanConfig;
pub use family::GanFamily;
pub use objective::Objective;
