//! Flow matching in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and the models
//! `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{FlowMatchingConfig, FlowMatchingFamily, Solver};
use crate::bench::{BenchRow, BenchSettings, Case, time_model};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;
use crate::train::{Family, KnobValue};

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "Flow matching",
    with_article: "a flow-matching model",
    data: &[DataKind::Points, DataKind::Images],
    flags: &["hidden", "channels", "lr"],
    build,
    load: |dir, device| Ok(Box::new(FlowMatchingFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "flow-matching", FlowMatchingConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let base = data.base(&ENTRY, |_| FlowMatchingConfig::default(), |width, height, _| FlowMatchingConfig::images(width, height))?;
    let config = FlowMatchingConfig {
        hidden: settings.hidden.unwrap_or(base.hidden),
        channels: settings.channels.unwrap_or(base.channels),
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
        ..base
    };
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(FlowMatchingFamily::new(config, device, seed)?, steps, batch_size))
}

/// The UNet on 28×28 images at batch 64 and a tenth of the steps (at least 3), and the 2-D
/// MLP at batch 256 and three times them, each sampled by Euler with 50 steps (50 network
/// calls, as many as the diffusion rows' DDIM-50), as bench/flow_matching_reference.py times
/// their PyTorch twins.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let mut unet = FlowMatchingFamily::new(FlowMatchingConfig::images(28, 28), device, 0)?;
    let mut mlp = FlowMatchingFamily::new(FlowMatchingConfig::default(), device, 0)?;
    for model in [&mut unet, &mut mlp] {
        model.set_knob("solver", KnobValue::choice_of(&Solver::ALL, Solver::Euler))?;
        model.set_knob("sample_steps", KnobValue::Whole(50))?;
    }
    let images = Case::images(
        "Flow matching UNet 28x28, C=32",
        "per image of an Euler-50 run of 64 images for flow matching",
        64,
        (settings.steps / 10).max(3),
        64,
        1,
    );
    let sampling = "per point of an Euler-50 run of 256 points for flow matching";
    let points = Case::points("Flow matching MLP 2-D, 3x128", sampling, settings.steps * 3);
    Ok(vec![time_model(images, Box::new(unet))?, time_model(points, Box::new(mlp))?])
}
