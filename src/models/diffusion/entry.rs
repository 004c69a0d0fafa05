//! The diffusion model in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and
//! the models `genlab bench` times.

use burn::tensor::Device;

use super::family::FAMILY_NAME;
use super::{DiffusionConfig, DiffusionFamily};
use crate::bench::{BenchRow, BenchSettings, random_batch, time_steps};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;
use crate::train::{Batch, Family, KnobValue};

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "Diffusion",
    with_article: "a diffusion",
    data: &[DataKind::Points, DataKind::Images],
    flags: &["hidden", "channels", "conditional", "schedule", "timesteps", "prediction", "lr", "min_snr", "ema"],
    build,
    load: |dir, device| Ok(Box::new(DiffusionFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "diffusion", DiffusionConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 64,
    eval_warning: None,
    bench,
};

/// `base` (the 2-D MLP or UNet defaults) with the flags given.
fn config(settings: &Settings, base: DiffusionConfig) -> DiffusionConfig {
    DiffusionConfig {
        hidden: settings.hidden.unwrap_or(base.hidden),
        channels: settings.channels.unwrap_or(base.channels),
        schedule: settings.schedule,
        timesteps: settings.timesteps,
        prediction: settings.prediction,
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
        // --min-snr 0 turns the weighting off.
        min_snr_gamma: match settings.min_snr {
            Some(g) if g <= 0.0 => None,
            Some(g) => Some(g),
            None => base.min_snr_gamma,
        },
        ema_decay: match settings.ema {
            Some(d) if d <= 0.0 => None,
            Some(d) => Some(d),
            None => base.ema_decay,
        },
        ..base
    }
}

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let mlp = |num_classes| DiffusionConfig { conditional: settings.conditional, num_classes, ..DiffusionConfig::default() };
    let unet = |width, height, classes| DiffusionConfig::unet(width, height, classes, settings.conditional);
    let base = data.base(&ENTRY, mlp, unet)?;
    let config = config(settings, base);
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(DiffusionFamily::new(config, device, seed)?, steps, batch_size))
}

/// The UNet on 28×28 images at a tenth of the steps (at least 3) and the 2-D MLP denoiser at
/// three times them, as bench/diffusion_reference.py times their PyTorch twins.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let steps = settings.steps;
    // The UNet at batch 64, as the table and bench/diffusion_reference.py (its
    // default training batch is 32).
    let unet = DiffusionConfig::unet(28, 28, 10, false);
    Ok(vec![
        bench_case("Diffusion UNet 28x28, C=32", unet, 64, (steps / 10).max(3), 64, device)?,
        bench_case("Diffusion MLP 2-D, 3x128", DiffusionConfig::default(), 256, steps * 3, 256, device)?,
    ])
}

/// Train steps/s of a diffusion model at `batch`, and one DDIM-50 run (η = 0, as
/// bench/diffusion_reference.py times PyTorch) of `per_call` samples.
fn bench_case(
    model: &'static str,
    config: DiffusionConfig,
    batch: usize,
    steps: usize,
    per_call: usize,
    device: &Device,
) -> Result<BenchRow, String> {
    let dim = config.data_dim;
    let (x, labels, dims) = random_batch(batch, dim, config.height, config.width);
    let mut family = DiffusionFamily::new(config, device, 0)?;
    family.set_knob("sample_steps", KnobValue::Whole(50))?;
    let b = Batch { x: &x, n: batch, dims: &dims, labels: &labels };
    let train = time_steps(2, steps, |_| family.train_step(&b).map(drop))?;
    // One run (seed 3), no warm-up: a DDIM-50 run of the UNet takes seconds.
    let run = time_steps(0, 1, |_| family.sample(per_call, 3, None).map(drop))?;
    let ddim50_seconds = Some(run.total_seconds());
    let sampling = "per image of a DDIM-50 run of 64 images (256 points) for diffusion";
    let row = BenchRow::new(model, sampling, batch, family.num_params(), train, run.per_example(per_call));
    Ok(BenchRow { ddim50_seconds, ..row })
}
