//! The plain autoencoder: the baseline the VAE improves on. It has exactly the VAE's encoder
//! and decoder (MLP or convolutional, `crate::models::vae`), but the code is the encoder's
//! mean itself, with no noise and no KL term, so training minimises reconstruction alone.
//! Nothing asks the codes to look like N(0, I): the latent explorer shows them wherever the
//! encoder put them, and decoding N(0, I) samples mostly lands between them.
//!
//! The family is the VAE family with `variational: false` (one flag in the config instead of
//! a second copy of the networks, the optimiser and the views); it saves and loads under its
//! own name.

use crate::models::vae::{VaeConfig, VaeFamily};

pub const FAMILY_NAME: &str = "autoencoder";

/// The VAE's configuration made plain: same networks, no noise, no KL term.
pub fn plain(config: VaeConfig) -> VaeConfig {
    VaeConfig { variational: false, beta: 0.0, ..config }
}

/// A fresh plain autoencoder (see the module doc).
pub fn new_autoencoder(config: VaeConfig, device: &burn::tensor::Device, seed: u64) -> Result<VaeFamily, String> {
    VaeFamily::new(plain(config), device, seed)
}
