//! The character model's configuration, saved beside its weights; the vocabulary is part of
//! it, so a checkpoint reads and writes text on its own.

use serde::{Deserialize, Serialize};

use super::sampling::SamplingSettings;
use crate::models::{check_learning_rate, check_params, check_size, linear_params};

/// The most distinct characters: 4,096, eight times what genlab's text loader accepts (512),
/// for vocabularies of other scripts.
pub const MAX_VOCAB: usize = 4096;
/// The widest residual stream: 4,096 (GPT-2 small's is 768; the GUI offers up to 256).
pub const MAX_D_MODEL: usize = 4096;
/// The most attention heads: 64 (the GUI offers up to 8).
pub const MAX_HEADS: usize = 64;
/// The longest sample: 100,000 characters (default 300), one network pass each.
pub const MAX_SAMPLE_LENGTH: usize = 100_000;
/// The highest sampling temperature: 100, far past where samples are uniform noise (the GUI
/// offers 0-2).
pub const MAX_TEMPERATURE: f64 = 100.0;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CharLmConfig {
    /// Every character the model knows, sorted; token i is `vocab[i]`.
    pub vocab: Vec<char>,
    /// The longest context the model reads (T): attention spans at most this many characters.
    pub block_size: usize,
    /// Width of the residual stream (d_model).
    pub d_model: usize,
    /// Attention heads per layer; d_model / heads is each head's width.
    pub heads: usize,
    /// Transformer blocks.
    pub layers: usize,
    pub learning_rate: f64,
    /// How `sample` draws characters (live: the GUI's sliders and `genlab sample` set it).
    pub sampling: SamplingSettings,
    /// Characters per sample drawn by `sample`.
    pub sample_length: usize,
}

impl Default for CharLmConfig {
    fn default() -> Self {
        Self {
            vocab: Vec::new(),
            block_size: 64,
            d_model: 128,
            heads: 4,
            layers: 3,
            learning_rate: 1e-3,
            sampling: SamplingSettings::default(),
            sample_length: 300,
        }
    }
}

impl CharLmConfig {
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Steps of the default run: a few minutes on two CPU cores.
    pub fn default_steps(&self) -> u32 {
        3000
    }

    pub fn default_batch_size(&self) -> usize {
        32
    }

    pub fn describe(&self) -> String {
        format!(
            "character transformer: {} layers, {} heads, d_model {}, context {}, {} characters",
            self.layers,
            self.heads,
            self.d_model,
            self.block_size,
            self.vocab.len()
        )
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit: 2-`MAX_VOCAB` distinct characters in
    /// order, a context of 2-512, 1-16 layers, d_model at most `MAX_D_MODEL` and a multiple
    /// of 1-`MAX_HEADS` heads, samples of at most `MAX_SAMPLE_LENGTH` characters; the
    /// parameters must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        if self.vocab.len() < 2 {
            return Err(format!(
                "a vocabulary of {} characters is too small: the text needs at least 2 distinct characters",
                self.vocab.len()
            ));
        }
        check_size("vocab (characters)", self.vocab.len(), 2, MAX_VOCAB)?;
        // Token ids are found by binary search (`data::text::encode`).
        if let Some(pair) = self.vocab.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(format!("the vocabulary must be sorted without repeats, but {:?} comes before {:?}", pair[0], pair[1]));
        }
        if !(2..=512).contains(&self.block_size) {
            return Err(format!("context length {} is outside 2…512", self.block_size));
        }
        check_size("heads", self.heads, 1, MAX_HEADS)?;
        check_size("d_model", self.d_model, 1, MAX_D_MODEL)?;
        if self.heads == 0 || self.d_model == 0 || self.d_model % self.heads != 0 {
            return Err(format!("d_model {} must be a positive multiple of the {} heads", self.d_model, self.heads));
        }
        if !(1..=16).contains(&self.layers) {
            return Err(format!("{} layers is outside 1…16", self.layers));
        }
        check_learning_rate(self.learning_rate)?;
        if self.sample_length == 0 {
            return Err("samples must be at least one character long".into());
        }
        check_size("sample_length", self.sample_length, 1, MAX_SAMPLE_LENGTH)?;
        if !(self.sampling.temperature <= MAX_TEMPERATURE) {
            return Err(format!("temperature {} is out of range: it must lie between 0 and {MAX_TEMPERATURE}", self.sampling.temperature));
        }
        check_size("top_k", self.sampling.top_k, 0, MAX_VOCAB)?;
        self.sampling.validate()?;
        check_params("this character model", self.num_params())
    }

    /// Parameters of the transformer (`model.rs`, `block.rs`, `attention.rs`), from sizes
    /// `validate` has bounded.
    fn num_params(&self) -> u128 {
        let (v, c) = (self.vocab.len(), self.d_model);
        // LayerNorm: a scale and a shift per channel.
        let block = 2 * 2 * c as u128 + 4 * linear_params(c, c) + linear_params(c, 4 * c) + linear_params(4 * c, c);
        (v * c) as u128 + (self.block_size * c) as u128 + self.layers as u128 * block + 2 * c as u128 + linear_params(c, v)
    }
}
