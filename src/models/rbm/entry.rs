//! The RBM in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and
//! the models `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{RbmConfig, RbmFamily};
use crate::bench::{BenchRow, BenchSettings, Case, time_model};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "RBM",
    with_article: "an RBM",
    data: &[DataKind::Images],
    flags: &["hidden", "k", "cd", "lr"],
    build,
    load: |dir, device| Ok(Box::new(RbmFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "RBM", RbmConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let (width, height, _) = data.images(&ENTRY)?;
    let base = RbmConfig::default();
    let config = RbmConfig {
        width,
        height,
        hidden: settings.hidden.unwrap_or(base.hidden),
        k: settings.k.unwrap_or(base.k),
        persistent: !settings.cd,
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
    };
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(RbmFamily::new(config, device, seed)?, steps, batch_size).noting("binarized at 0.5"))
}

/// The default RBM (784×128, PCD-1) at batch 64 and three times the steps, as
/// bench/others_reference.py times its PyTorch twin (there CD-1).
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let model = RbmFamily::new(RbmConfig::default(), device, 0)?;
    let case = Case::images("RBM 784x128, PCD-1", "per image (64 a call) for the RBM", 64, settings.steps * 3, 64, 8);
    Ok(vec![time_model(case, Box::new(model))?])
}
