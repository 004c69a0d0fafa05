//! The character model's configuration, saved beside its weights; the vocabulary is part of
//! it, so a checkpoint reads and writes text on its own.

use serde::{Deserialize, Serialize};

use super::sampling::SamplingSettings;

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

    /// Checks the values a user can type; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.vocab.len() < 2 {
            return Err(format!("a vocabulary of {} characters is too small: the text needs at least 2 distinct characters", self.vocab.len()));
        }
        if !(2..=512).contains(&self.block_size) {
            return Err(format!("context length {} is outside 2…512", self.block_size));
        }
        if self.heads == 0 || self.d_model == 0 || self.d_model % self.heads != 0 {
            return Err(format!("d_model {} must be a positive multiple of the {} heads", self.d_model, self.heads));
        }
        if !(1..=16).contains(&self.layers) {
            return Err(format!("{} layers is outside 1…16", self.layers));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate < 1.0) {
            return Err(format!("learning rate {} must be in (0, 1)", self.learning_rate));
        }
        if self.sample_length == 0 {
            return Err("samples must be at least one character long".into());
        }
        self.sampling.validate()
    }
}
