//! The PixelCNN in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and
//! the models `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{PixelCnnConfig, PixelCnnFamily};
use crate::bench::{BenchRow, BenchSettings, Case, time_model};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "PixelCNN",
    with_article: "a PixelCNN",
    data: &[DataKind::Images],
    flags: &["channels", "layers", "conditional", "lr"],
    build,
    load: |dir, device| Ok(Box::new(PixelCnnFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "PixelCNN", PixelCnnConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    // Pixel by pixel: 784 network passes per batch.
    preview_samples: 16,
    eval_warning: Some(
        "PixelCNN's samples are binary (pixels thresholded at 0.5) while the real reference is grey: FID, \
         precision/recall and density/coverage compare unlike images and overstate the gap; its exact NLL is the \
         like-for-like number",
    ),
    bench,
};

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let (width, height, classes) = data.images(&ENTRY)?;
    let base = PixelCnnConfig::default();
    let config = PixelCnnConfig {
        width,
        height,
        channels: settings.channels.unwrap_or(base.channels),
        layers: settings.layers.unwrap_or(base.layers),
        conditional: settings.conditional,
        num_classes: classes,
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
        ..base
    };
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(PixelCnnFamily::new(config, device, seed)?, steps, batch_size).noting("binarized at 0.5"))
}

/// The default PixelCNN at batch 32 and a quarter of the steps; sampling as
/// bench/pixelcnn_reference.py times it: 16 images pixel by pixel, one call.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let model = PixelCnnFamily::new(PixelCnnConfig::default(), device, 0)?;
    let case = Case::images(
        "PixelCNN 28x28, 64 ch, 6 layers",
        "per image of 16 drawn pixel by pixel for PixelCNN",
        32,
        settings.steps.div_ceil(4),
        16,
        1,
    );
    Ok(vec![time_model(case, Box::new(model))?])
}
