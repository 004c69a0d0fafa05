//! The VQ-VAE as a trainable family (van den Oord et al. 2017): stage 1 trains the encoder,
//! codebook and decoder (`train.rs`, restarting dead codes with `restarts.rs`), stage 2 the
//! prior over code maps on the frozen autoencoder's codes; sampling draws a code map from the
//! prior cell by cell and decodes it. Its views are in `views.rs` (the codebook) and
//! `likelihood.rs` (a bound on log p(x)).

use std::path::Path;

use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use serde::Serialize;

use crate::models::weights::{AdamNet, checked_config, learning_rate_knob, read_back, save_config, save_weights, set_config_knob};
use crate::rng::Rng;
use crate::train::checkpoint::read_config;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, Knob, KnobValue, LossTerms, Samples};
use crate::views::codes::Stage;

use super::config::{
    MAX_COMMITMENT, MAX_EMA_DECAY, MAX_RESTART_EVERY, MAX_RESTART_THRESHOLD, MAX_STAGE_STEPS, MIN_EMA_DECAY, MIN_RESTART_THRESHOLD,
    VqVaeConfig,
};
use super::model::VqVae;
use super::prior::{CodePrior, cell_probabilities, one_hot_maps};
use super::quantizer::{nearest_codes, one_hot_codes};
use super::restarts::RestartWindow;
use super::stages::{Progress, saved_progress};
use super::usage::Usage;

pub const FAMILY_NAME: &str = "vqvae";
/// Stage 1's networks (encoder, codebook with its moving averages, decoder) and stage 2's.
pub const AUTOENCODER_FILE: &str = "autoencoder.bpk";
pub const PRIOR_FILE: &str = "prior.bpk";
/// Images per network pass when encoding, decoding or sampling many at once.
pub(super) const CHUNK: usize = 256;

pub struct VqVaeFamily {
    pub(super) config: VqVaeConfig,
    /// Stage 1's networks, with Adam at PyTorch's ε (as in bench/vqvae_reference.py).
    pub(super) autoencoder: AdamNet<VqVae>,
    pub(super) prior: AdamNet<CodePrior>,
    pub(super) progress: Progress,
    pub(super) usage: Usage,
    /// Stage 1's use of each code since the last dead-code check (`restarts.rs`).
    pub(super) restart_window: RestartWindow,
    /// The run's seed, from which each check draws the rows its codes restart at (0 for a
    /// loaded checkpoint).
    pub(super) seed: u64,
    /// The training device (autodiff on).
    pub(super) device: Device,
}

/// What a checkpoint's `config` section holds: the configuration and, beside its fields, where
/// the stages stand.
#[derive(Serialize)]
struct Saved<'a> {
    #[serde(flatten)]
    config: &'a VqVaeConfig,
    progress: &'a Progress,
}

/// The uniform draw that picks the code of `cell` in map `image` under `seed`: a pure function
/// of the three (as the PixelCNN draws its pixels), so maps drawn in chunks of any size are the
/// same maps.
fn code_uniform(seed: u64, image: usize, cell: usize) -> f64 {
    Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ ((image as u64) << 32) ^ cell as u64).uniform()
}

/// The code whose interval of the cumulative probabilities `p` holds `u` ∈ [0, 1).
fn draw(p: &[f32], u: f64) -> u32 {
    let mut cumulative = 0.0;
    for (k, &pk) in p.iter().enumerate() {
        cumulative += pk as f64;
        if u < cumulative {
            return k as u32;
        }
    }
    // Rounding left the sum just under u: the last code with any probability.
    p.iter().rposition(|&pk| pk > 0.0).unwrap_or(0) as u32
}

impl VqVaeFamily {
    /// A freshly initialised VQ-VAE and prior on `device` (a plain device; autodiff is added here).
    pub fn new(config: VqVaeConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        Ok(Self {
            autoencoder: AdamNet::new(VqVae::new(&config, &device), "the VQ-VAE"),
            prior: AdamNet::new(CodePrior::new(&config, &device), "the VQ-VAE's prior"),
            progress: Progress::default(),
            usage: Usage::new(config.codebook_size),
            restart_window: RestartWindow::new(config.codebook_size),
            seed,
            config,
            device,
        })
    }

    /// Loads a checkpoint directory written by `save`: the configuration and the saved progress
    /// are checked (the message names `config.json`) before the networks are built, and each
    /// weight file against its network before it is applied.
    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let json = read_config(dir)?;
        let config = checked_config(&json, dir, "VQ-VAE", VqVaeConfig::validate)?;
        let progress = saved_progress(&json, dir)?;
        let mut family = Self::new(config, device, 0)?;
        family.autoencoder.load(dir, AUTOENCODER_FILE)?;
        family.prior.load(dir, PRIOR_FILE)?;
        family.progress = progress;
        Ok(family)
    }

    pub fn config(&self) -> &VqVaeConfig {
        &self.config
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Stage 1's networks on the training device, for tests that differentiate through them.
    pub fn autoencoder_network(&self) -> FamilyResult<&VqVae> {
        self.autoencoder.get()
    }

    /// The prior on the training device.
    pub fn prior_network(&self) -> FamilyResult<&CodePrior> {
        self.prior.get()
    }

    pub fn training_device(&self) -> &Device {
        &self.device
    }

    /// Ends stage 1 now (the tab's "next stage", the bench's prior row); false once the prior
    /// trains.
    pub fn move_to_prior(&mut self) -> bool {
        self.progress.next_stage()
    }

    pub(super) fn inference_device(&self) -> Device {
        self.device.clone().without_autodiff()
    }

    pub(super) fn check(&self, x: &[f32], n: usize) -> FamilyResult<()> {
        let d = self.config.pixels();
        if x.len() != n * d {
            return Err(format!(
                "the data has {} values per example but this VQ-VAE reads {}×{} = {d} pixels",
                x.len() / n.max(1),
                self.config.width,
                self.config.height
            ));
        }
        Ok(())
    }

    /// The nearest code of every cell of the `n` images `x`, image-major, cells in raster order.
    pub(super) fn codes_of(&self, x: &[f32], n: usize) -> FamilyResult<Vec<u32>> {
        self.check(x, n)?;
        let (d, device) = (self.config.pixels(), self.inference_device());
        let net = self.autoencoder.get()?.valid();
        let mut codes = Vec::with_capacity(n * self.config.cells());
        for start in (0..n).step_by(CHUNK) {
            let rows = CHUNK.min(n - start);
            let x = Tensor::<2>::from_data(TensorData::new(x[start * d..(start + rows) * d].to_vec(), [rows, d]), &device);
            codes.extend(nearest_codes(net.encode(x), net.codebook.embeddings.val())?);
        }
        Ok(codes)
    }

    /// The decoder's means p(x = 1 | z_q) for `n` maps of codes (image-major).
    pub(super) fn images_of_codes(&self, codes: &[u32], n: usize) -> FamilyResult<ImageBatch> {
        let (cells, k) = (self.config.cells(), self.config.codebook_size);
        if codes.len() != n * cells {
            return Err(format!("{} codes for {n} maps of {cells} cells", codes.len()));
        }
        if let Some(code) = codes.iter().find(|&&c| c as usize >= k) {
            return Err(format!("code {code} is not in this VQ-VAE's codebook of {k} (codes 0 to {})", k - 1));
        }
        let device = self.inference_device();
        let net = self.autoencoder.get()?.valid();
        let mut pixels = Vec::with_capacity(n * self.config.pixels());
        for start in (0..n).step_by(CHUNK) {
            let rows = CHUNK.min(n - start);
            let one_hot = one_hot_codes(&codes[start * cells..(start + rows) * cells], k, &device); // [rows·cells, K]
            pixels.extend(read_back(sigmoid(net.decode_one_hot(one_hot)))?);
        }
        Ok(ImageBatch { n, width: self.config.width, height: self.config.height, pixels })
    }

    /// `n` code maps drawn from the prior cell by cell in raster order, each code from
    /// p(z_i | z_<i): one pass of the prior per cell, on the rows down to that cell's (masked
    /// convolutions never look down, as the PixelCNN family crops its passes).
    pub(super) fn sample_codes(&self, n: usize, seed: u64) -> FamilyResult<Vec<u32>> {
        let ((w, _), cells, k) = (self.config.grid(), self.config.cells(), self.config.codebook_size);
        let device = self.inference_device();
        let prior = self.prior.get()?.valid();
        let mut codes = vec![0u32; n * cells];
        for start in (0..n).step_by(CHUNK) {
            let rows = CHUNK.min(n - start);
            let chunk = &mut codes[start * cells..(start + rows) * cells];
            for cell in 0..cells {
                let (row, col) = (cell / w, cell % w);
                let maps = one_hot_maps(chunk, rows, k, (w, row + 1), cells, &device); // [rows, K, row + 1, w]
                let p = read_back(cell_probabilities(prior.forward(maps), row, col))?; // [rows × K]
                for j in 0..rows {
                    chunk[j * cells + cell] = draw(&p[j * k..(j + 1) * k], code_uniform(seed, start + j, cell));
                }
            }
        }
        Ok(codes)
    }
}

impl Family for VqVaeFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let sampling = match self.progress.stage {
            Stage::Autoencoder => "until the prior trains, samples decode codes drawn uniformly",
            Stage::Prior => "samples are drawn from the prior code by code, then decoded",
        };
        format!("{}; {sampling}", self.config.describe())
    }

    fn num_params(&self) -> usize {
        self.autoencoder.num_params() + self.prior.num_params()
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        self.check(batch.x, batch.n)?;
        self.progress.advance(self.config.autoencoder_steps);
        let terms = match self.progress.stage {
            Stage::Autoencoder => self.autoencoder_step(batch)?,
            Stage::Prior => self.prior_step(batch)?,
        };
        self.progress.count_step();
        Ok(terms)
    }

    /// From the prior once stage 2 has started; before, each cell's code is drawn uniformly
    /// from the K codes (`describe` says which).
    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        let codes = match self.progress.stage {
            Stage::Autoencoder => {
                let mut rng = Rng::new(seed);
                (0..n * self.config.cells()).map(|_| rng.below(self.config.codebook_size) as u32).collect()
            }
            Stage::Prior => self.sample_codes(n, seed)?,
        };
        Ok(Samples::Images(self.images_of_codes(&codes, n)?))
    }

    fn knobs(&self) -> Vec<Knob> {
        let c = &self.config;
        let mut knobs = vec![
            learning_rate_knob(c.learning_rate),
            Knob::real(
                "commitment",
                "commitment weight β",
                "weight of the commitment loss, which holds the encoder's vectors near their codes (the paper found 0.1 to 2 \
                 to work alike)",
                c.commitment,
                (0.0, MAX_COMMITMENT),
                false,
            ),
        ];
        if c.ema {
            knobs.push(Knob::real(
                "ema_decay",
                "codebook EMA decay",
                "how slowly each code follows the mean of the vectors nearest to it: every step moves it 1 − decay of the way",
                c.ema_decay,
                (MIN_EMA_DECAY, MAX_EMA_DECAY),
                false,
            ));
        }
        knobs.push(Knob::whole(
            "restart_every",
            "restart dead codes every",
            "every this many steps of stage 1, each code used less than the threshold since the last check moves to a \
             random encoder output of the batch (Jukebox's random restarts); 0: never",
            c.restart_every as i64,
            (0, MAX_RESTART_EVERY as i64),
            true,
        ));
        knobs.push(Knob::real(
            "restart_threshold",
            "restart below uses per step",
            "a code picked fewer times than this per step, on average since the last check, is restarted (Jukebox uses 1; \
             the lowest restarts only codes no vector picked)",
            c.restart_threshold,
            (MIN_RESTART_THRESHOLD, MAX_RESTART_THRESHOLD),
            true,
        ));
        knobs.push(Knob::whole(
            "autoencoder_steps",
            "autoencoder steps",
            "steps of stage 1 (the autoencoder and its codebook) before the prior trains on the frozen codes; below the \
             steps already taken, the next step starts the prior",
            c.autoencoder_steps as i64,
            (1, MAX_STAGE_STEPS as i64),
            true,
        ));
        knobs
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        let knobs = self.knobs();
        set_config_knob(&mut self.config, &knobs, name, value, "VQ-VAE", VqVaeConfig::validate, |next, name, value| {
            match (name, value) {
                ("learning_rate", KnobValue::Real(v)) => next.learning_rate = v,
                ("commitment", KnobValue::Real(v)) => next.commitment = v,
                ("ema_decay", KnobValue::Real(v)) => next.ema_decay = v,
                ("restart_every", KnobValue::Whole(n)) => next.restart_every = n as usize,
                ("restart_threshold", KnobValue::Real(v)) => next.restart_threshold = v,
                ("autoencoder_steps", KnobValue::Whole(n)) => next.autoencoder_steps = n as usize,
                _ => return false,
            }
            true
        })
    }

    /// Both networks, then the configuration with the progress of the stages.
    fn save(&self, dir: &Path) -> FamilyResult<()> {
        save_weights(self.autoencoder.get()?.clone(), dir, AUTOENCODER_FILE)?;
        save_weights(self.prior.get()?.clone(), dir, PRIOR_FILE)?;
        save_config(dir, FAMILY_NAME, &Saved { config: &self.config, progress: &self.progress })
    }

    fn remember_good(&mut self) {
        self.autoencoder.remember_good();
        self.prior.remember_good();
    }

    fn restore_good(&mut self) {
        self.autoencoder.restore_good();
        self.prior.restore_good();
    }
}
