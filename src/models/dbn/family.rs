//! The deep belief network as a trainable family (Hinton, Osindero & Teh 2006): each step is
//! one CD-k or PCD-k update (the RBM family's `cd_update`) of the RBM whose turn it is, on the
//! batch passed up through the frozen RBMs below; sampling is a Gibbs chain in the top RBM
//! of the stack so far, then one pass down through the lower RBMs' generative weights.

use std::path::Path;

use burn::prelude::*;
use serde::Serialize;

use crate::models::rbm::family::{SAMPLE_GIBBS_STEPS, binarize, cd_knobs, noise_states, persistent_chains, seeded_uniforms};
use crate::models::rbm::{Rbm, free_energy, gibbs_sweep};
use crate::models::weights::{KnownGood, checked_config, load_weights, read_back, save_checkpoint, set_config_knob};
use crate::rng::Rng;
use crate::train::checkpoint::{CONFIG_FILE, read_config};
use crate::train::{Batch, Family, FamilyResult, ImageBatch, Knob, KnobValue, LossTerms, Samples};

use super::config::{DbnConfig, MAX_STEPS_PER_LAYER};
use super::stack::{Greedy, Stack};

pub const FAMILY_NAME: &str = "dbn";
const WEIGHTS_FILE: &str = "model.bpk";

/// The names of the loss terms, the same at every layer (so losses.csv keeps its columns);
/// `LAYER_TERM` says which layer the other terms are of.
pub const RECONSTRUCTION_TERM: &str = "reconstruction error per unit";
pub const GAP_TERM: &str = "free-energy gap F(data) − F(chains)";
pub const LAYER_TERM: &str = "layer in training";

pub struct DbnFamily {
    config: DbnConfig,
    pub(super) stack: Stack,
    pub(super) greedy: Greedy,
    /// A plain device: the CD gradient is written out, no autodiff.
    pub(super) device: Device,
    rng: Rng,
    /// PCD's chains of the RBM in training, carried from one update to the next.
    persistent: Option<Tensor<2>>,
    good: KnownGood<(Stack, Greedy)>,
}

/// What a checkpoint's `config` section holds: the configuration and, beside its fields, where
/// the greedy schedule stands.
#[derive(Serialize)]
struct Saved<'a> {
    #[serde(flatten)]
    config: &'a DbnConfig,
    greedy: &'a Greedy,
}

/// The schedule a checkpoint's `config.json` (already read as `json`) saved, checked against
/// `config`; a fresh schedule when it has none.
pub fn saved_greedy(json: &serde_json::Value, dir: &Path, config: &DbnConfig) -> FamilyResult<Greedy> {
    let file = dir.join(CONFIG_FILE);
    let greedy = match json.get("config").and_then(|c| c.get("greedy")) {
        None => Greedy::new(config.rbms()),
        Some(value) => serde_json::from_value::<Greedy>(value.clone())
            .map_err(|e| format!("{}: \"greedy\" is not where a DBN's training stands ({e})", file.display()))?,
    };
    greedy.check(config.rbms()).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(greedy)
}

impl DbnFamily {
    pub fn new(config: DbnConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let _seeded = crate::models::seed_device(device, seed);
        let device = device.clone();
        Ok(Self {
            stack: Stack::new(&config.sizes(), &device),
            greedy: Greedy::new(config.rbms()),
            config,
            device,
            rng: Rng::new(seed ^ 0xDB7),
            persistent: None,
            good: KnownGood::default(),
        })
    }

    /// A DBN with the given parameters, one (W row-major [V_l, H_l], b [V_l], c [H_l]) per RBM,
    /// bottom first, as `rbm::Rbm::from_values` takes them (tests, machines built by hand).
    pub fn from_parameters(config: DbnConfig, layers: Vec<(Vec<f32>, Vec<f32>, Vec<f32>)>, device: &Device) -> FamilyResult<Self> {
        config.validate()?;
        let sizes = config.sizes();
        if layers.len() != config.rbms() {
            return Err(format!("{} RBMs given for a stack of {}", layers.len(), config.rbms()));
        }
        for (l, ((w, b, c), pair)) in layers.iter().zip(sizes.windows(2)).enumerate() {
            let (v, h) = (pair[0], pair[1]);
            if w.len() != v * h || b.len() != v || c.len() != h {
                return Err(format!("RBM {} is {v} × {h}: it takes {} weights, {v} and {h} biases", l + 1, v * h));
            }
        }
        let mut family = Self::new(config, device, 0)?;
        let device = family.device.clone();
        family.stack = Stack { layers: layers.into_iter().map(|(w, b, c)| Rbm::from_values(w, b, c, &device)).collect() };
        Ok(family)
    }

    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let json = read_config(dir)?;
        let config = checked_config(&json, dir, "DBN", DbnConfig::validate)?;
        let greedy = saved_greedy(&json, dir, &config)?;
        let mut family = Self::new(config, device, 0)?;
        family.stack = load_weights(family.stack.clone(), dir, WEIGHTS_FILE)?;
        family.greedy = greedy;
        Ok(family)
    }

    pub fn config(&self) -> &DbnConfig {
        &self.config
    }

    /// The RBMs, bottom first.
    pub fn machines(&self) -> &Stack {
        &self.stack
    }

    pub fn greedy(&self) -> &Greedy {
        &self.greedy
    }

    /// The data the RBM in training would get for the images `x` (`n` of them): the
    /// binarized images passed up through the RBMs below (`Stack::up`).
    ///
    /// # Shapes
    /// → [n, sizes[layer]] row-major
    pub fn layer_data(&self, x: &[f32], n: usize) -> FamilyResult<Vec<f32>> {
        read_back(self.stack.up(self.pixels(x, n)?, self.greedy.layer))
    }

    /// `x` binarized as the RBM family binarizes, on the device.
    fn pixels(&self, x: &[f32], n: usize) -> FamilyResult<Tensor<2>> {
        let d = self.config.visible();
        if x.len() != n * d {
            return Err(format!("the data has {} values per example but this DBN has {d} visible units", x.len() / n.max(1)));
        }
        Ok(Tensor::from_data(TensorData::new(binarize(x), [n, d]), &self.device))
    }

    /// `n` samples from the stack cut at RBM `top`: `steps` Gibbs steps in it from Bernoulli(½)
    /// noise, then the downward pass (`Stack::down`). Every draw comes from `seed`.
    ///
    /// # Shapes
    /// → [n, V]
    pub(super) fn sample_stack(&self, top: usize, n: usize, steps: usize, seed: u64) -> Tensor<2> {
        let device = &self.device;
        let rbm = &self.stack.layers[top];
        let mut v = noise_states(&mut Rng::new(seed ^ 0x5A), [n, rbm.visible_bias.dims()[0]], device);
        let mut rng = Rng::new(seed);
        let mut uniforms = |shape: [usize; 2]| seeded_uniforms(&mut rng, shape, device);
        let mut means = v.clone();
        for _ in 0..steps {
            (means, v) = gibbs_sweep(rbm, v, &mut uniforms);
        }
        if top == 0 {
            // The bottom RBM alone: its visible means, as the RBM family shows them.
            return means;
        }
        self.stack.down(v, top, Some(&mut uniforms))
    }

    pub(super) fn images(&self, t: Tensor<2>) -> FamilyResult<ImageBatch> {
        let n = t.dims()[0];
        Ok(ImageBatch { n, width: self.config.width, height: self.config.height, pixels: read_back(t)? })
    }

    /// Ends the current layer's turn now (the tab's "next layer" button); false at the top.
    pub fn move_to_next_layer(&mut self) -> bool {
        let moved = self.greedy.next_layer();
        if moved {
            self.persistent = None;
        }
        moved
    }
}

impl Family for DbnFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        format!(
            "Deep belief net {}: {} RBMs trained one at a time, {} {}-{} updates each",
            c.shape(),
            c.rbms(),
            c.steps_per_layer,
            if c.persistent { "PCD" } else { "CD" },
            c.k
        )
    }

    fn num_params(&self) -> usize {
        self.stack.num_params()
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let x0 = self.pixels(batch.x, batch.n)?;
        if self.greedy.advance(self.config.steps_per_layer) {
            // The next RBM's chains live in its own visible space.
            self.persistent = None;
        }
        let layer = self.greedy.layer;
        let device = self.device.clone();
        let (n, v_dim) = (batch.n, self.config.sizes()[layer]);
        let persistent = persistent_chains(self.config.persistent, self.persistent.take(), [n, v_dim], &mut self.rng, &device);
        let rng = &mut self.rng;
        let mut uniforms = |shape: [usize; 2]| seeded_uniforms(rng, shape, &device);
        let (data, step) = self.stack.update_layer(layer, x0, persistent, self.config.k, self.config.learning_rate, &mut uniforms);
        let recon = (data.clone() - step.reconstruction).powf_scalar(2.0).mean();
        let gap = (free_energy(&step.rbm, data) - free_energy(&step.rbm, step.chain.clone())).mean();
        let values = read_back(Tensor::cat(vec![recon, gap], 0))?;
        self.stack.layers[layer] = step.rbm;
        if self.config.persistent {
            self.persistent = Some(step.chain);
        }
        self.greedy.count_step();
        Ok(vec![
            (RECONSTRUCTION_TERM.into(), values[0] as f64),
            (GAP_TERM.into(), values[1] as f64),
            (LAYER_TERM.into(), (layer + 1) as f64),
        ])
    }

    /// The stack as it stands: a Gibbs chain in the RBM training now (the layers above it are
    /// still waiting), then down through the ones below.
    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        let samples = self.sample_stack(self.greedy.layer, n, SAMPLE_GIBBS_STEPS, seed);
        Ok(Samples::Images(self.images(samples)?))
    }

    fn knobs(&self) -> Vec<Knob> {
        let mut knobs =
            cd_knobs(self.config.learning_rate, "SGD step on the contrastive-divergence gradient of the layer in training", self.config.k);
        knobs.push(Knob::whole(
            "steps_per_layer",
            "updates per layer",
            "how many updates each layer gets before the next one starts (the top layer keeps training); \
             below the current layer's count, the next update starts the layer above",
            self.config.steps_per_layer as i64,
            (1, MAX_STEPS_PER_LAYER as i64),
            true,
        ));
        knobs
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        let knobs = self.knobs();
        set_config_knob(&mut self.config, &knobs, name, value, "DBN", DbnConfig::validate, |next, name, value| {
            match (name, value) {
                ("learning_rate", KnobValue::Real(v)) => next.learning_rate = v,
                ("k", KnobValue::Whole(n)) => next.k = n as usize,
                ("steps_per_layer", KnobValue::Whole(n)) => next.steps_per_layer = n as usize,
                _ => return false,
            }
            true
        })
    }

    fn save(&self, dir: &Path) -> FamilyResult<()> {
        save_checkpoint(&self.stack, dir, WEIGHTS_FILE, FAMILY_NAME, &Saved { config: &self.config, greedy: &self.greedy })
    }

    fn remember_good(&mut self) {
        self.good.remember_copy(Some((self.stack.clone(), self.greedy.clone())));
    }

    fn restore_good(&mut self) {
        if let Some((stack, greedy)) = self.good.restore() {
            self.stack = stack;
            self.greedy = greedy;
        }
        self.persistent = None;
    }
}
