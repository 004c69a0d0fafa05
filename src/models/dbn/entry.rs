//! The DBN in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and the models
//! `genlab bench` times.

use burn::tensor::Device;

use super::config::{MAX_RBMS, MIN_RBMS};
use super::family::{FAMILY_NAME, saved_greedy};
use super::{DbnConfig, DbnFamily};
use crate::bench::{BenchRow, BenchSettings, Case, time_model};
use crate::limits::check_range;
use crate::models::bounds::MAX_HIDDEN;
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "DBN",
    with_article: "a DBN",
    data: &[DataKind::Images],
    // --hidden: every hidden layer's width; --layers: the number of RBMs.
    flags: &["hidden", "layers", "k", "cd", "lr"],
    build,
    load: |dir, device| Ok(Box::new(DbnFamily::load(dir, device)?)),
    validate: |json, dir| {
        let config = checked_config(json, dir, "DBN", DbnConfig::validate)?;
        saved_greedy(json, dir, &config).map(drop)
    },
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let (width, height, _) = data.images(&ENTRY)?;
    let base = DbnConfig::default();
    // Checked here, before the widths are laid out: --layers sizes a list.
    let rbms = check_range("--layers", settings.layers.unwrap_or(base.rbms()), MIN_RBMS, MAX_RBMS)?;
    let hidden = match settings.hidden {
        Some(h) => vec![check_range("--hidden", h, 1, MAX_HIDDEN)?; rbms],
        None => (0..rbms).map(|l| base.hidden.get(l).or(base.hidden.last()).copied().unwrap_or(500)).collect(),
    };
    let config = DbnConfig {
        width,
        height,
        hidden,
        k: settings.k.unwrap_or(base.k),
        persistent: !settings.cd,
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
        ..base
    };
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(DbnFamily::new(config, device, seed)?, steps, batch_size).noting("binarized at 0.5"))
}

/// The default DBN at batch 64 and three times the steps, as bench/dbn_reference.py times its
/// PyTorch twin: one row per layer in training (the upper one's step includes the pass up
/// through the layer below). Each row samples the stack as it stands: the first RBM alone in
/// the first row, the whole stack (the twin's sampling) in the second.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let config = DbnConfig::default();
    let names = ["DBN 784-500-500, layer 1, PCD-1", "DBN 784-500-500, layer 2, PCD-1"];
    let mut rows = Vec::new();
    for (layer, name) in names.into_iter().enumerate() {
        let mut model = DbnFamily::new(config.clone(), device, 0)?;
        for _ in 0..layer {
            model.move_to_next_layer();
        }
        // 4 sampling calls, not 8: each is 500 Gibbs steps of 64 chains.
        let case = Case::images(name, "per image (64 a call) from the stack so far", 64, settings.steps * 3, 64, 4);
        rows.push(time_model(case, Box::new(model))?);
    }
    Ok(rows)
}
