//! The character model as a trainable family: next-character cross-entropy with Adam, exact
//! log-likelihood of text, and generation with temperature, top-k and top-p.

use std::path::Path;

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use crate::data::text::decode;
use crate::models::one_network::{load_one_network, one_network_methods};
use crate::models::weights::{AdamNet, learning_rate_knob, read_back, set_config_knob};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, Knob, KnobValue, LossTerms, Samples};
use crate::views::{DrawnToken, LikelihoodModel, LogLikelihood, NextToken, TokenView};

use super::config::{CharLmConfig, MAX_SAMPLE_LENGTH, MAX_TEMPERATURE};
use super::model::{CharTransformer, one_hot_tokens};
use super::sampling::{SamplingSettings, draw, next_token_distribution};

pub const FAMILY_NAME: &str = "charlm";
const WEIGHTS_FILE: &str = "model.bpk";

pub struct CharLmFamily {
    config: CharLmConfig,
    /// With Adam at PyTorch's ε, as in bench/charlm_reference.py.
    model: AdamNet<CharTransformer>,
    /// The training device (autodiff on).
    device: Device,
}

/// Mean −log p(target) over every position, from logits and one-hot targets.
///
/// # Shapes
/// logits, targets: [B, T, V] → [1]
fn cross_entropy(logits: Tensor<3>, targets: Tensor<3>) -> Tensor<1> {
    let [b, t, _] = logits.dims();
    (log_softmax(logits, 2) * targets).sum().neg().div_scalar((b * t) as f64)
}

impl CharLmFamily {
    /// A freshly initialised model on `device` (a plain device; autodiff is added here).
    pub fn new(config: CharLmConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        Ok(Self { model: AdamNet::new(CharTransformer::new(&config, &device), "the character model"), config, device })
    }

    /// Loads a checkpoint directory written by `save`.
    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        load_one_network(dir, "character-model", CharLmConfig::validate, |c| Self::new(c, device, 0), |f| &mut f.model, WEIGHTS_FILE)
    }

    pub fn config(&self) -> &CharLmConfig {
        &self.config
    }

    /// The network on the training device, for tests that differentiate through it.
    pub fn network(&self) -> FamilyResult<&CharTransformer> {
        self.model.get()
    }

    pub fn training_device(&self) -> &Device {
        &self.device
    }

    fn vocab_size(&self) -> usize {
        self.config.vocab_size()
    }

    /// Splits `n` windows of `T + 1` ids into one-hot inputs (the first T) and targets (the
    /// last T).
    fn inputs_and_targets(&self, x: &[f32], n: usize, device: &Device) -> FamilyResult<(Tensor<3>, Tensor<3>, usize)> {
        let window = x.len() / n.max(1);
        if window < 2 || window * n != x.len() || window > self.config.block_size + 1 {
            return Err(format!(
                "examples of {window} characters: this model reads windows of 2…{} characters",
                self.config.block_size + 1
            ));
        }
        let v = self.vocab_size();
        let mut inputs = Vec::with_capacity(n * (window - 1));
        let mut targets = Vec::with_capacity(n * (window - 1));
        for row in x.chunks(window) {
            let ids: Vec<u32> = row.iter().map(|&f| f as u32).collect();
            if let Some(&bad) = ids.iter().find(|&&id| id as usize >= v) {
                return Err(format!("token {bad} is outside this model's {v}-character vocabulary"));
            }
            inputs.extend_from_slice(&ids[..window - 1]);
            targets.extend_from_slice(&ids[1..]);
        }
        let t = window - 1;
        Ok((one_hot_tokens(&inputs, n, t, v, device), one_hot_tokens(&targets, n, t, v, device), t))
    }

    /// A context to start from when none is given: a newline when the text has one (samples
    /// then start at the beginning of a line), else the first character.
    fn start_token(&self) -> u32 {
        self.config.vocab.binary_search(&'\n').unwrap_or(0) as u32
    }

    fn crop<'a>(&self, context: &'a [u32]) -> &'a [u32] {
        &context[context.len().saturating_sub(self.config.block_size)..]
    }

    /// How samples are drawn. `set_knob` takes these like the knobs, but `knobs()` does not
    /// list them: the next-character view, which shows what they do to the distribution,
    /// has its own controls for them (and `genlab sample` its flags).
    fn sampling_knobs(&self) -> Vec<Knob> {
        let c = &self.config;
        vec![
            Knob::real(
                "temperature",
                "temperature",
                "divides the logits before the softmax: below 1 picks likely characters more often, above 1 takes more risks; 0 always takes the most likely",
                c.sampling.temperature,
                (0.0, MAX_TEMPERATURE),
                false,
            ),
            Knob::whole(
                "top_k",
                "top-k",
                "draw only from the k most likely characters (0: all)",
                c.sampling.top_k as i64,
                (0, self.vocab_size() as i64),
                false,
            ),
            Knob::real(
                "top_p",
                "top-p",
                "draw only from the most likely characters that together hold this much probability (1: all)",
                c.sampling.top_p,
                (0.0, 1.0),
                false,
            ),
            Knob::whole(
                "sample_length",
                "sample length (characters)",
                "characters per generated sample",
                c.sample_length as i64,
                (1, MAX_SAMPLE_LENGTH as i64),
                true,
            ),
        ]
    }
}

impl Family for CharLmFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        self.config.describe()
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let device = self.device.clone();
        let (inputs, targets, _) = self.inputs_and_targets(batch.x, batch.n, &device)?;
        let model = self.model.take()?;
        let loss = cross_entropy(model.forward(inputs).logits, targets);
        let value = read_back(loss.clone().without_autodiff())?[0] as f64;
        let terms: LossTerms = vec![("cross-entropy (nats/char)".into(), value), ("bits/char".into(), value / std::f64::consts::LN_2)];
        self.model.step(model, loss, value.is_finite(), self.config.learning_rate);
        Ok(terms)
    }

    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        let settings = self.config.sampling;
        let start = [self.start_token()];
        let mut texts = Vec::with_capacity(n);
        for i in 0..n {
            let drawn = self.generate(&start, self.config.sample_length, &settings, seed.wrapping_add(i as u64))?;
            let ids: Vec<u32> = drawn.iter().map(|d| d.token).collect();
            texts.push(decode(&self.config.vocab, &ids));
        }
        Ok(Samples::Text(texts))
    }

    fn knobs(&self) -> Vec<Knob> {
        vec![learning_rate_knob(self.config.learning_rate)]
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        let mut accepted = self.knobs();
        accepted.extend(self.sampling_knobs());
        set_config_knob(&mut self.config, &accepted, name, value, "character model", CharLmConfig::validate, |next, name, value| {
            match (name, value) {
                ("learning_rate", KnobValue::Real(v)) => next.learning_rate = v,
                ("temperature", KnobValue::Real(v)) => next.sampling.temperature = v,
                ("top_k", KnobValue::Whole(k)) => next.sampling.top_k = k as usize,
                ("top_p", KnobValue::Real(v)) => next.sampling.top_p = v,
                ("sample_length", KnobValue::Whole(n)) => next.sample_length = n as usize,
                _ => return false,
            }
            true
        })
    }

    one_network_methods!(model, config, WEIGHTS_FILE);
}

impl crate::views::Model for CharLmFamily {
    fn likelihood(&mut self) -> Option<&mut dyn LikelihoodModel> {
        Some(self)
    }

    fn tokens(&mut self) -> Option<&mut dyn TokenView> {
        Some(self)
    }
}

impl LikelihoodModel for CharLmFamily {
    /// log p(x_2 … x_W | x_1) of each window of W token ids, nats: exact, a sum over the W − 1
    /// predicted characters.
    fn log_likelihood(
        &mut self,
        x: &[f32],
        n: usize,
        _labels: &[u8],
        _importance_samples: usize,
        _seed: u64,
    ) -> FamilyResult<Vec<LogLikelihood>> {
        let device = self.device.clone().without_autodiff();
        let (inputs, targets, _) = self.inputs_and_targets(x, n, &device)?;
        let model = self.model.get()?.valid();
        let logp = (log_softmax(model.forward(inputs).logits, 2) * targets).sum_dim(2).sum_dim(1); // [B, 1, 1]
        let per_example = read_back(logp.reshape([n]))?.into_iter().map(|v| v as f64).collect();
        Ok(vec![LogLikelihood { name: "exact (per window)".into(), exact: true, per_example }])
    }
}

impl TokenView for CharLmFamily {
    fn vocab(&self) -> Vec<char> {
        self.config.vocab.clone()
    }

    fn block_size(&self) -> usize {
        self.config.block_size
    }

    fn next_token(&mut self, context: &[u32]) -> FamilyResult<NextToken> {
        if context.is_empty() {
            return Err("type at least one character for the model to continue".into());
        }
        let context = self.crop(context).to_vec();
        let (v, t) = (self.vocab_size(), context.len());
        if let Some(&bad) = context.iter().find(|&&id| id as usize >= v) {
            return Err(format!("token {bad} is outside this model's {v}-character vocabulary"));
        }
        let device = self.device.clone().without_autodiff();
        let model = self.model.get()?.valid();
        let out = model.forward(one_hot_tokens(&context, 1, t, v, &device));
        let logits = read_back(out.logits.slice([0..1, t - 1..t, 0..v]).reshape([v]))?;
        let mut attention = Vec::with_capacity(out.attention.len());
        for w in out.attention {
            let heads = w.dims()[1];
            let values = read_back(w)?; // [1, H, T, T]
            attention.push(values.chunks(t * t).take(heads).map(<[f32]>::to_vec).collect());
        }
        Ok(NextToken { vocab: self.config.vocab.clone(), context, logits, attention })
    }

    fn generate(&mut self, prompt: &[u32], n: usize, settings: &SamplingSettings, seed: u64) -> FamilyResult<Vec<DrawnToken>> {
        settings.validate()?;
        let (v, device) = (self.vocab_size(), self.device.clone().without_autodiff());
        let model = self.model.get()?.valid();
        let mut rng = Rng::new(seed ^ 0xC4A2);
        let mut context: Vec<u32> = if prompt.is_empty() { vec![self.start_token()] } else { prompt.to_vec() };
        let mut drawn = Vec::with_capacity(n);
        for _ in 0..n {
            let window = self.crop(&context);
            let t = window.len();
            let logits = model.forward(one_hot_tokens(window, 1, t, v, &device)).logits;
            let logits = read_back(logits.slice([0..1, t - 1..t, 0..v]).reshape([v]))?;
            let probs = next_token_distribution(&logits, settings);
            let token = draw(&probs, rng.uniform());
            drawn.push(DrawnToken { token: token as u32, probability: probs[token] });
            context.push(token as u32);
        }
        Ok(drawn)
    }
}
