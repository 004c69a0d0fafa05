//! Latent diffusion in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes (`--autoencoder` names the trained VAE or autoencoder), how
//! it is built, loaded and checked, and the model `genlab bench` times.

use std::path::Path;

use burn::tensor::Device;

use super::autoencoder::{FrozenAutoencoder, HOW_TO_MAKE_ONE};
use super::family::FAMILY_NAME;
use super::{LatentDiffusionConfig, LatentDiffusionFamily};
use crate::bench::{BenchRow, BenchSettings, random_batch, time_steps};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::vae::VaeConfig;
use crate::models::weights::checked_config;
use crate::train::{Batch, Family, KnobValue};

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "Latent diffusion",
    with_article: "a latent diffusion model",
    data: &[DataKind::Images],
    flags: &["autoencoder", "hidden", "schedule", "timesteps", "lr"],
    build,
    load: |dir, device| Ok(Box::new(LatentDiffusionFamily::load(dir, device)?)),
    validate: |json, dir| checked_config(json, dir, "latent diffusion", LatentDiffusionConfig::validate).map(drop),
    holds: |name, _| name == FAMILY_NAME,
    preview_samples: 64,
    eval_warning: Some(
        "its samples are the frozen autoencoder's decodings, so they are no sharper than its reconstructions: \
         read them beside that VAE's own samples and pixel-space diffusion's",
    ),
    bench,
};

/// The defaults over the autoencoder `--autoencoder` names, with the flags given; refused
/// without it, or when the images are not the autoencoder's size.
fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let (width, height, _) = data.images(&ENTRY)?;
    let Some(dir) = settings.autoencoder.as_deref() else {
        return Err(format!(
            "latent diffusion learns the latent space of a trained VAE or autoencoder: name its checkpoint folder with \
             --autoencoder DIR ({HOW_TO_MAKE_ONE})"
        ));
    };
    let model = LatentDiffusionFamily::from_checkpoint(
        dir,
        width,
        height,
        |base| {
            LatentDiffusionConfig {
                hidden: settings.hidden.unwrap_or(base.hidden),
                schedule: settings.schedule,
                timesteps: settings.timesteps,
                learning_rate: settings.lr.unwrap_or(base.learning_rate),
                ..base
            }
            .with_sampler_steps_within_t()
        },
        device,
        seed,
    )?;
    let (steps, batch_size) = (model.config().default_steps(), model.config().default_batch_size());
    Ok(Built::new(model, steps, batch_size))
}

/// Train steps/s at batch 64 (the pixel-space UNet's bench batch, bench/diffusion_reference.py)
/// over the VAE family's default model (MLP 784-400-2), and one DDIM-50 run of 64 images,
/// decoding included (η = 0, seed 3, as diffusion's row). The autoencoder is a fresh untrained
/// one built in memory, so the bench needs no checkpoint: its weights do not change the time.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let vae = VaeConfig::default();
    let autoencoder = FrozenAutoencoder::fresh(vae.clone(), device, 0)?;
    let config = LatentDiffusionConfig::new(Path::new("(untrained, in memory)"), vae);
    let mut family = LatentDiffusionFamily::new(config, autoencoder, device, 0)?;
    family.set_knob("sample_steps", KnobValue::Whole(50))?;
    let (batch, per_call) = (64, 64);
    let (x, labels, dims) = random_batch(batch, 784, 28, 28);
    let b = Batch { x: &x, n: batch, dims: &dims, labels: &labels };
    let train = time_steps(2, settings.steps, |_| family.train_step(&b).map(drop))?;
    let run = time_steps(0, 1, |_| family.sample(per_call, 3, None).map(drop))?;
    let ddim50_seconds = Some(run.total_seconds());
    let sampling = "per image of a DDIM-50 run of 64 images, decoded, for latent diffusion";
    let row = BenchRow::new("Latent diffusion MLP on VAE z=2", sampling, batch, family.num_params(), train, run.per_example(per_call));
    Ok(vec![BenchRow { ddim50_seconds, ..row }])
}
