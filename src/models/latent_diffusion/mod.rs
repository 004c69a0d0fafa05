//! Latent diffusion (Rombach et al. 2022, "High-Resolution Image Synthesis with Latent
//! Diffusion Models"), at toy scale: a diffusion model trained not on pixels but on the latents
//! of an autoencoder trained beforehand and then frozen. Here the autoencoder is a genlab VAE
//! or plain autoencoder checkpoint (`autoencoder`), its latents are put on unit scale
//! (`normaliser`), and the diffusion family's MLP denoiser, schedule and DDPM/DDIM steps run on
//! them (`family`); samples are latents decoded by the frozen decoder. A few numbers a sample
//! instead of 784 pixels, and an MLP instead of a UNet: the point is the speed, which the tab
//! and `genlab bench` measure beside pixel-space diffusion. The views (`views`): the latent
//! space of the autoencoder, a sampling run step by step as images, and the same run as points
//! moving through the latent space (`crate::views::latent_chain`).

pub mod autoencoder;
pub mod config;
pub mod entry;
pub mod family;
pub mod normaliser;
mod views;

pub use autoencoder::FrozenAutoencoder;
pub use config::LatentDiffusionConfig;
pub use family::LatentDiffusionFamily;
pub use normaliser::Normaliser;
pub use views::{MAX_CHAIN, MAX_RECORDED};

pub use entry::{ENTRY, KIND};
