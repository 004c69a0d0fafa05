//! What every model family offers the trainer: a train step that returns named loss terms,
//! sampling with a seed, live knobs, save, and a last-good snapshot. The trainer sees only
//! this trait; the views a family offers besides (a latent space, a denoising run…) live in
//! `crate::views`, outside the trainer, so a new view or a new family changes nothing here.

use std::path::Path;

pub use super::knob::{Knob, KnobKind, KnobValue};

/// A batch handed to a family: `n` examples of `dims` values each, and their labels.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    pub x: &'a [f32],
    pub n: usize,
    /// Per-example shape: `[1, 28, 28]` for images, `[2]` for points.
    pub dims: &'a [usize],
    pub labels: &'a [u8],
}

/// Grey images in [0, 1], row-major, `n * height * width` values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageBatch {
    pub n: usize,
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<f32>,
}

impl ImageBatch {
    pub fn image(&self, i: usize) -> &[f32] {
        let d = self.width * self.height;
        &self.pixels[i * d..(i + 1) * d]
    }
}

/// What a family's sampler produces.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    Images(ImageBatch),
    Points(Vec<[f32; 2]>),
    /// Generated text, one string per sample.
    Text(Vec<String>),
}

/// Named loss terms of one step, the total first.
pub type LossTerms = Vec<(String, f64)>;

/// Errors a family reports are already sentences for a person.
pub type FamilyResult<T> = Result<T, String>;

pub trait Family: Send {
    /// Short family name, e.g. "vae"; stored in checkpoints.
    fn family_name(&self) -> &'static str;

    /// One line describing the architecture, e.g. "MLP VAE 784-400-20, 0.65 M parameters".
    fn describe(&self) -> String;

    fn num_params(&self) -> usize;

    /// One optimisation step on a batch; returns the loss terms (total first).
    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms>;

    /// `n` samples from the model; the same seed gives the same samples.
    fn sample(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Samples>;

    /// The settings a person can change while the model trains.
    fn knobs(&self) -> Vec<Knob>;

    /// Changes the knob `name` (one of `knobs()`); a value of the wrong kind or out of range
    /// is refused with a sentence, and the model keeps its setting.
    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()>;

    /// Writes the weights and the config JSON into `dir` (which exists). Each file is
    /// written atomically by the caller's helpers.
    fn save(&self, dir: &Path) -> FamilyResult<()>;

    /// Remembers the current weights as known-good (called after finite steps).
    fn remember_good(&mut self);

    /// Goes back to the last known-good weights (after a NaN/Inf loss).
    fn restore_good(&mut self);

    /// Called after every finite step: a sentence when training should pause because the
    /// run has gone somewhere it will not come back from (e.g. a GAN's discriminator winning
    /// outright). NaN/Inf losses are the trainer's own check.
    fn divergence(&mut self) -> Option<String> {
        None
    }
}
