//! The character model in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and
//! the models `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{CharLmConfig, CharLmFamily, SamplingSettings};
use crate::bench::{BenchRow, BenchSettings, time_steps};
use crate::data::text::builtin_corpus;
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;
use crate::train::{Batch, Family};
use crate::views::Model;

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "Character model",
    with_article: "a character-model",
    data: &[DataKind::Text],
    flags: &["block_size", "d_model", "heads", "layers", "lr"],
    build,
    load: |dir, device| Ok(Box::new(CharLmFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "character-model", CharLmConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 4,
    eval_warning: None,
    bench,
};

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let DataShape::Text { vocab } = data else {
        return Err(crate::models::registry::wrong_data(&ENTRY, data));
    };
    let base = CharLmConfig::default();
    let config = CharLmConfig {
        vocab: vocab.clone(),
        block_size: settings.block_size.unwrap_or(base.block_size),
        d_model: settings.d_model.unwrap_or(base.d_model),
        heads: settings.heads.unwrap_or(base.heads),
        layers: settings.layers.unwrap_or(base.layers),
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
        ..base
    };
    let (steps, batch_size, window) = (config.default_steps(), config.default_batch_size(), config.block_size + 1);
    let model = CharLmFamily::new(config, device, seed)?;
    Ok(Built::new(model, steps, batch_size).with_text_window(window))
}

/// The default model: train steps/s and tokens/s at its default batch (32) on windows of the
/// built-in corpus, and characters generated per second one at a time (no cache, as
/// bench/charlm_reference.py times PyTorch): one run of 200 after a warm-up run of 10.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let text = builtin_corpus();
    let config = CharLmConfig { vocab: text.vocab.clone(), ..CharLmConfig::default() };
    let (batch, window) = (config.default_batch_size(), config.block_size + 1);
    let x: Vec<f32> = text.train[..batch * window].iter().map(|&t| t as f32).collect();
    let labels = vec![0u8; batch];
    let dims = [window];
    let mut family = CharLmFamily::new(config, device, 0)?;
    let b = Batch { x: &x, n: batch, dims: &dims, labels: &labels };
    let train = time_steps(5, settings.steps, |_| family.train_step(&b).map(drop))?;
    let params = family.num_params();
    let drawing = SamplingSettings::default();
    let view = family.tokens().ok_or("the character model has no token view")?;
    view.generate(&[0], 10, &drawing, 0)?;
    let sample = time_steps(0, 1, |_| view.generate(&[0], 200, &drawing, 1).map(drop))?.per_example(200);
    let tokens_per_sec = Some(train.per_sec() * (batch * (window - 1)) as f64);
    let chars_per_sec = Some(sample.per_sec());
    let (model, sampling) = ("Char transformer 3x128, T=64", "per character for the character model");
    let row = BenchRow::new(model, sampling, batch, params, train, sample);
    Ok(vec![BenchRow { tokens_per_sec, chars_per_sec, ..row }])
}
