//! Evaluating a character model: the exact likelihood of the held-out text (the last tenth of
//! the text it learnt), beside the unigram entropy a context-blind model cannot beat, and the
//! generation speed. Sample metrics (FID and friends) are defined for images and points only.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::data::text::{builtin_corpus, load_text_file};
use crate::metrics::{LikelihoodSummary, evaluate_text_likelihood};
use crate::models::charlm::SamplingSettings;
use crate::models::load_family;
use crate::train::checkpoint::read_progress;

use super::EvalOptions;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextReport {
    pub checkpoint: String,
    pub description: String,
    pub num_params: usize,
    pub step: u64,
    pub text: String,
    /// Per character: nats and bits.
    pub likelihood: LikelihoodSummary,
    /// Entropy of the training text's character frequencies, nats per character.
    pub unigram_entropy: f64,
    pub chars_per_second: f64,
}

impl TextReport {
    pub fn to_table(&self) -> String {
        let l = &self.likelihood;
        let mut out = format!("checkpoint: {} ({}, step {})\n", self.checkpoint, self.description, self.step);
        out += &format!("text: {}\n\n", self.text);
        out += &format!(
            "{:<26} {:>8.4} nats/char ({:.4} bits/char, ±{:.4}, {} held-out characters)\n",
            "NLL (exact)", l.nll_nats, l.bits_per_dim, l.std_error, l.examples
        );
        out += &format!("{:<26} {:>8.4} nats/char (the best a model ignoring context can do)\n", "unigram entropy", self.unigram_entropy);
        out += &format!("{:<26} {:>8.0} characters/s (one at a time)\n", "sampling", self.chars_per_second);
        out += &format!("{:<26} {:>8}\n", "parameters", self.num_params);
        out
    }
}

/// The held-out likelihood of a character model's checkpoint. The text is the one the run
/// recorded (its file, or the built-in corpus); windows of the model's context + 1 characters,
/// at most `options.n` of them.
pub fn evaluate_text(checkpoint: &Path, options: &EvalOptions, device: &Device) -> Result<TextReport, String> {
    let progress = read_progress(checkpoint)?;
    let mut family = load_family(checkpoint, device)?;
    let (description, num_params) = (family.describe(), family.num_params());
    let text = match &progress.data_dir {
        Some(file) => load_text_file(file)?,
        None => builtin_corpus(),
    };
    let view =
        family.tokens().ok_or_else(|| format!("{}: this checkpoint is a {}, not a text model", checkpoint.display(), description))?;
    let vocab = view.vocab();
    if vocab != text.vocab {
        return Err(format!(
            "{}: the model knows {} characters but {} has {}: it was trained on another text",
            checkpoint.display(),
            vocab.len(),
            text.source,
            text.vocab.len()
        ));
    }
    let window = view.block_size() + 1;
    let started = Instant::now();
    view.generate(&[], 100, &SamplingSettings::default(), options.seed)?;
    let chars_per_second = 100.0 / started.elapsed().as_secs_f64();
    let model = family.likelihood().ok_or("this text model has no likelihood")?;
    let likelihood = evaluate_text_likelihood(model, &text.test, window, options.n)?.into_iter().next().ok_or("no likelihood estimate")?;
    Ok(TextReport {
        checkpoint: checkpoint.display().to_string(),
        description,
        num_params,
        step: progress.step,
        text: text.source.clone(),
        likelihood,
        unigram_entropy: text.unigram_entropy(),
        chars_per_second,
    })
}
