//! The plain autoencoder: the baseline the VAE improves on. It has exactly the VAE's encoder
//! and decoder (MLP or convolutional, `crate::models::vae`), but the code is the encoder's
//! mean itself, with no noise and no KL term, so training minimises reconstruction alone.
//! Nothing asks the codes to look like N(0, I): the latent explorer shows them wherever the
//! encoder put them, and decoding N(0, I) samples mostly lands between them.
//!
//! The family is the VAE family with `variational: false` (one flag in the config instead of
//! a second copy of the networks, the optimiser and the views); it saves and loads under its
//! own name.

use burn::tensor::Device;

use crate::bench::{BenchRow, BenchSettings};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::vae::{VaeConfig, VaeFamily};
use crate::models::weights::checked_config;

pub const FAMILY_NAME: &str = "autoencoder";

/// The VAE's configuration made plain: same networks, no noise, no KL term.
pub fn plain(config: VaeConfig) -> VaeConfig {
    VaeConfig { variational: false, beta: 0.0, ..config }
}

/// A fresh plain autoencoder (see the module doc).
pub fn new_autoencoder(config: VaeConfig, device: &burn::tensor::Device, seed: u64) -> Result<VaeFamily, String> {
    VaeFamily::new(plain(config), device, seed)
}

/// The autoencoder in the family registry: the VAE's settings without β.
/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "Autoencoder",
    with_article: "an autoencoder",
    data: &[DataKind::Images],
    flags: &["arch", "latent_dim", "hidden", "likelihood", "conditional", "lr"],
    build,
    load: |dir, device| Ok(Box::new(VaeFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "autoencoder", VaeConfig::validate).map(drop),
    holds,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let (width, height, classes) = data.images(&ENTRY)?;
    let model = new_autoencoder(crate::models::vae::entry::config(settings, width, height, classes), device, seed)?;
    Ok(Built::new(model, 2000, 128))
}

/// The default MLP autoencoder (784-400-2) at `--batch-size`, timed as the VAE's are (its twin
/// is in bench/others_reference.py).
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let (model, sampling) = ("Autoencoder MLP 784-400-2", "one z for the autoencoder");
    let config = plain(VaeConfig::default());
    Ok(vec![crate::models::vae::entry::bench_case(model, sampling, config, settings, device)?])
}

/// Saved under its own name; a "vae" checkpoint with `"variational": false` is one too (it
/// trains and samples as one).
fn holds(name: &str, config: Option<&serde_json::Value>) -> bool {
    let variational = config.and_then(|c| c.get("variational")).and_then(serde_json::Value::as_bool);
    name == FAMILY_NAME || (name == crate::models::vae::family::FAMILY_NAME && variational == Some(false))
}
