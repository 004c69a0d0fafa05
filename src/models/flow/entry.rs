//! The flow in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and
//! the models `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{FlowConfig, FlowFamily};
use crate::bench::{BenchRow, BenchSettings, Case, time_model};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "Flow",
    with_article: "a flow",
    data: &[DataKind::Points, DataKind::Images],
    flags: &["layers", "hidden", "lr"],
    build,
    load: |dir, device| Ok(Box::new(FlowFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "flow", FlowConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let base = data.base(&ENTRY, |_| FlowConfig::default(), |width, height, _| FlowConfig::images(width, height))?;
    let config = FlowConfig {
        couplings: settings.layers.unwrap_or(base.couplings),
        hidden: settings.hidden.unwrap_or(base.hidden),
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
        ..base
    };
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(FlowFamily::new(config, device, seed)?, steps, batch_size))
}

/// The default 2-D RealNVP at batch 256 and three times the steps, as bench/others_reference.py
/// times its PyTorch twin.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let model = FlowFamily::new(FlowConfig::default(), device, 0)?;
    let case = Case::points("RealNVP 2-D, 8 couplings", "per point (256 a call) for RealNVP", settings.steps * 3);
    Ok(vec![time_model(case, Box::new(model))?])
}
