//! The GAN in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and
//! the models `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{GanConfig, GanFamily};
use crate::bench::{BenchRow, BenchSettings, random_batch, time_steps};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;
use crate::train::{Batch, Family};

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "GAN",
    with_article: "a GAN",
    data: &[DataKind::Points, DataKind::Images],
    flags: &["latent_dim", "hidden", "conditional", "lr", "objective", "lr_d", "d_steps", "label_smoothing", "beta1"],
    build,
    load: |dir, device| Ok(Box::new(GanFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "GAN", GanConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

/// `base` (the 2-D MLP or DCGAN defaults) with the flags given.
fn config(settings: &Settings, base: GanConfig) -> GanConfig {
    GanConfig {
        latent_dim: settings.latent_dim.unwrap_or(base.latent_dim),
        hidden: settings.hidden.unwrap_or(base.hidden),
        conditional: settings.conditional,
        objective: settings.objective,
        lr_g: settings.lr.unwrap_or(base.lr_g),
        lr_d: settings.lr_d.or(settings.lr).unwrap_or(base.lr_d),
        d_steps: settings.d_steps.unwrap_or(base.d_steps),
        label_smoothing: settings.label_smoothing.unwrap_or(base.label_smoothing),
        beta1: settings.beta1.unwrap_or(base.beta1),
        ..base
    }
}

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let dcgan = |width, height, classes| GanConfig::dcgan(width, height, classes, settings.conditional);
    let base = data.base(&ENTRY, |_| GanConfig::default(), dcgan)?;
    let config = config(settings, base);
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(GanFamily::new(config, device, seed)?, steps, batch_size))
}

/// DCGAN on 28×28 images at a quarter of the steps, and the 2-D MLP GAN at three times them,
/// as bench/gan_reference.py times their PyTorch twins.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let steps = settings.steps;
    Ok(vec![
        bench_case("DCGAN 28x28, z=64", GanConfig::dcgan(28, 28, 10, false), steps.div_ceil(4), device)?,
        bench_case("GAN MLP 2-D, 3x128", GanConfig::default(), steps * 3, device)?,
    ])
}

/// Train steps/s of a GAN at its default batch (one D update + one G update a step, as
/// bench/gan_reference.py times PyTorch), and sampling time per example: 20 calls after 3
/// warm-ups.
fn bench_case(model: &'static str, config: GanConfig, steps: usize, device: &Device) -> Result<BenchRow, String> {
    let batch = config.default_batch_size();
    let dim = config.data_dim;
    let (x, labels, dims) = random_batch(batch, dim, config.height, config.width);
    let (per_call, sampling) =
        if dim == 2 { (256, "per point (256 a call) for the 2-D GAN") } else { (64, "per image (64 a call) for DCGAN") };
    let mut family = GanFamily::new(config, device, 0)?;
    let b = Batch { x: &x, n: batch, dims: &dims, labels: &labels };
    let train = time_steps(3, steps, |_| family.train_step(&b).map(drop))?;
    let sample = time_steps(3, 20, |i| family.sample(per_call, i as u64, None).map(drop))?.per_example(per_call);
    Ok(BenchRow::new(model, sampling, batch, family.num_params(), train, sample))
}
