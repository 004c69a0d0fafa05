//! The next-token view (autoregressive text models): the next character's distribution,
//! attention, and generation with sampling settings.

use serde::{Deserialize, Serialize};

use super::{Model, ask};
use crate::train::{FamilyResult, Question};

/// What an autoregressive text model says about the character after a context.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NextToken {
    /// The model's vocabulary: token i is `vocab[i]` (a loaded checkpoint may bring another).
    pub vocab: Vec<char>,
    /// The context as the model read it (its last `block` characters at most).
    pub context: Vec<u32>,
    /// Logits of the next token, one per vocabulary entry.
    pub logits: Vec<f32>,
    /// Attention weights per layer, then head: `attention[l][h]` is a
    /// T × T row-major matrix (row: the position attending, column: the position attended to).
    pub attention: Vec<Vec<Vec<f32>>>,
}

/// One generated token and the probability it was drawn with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DrawnToken {
    pub token: u32,
    pub probability: f64,
}

/// Autoregressive text models: the next-token distribution, attention, and generation.
pub trait TokenView {
    /// Every token's text, indexed by token id.
    fn vocab(&self) -> Vec<char>;

    /// The model's longest context.
    fn block_size(&self) -> usize;

    /// The next-token logits and the attention maps for `context` (cropped to its last
    /// `block_size` tokens; an empty context is refused).
    fn next_token(&mut self, context: &[u32]) -> FamilyResult<NextToken>;

    /// Continues `prompt` by `n` tokens with the given sampling settings; the same seed gives
    /// the same text.
    fn generate(&mut self, prompt: &[u32], n: usize, settings: &SamplingSettings, seed: u64) -> FamilyResult<Vec<DrawnToken>>;
}

/// How the next token is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SamplingSettings {
    /// Divides the logits: below 1 sharpens the distribution, above 1 flattens it; 0 is
    /// greedy (always the most probable token).
    pub temperature: f64,
    /// Keep only the k most probable tokens (0: off).
    pub top_k: usize,
    /// Keep the smallest set of most probable tokens whose mass reaches p (1: off).
    pub top_p: f64,
}

impl Default for SamplingSettings {
    fn default() -> Self {
        Self { temperature: 0.8, top_k: 0, top_p: 1.0 }
    }
}

impl SamplingSettings {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.temperature >= 0.0 && self.temperature.is_finite()) {
            return Err(format!("temperature {} must be a finite number ≥ 0", self.temperature));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(format!("top-p {} must be in (0, 1]", self.top_p));
        }
        Ok(())
    }
}

/// Generated tokens after `prompt`, each with the probability it was drawn with.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub prompt: Vec<u32>,
    pub tokens: Vec<DrawnToken>,
}

/// The next-token distribution and attention maps after `context` (answered as a `NextToken`).
pub fn next_token(context: Vec<u32>) -> Question<dyn Model> {
    ask(move |model, _| model.tokens().ok_or("this model does not predict text")?.next_token(&context))
}

/// Continues `prompt` by `n` tokens.
pub fn generate(prompt: Vec<u32>, n: usize, settings: SamplingSettings, seed: u64) -> Question<dyn Model> {
    ask(move |model, _| {
        let tokens = model.tokens().ok_or("this model does not predict text")?.generate(&prompt, n, &settings, seed)?;
        Ok(Generated { prompt, tokens })
    })
}
