//! The VQ-VAE in the family registry (`crate::models::registry`): its names, the data and
//! command-line settings it takes, how it is built, loaded and checked, and the models
//! `genlab bench` times.

use burn::tensor::Device;

use super::config::{MAX_CODES, MAX_COMMITMENT, MAX_EMA_DECAY, MAX_RESTART_EVERY, MAX_STAGE_STEPS, MIN_CODES, MIN_EMA_DECAY};
use super::family::FAMILY_NAME;
use super::stages::saved_progress;
use super::{VqVaeConfig, VqVaeFamily};
use crate::bench::{BenchRow, BenchSettings, Case, time_model};
use crate::limits::{check_range, check_real};
use crate::models::registry::{Built, DataKind, DataShape, FamilyEntry, FamilyKind};
use crate::models::settings::Settings;
use crate::models::weights::checked_config;

/// This family, as the rest of the program names it.
pub const KIND: FamilyKind = FamilyKind(&ENTRY);

pub static ENTRY: FamilyEntry = FamilyEntry {
    name: FAMILY_NAME,
    label: "VQ-VAE",
    with_article: "a VQ-VAE",
    data: &[DataKind::Images],
    // --latent-dim: D; --hidden: the encoder's and decoder's width; --channels and --layers:
    // the prior's; --ema: the codebook's decay (0: the codebook loss instead); --restart-every:
    // the dead-code restarts' period (0: none).
    flags: &["latent_dim", "hidden", "codebook", "commitment", "ema", "restart_every", "channels", "layers", "autoencoder_steps", "lr"],
    build,
    load: |dir, device| Ok(Box::new(VqVaeFamily::load(dir, device)?)),
    validate: |json, dir| {
        checked_config(json, dir, "VQ-VAE", VqVaeConfig::validate)?;
        saved_progress(json, dir).map(drop)
    },
    holds: |name, _| name == FAMILY_NAME,
    // Each sample is 49 passes of the prior, then one of the decoder.
    preview_samples: 64,
    eval_warning: None,
    bench,
};

/// The configuration for these images with the flags given; the flags of the VQ-VAE's own
/// settings are checked here by name, the sizes by the configuration.
pub fn config(settings: &Settings, width: usize, height: usize) -> Result<VqVaeConfig, String> {
    let base = VqVaeConfig::default();
    let codebook_size = match settings.codebook {
        Some(k) => check_range("--codebook", k, MIN_CODES, MAX_CODES)?,
        None => base.codebook_size,
    };
    let commitment = match settings.commitment {
        Some(beta) => check_real("--commitment", beta, 0.0, MAX_COMMITMENT)?,
        None => base.commitment,
    };
    // As for diffusion's weight average, --ema 0 turns the moving averages off.
    let (ema, ema_decay) = match settings.ema {
        Some(decay) if decay <= 0.0 => (false, base.ema_decay),
        Some(decay) => (true, check_real("--ema", decay, MIN_EMA_DECAY, MAX_EMA_DECAY)?),
        None => (base.ema, base.ema_decay),
    };
    let restart_every = match settings.restart_every {
        Some(steps) => check_range("--restart-every", steps, 0, MAX_RESTART_EVERY)?,
        None => base.restart_every,
    };
    let autoencoder_steps = match settings.autoencoder_steps {
        Some(steps) => check_range("--autoencoder-steps", steps, 1, MAX_STAGE_STEPS)?,
        None => base.autoencoder_steps,
    };
    Ok(VqVaeConfig {
        width,
        height,
        hidden: settings.hidden.unwrap_or(base.hidden),
        latent_dim: settings.latent_dim.unwrap_or(base.latent_dim),
        codebook_size,
        commitment,
        ema,
        ema_decay,
        restart_every,
        prior_channels: settings.channels.unwrap_or(base.prior_channels),
        prior_layers: settings.layers.unwrap_or(base.prior_layers),
        learning_rate: settings.lr.unwrap_or(base.learning_rate),
        autoencoder_steps,
        ..base
    })
}

fn build(settings: &Settings, data: &DataShape, device: &Device, seed: u64) -> Result<Built, String> {
    let (width, height, _) = data.images(&ENTRY)?;
    let config = config(settings, width, height)?;
    let (steps, batch_size) = (config.default_steps(), config.default_batch_size());
    Ok(Built::new(VqVaeFamily::new(config, device, seed)?, steps, batch_size))
}

/// The default VQ-VAE at batch 64, one row per stage, as bench/vqvae_reference.py times its
/// PyTorch twin: stage 1's steps (sampling then decodes uniform codes: one decoder pass), and
/// stage 2's steps (the frozen autoencoder encodes the batch, the prior trains) with sampling
/// from the prior, 49 passes and a decode for 64 images a call.
fn bench(settings: &BenchSettings, device: &Device) -> Result<Vec<BenchRow>, String> {
    let config = VqVaeConfig::default();
    let stage1 = VqVaeFamily::new(config.clone(), device, 0)?;
    let mut stage2 = VqVaeFamily::new(config, device, 0)?;
    stage2.move_to_prior();
    let autoencoder = Case::images(
        "VQ-VAE 28x28, K=64, stage 1",
        "per image of 64 decoded from uniform codes (stage 1) for the VQ-VAE",
        64,
        settings.steps,
        64,
        8,
    );
    let prior = Case::images(
        "VQ-VAE 28x28, K=64, prior",
        "per image of 64 drawn code by code from the prior for the VQ-VAE",
        64,
        settings.steps,
        64,
        4,
    );
    Ok(vec![time_model(autoencoder, Box::new(stage1))?, time_model(prior, Box::new(stage2))?])
}
