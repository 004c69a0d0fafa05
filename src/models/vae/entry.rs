//! The VAE in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and
//! the models `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{VaeArch, VaeConfig, VaeFamily};
use crate::bench::{BenchRow, BenchSettings, random_images, time_steps};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;
use crate::train::{Batch, Family};
use crate::views::Model;

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "VAE",
    with_article: "a VAE",
    data: &[DataKind::Images],
    flags: &["arch", "latent_dim", "hidden", "beta", "likelihood", "conditional", "lr"],
    build,
    load: |dir, device| Ok(Box::new(VaeFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "VAE", VaeConfig::validate).map(drop),
    holds,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

/// The VAE's configuration for these images with the flags given (the autoencoder's too).
pub fn config(settings: &Settings, width: usize, height: usize, classes: usize) -> VaeConfig {
    VaeConfig {
        arch: settings.arch,
        latent_dim: settings.latent_dim.unwrap_or(2),
        hidden: settings.hidden.unwrap_or(400),
        beta: settings.beta,
        likelihood: settings.likelihood,
        conditional: settings.conditional,
        num_classes: classes,
        width,
        height,
        learning_rate: settings.lr.unwrap_or(1e-3),
        ..VaeConfig::default()
    }
}

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let (width, height, classes) = data.images(&ENTRY)?;
    Ok(Built::new(VaeFamily::new(config(settings, width, height, classes), device, seed)?, 2000, 128))
}

/// A checkpoint named "vae" whose configuration says `"variational": false` is an autoencoder.
fn holds(name: &str, config: Option<&serde_json::Value>) -> bool {
    let variational = config.and_then(|c| c.get("variational")).and_then(serde_json::Value::as_bool);
    name == FAMILY_NAME && variational != Some(false)
}

/// The MLP VAE 784-400-20 and the convolutional VAE with z = 16, at `--batch-size` (128 by
/// default, as bench/vae_reference.py times their PyTorch twins).
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let mlp = VaeConfig { arch: VaeArch::Mlp, latent_dim: 20, ..VaeConfig::default() };
    let conv = VaeConfig { arch: VaeArch::Conv, latent_dim: 16, ..VaeConfig::default() };
    Ok(vec![
        bench_case("VAE MLP 784-400-20", "one z for the VAE", mlp, settings, device)?,
        bench_case("VAE conv, z=16", "one z for the VAE", conv, settings, device)?,
    ])
}

/// Train steps/s of a VAE (or plain autoencoder) at `settings.batch_size` on random images,
/// and the time to decode one z: 100 decodes after 5 warm-ups, each of a different z.
pub fn bench_case(
    model: &'static str,
    sampling: &'static str,
    config: VaeConfig,
    settings: &BenchSettings,
    device: &Device,
) -> Result<BenchRow, String> {
    let batch = settings.batch_size;
    let set = random_images(batch);
    let dims = [1, 28, 28];
    let b = Batch { x: &set.pixels, n: set.len(), dims: &dims, labels: &set.labels };
    let mut family = VaeFamily::new(config, device, 0)?;
    let train = time_steps(5, settings.steps, |_| family.train_step(&b).map(drop))?;
    let latent = family.config().latent_dim;
    let zs: Vec<Vec<f32>> = (0..105).map(|i| vec![0.01 * i as f32; latent]).collect();
    let view = family.latent().ok_or("the VAE has no latent view")?;
    let sample = time_steps(5, 100, |i| view.decode(&zs[i], 1, &[]).map(drop))?;
    Ok(BenchRow::new(model, sampling, batch, family.num_params(), train, sample))
}
