//! The GMMN in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and
//! the models `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{GmmnConfig, GmmnFamily};
use crate::bench::{BenchRow, BenchSettings, Case, time_model};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "GMMN",
    with_article: "a GMMN",
    data: &[DataKind::Points, DataKind::Images],
    flags: &["latent_dim", "lr"],
    build,
    load: |dir, device| Ok(Box::new(GmmnFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "GMMN", GmmnConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let base = data.base(&ENTRY, |_| GmmnConfig::default(), |width, height, _| GmmnConfig::images(width, height))?;
    let config = GmmnConfig {
        latent_dim: settings.latent_dim.unwrap_or(base.latent_dim),
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
        ..base
    };
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(GmmnFamily::new(config, device, seed)?, steps, batch_size))
}

/// The 2-D GMMN at batch 256 and three times the steps, and the image GMMN at batch 128, as
/// bench/others_reference.py times their PyTorch twins.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let points_model = GmmnFamily::new(GmmnConfig::default(), device, 0)?;
    let images_model = GmmnFamily::new(GmmnConfig::images(28, 28), device, 0)?;
    let points = Case::points("GMMN 2-D, 3x128", "per point (256 a call) for the 2-D GMMN", settings.steps * 3);
    let images = Case::images("GMMN 28x28, 32-256-512", "per image (64 a call) for the image GMMN", 128, settings.steps, 64, 8);
    Ok(vec![time_model(points, Box::new(points_model))?, time_model(images, Box::new(images_model))?])
}
