//! The GAN family (Goodfellow et al. 2014): a generator and a discriminator in a two-player
//! game. Work in progress: the objectives are here; networks, the family and the lab follow.

pub mod objective;

pub use objective::Objective;
