//! The deep belief network's configuration, saved beside its weights.

use serde::{Deserialize, Serialize};

use crate::models::bounds::{MAX_HIDDEN, MAX_LEARNING_RATE, MAX_SIDE};
use crate::models::{check_params, check_size};

/// RBMs in a stack: 2-4. Hinton, Osindero & Teh 2006 stack three (784-500-500-2000, the top
/// one joined to the labels); one RBM alone is the RBM family.
pub const MIN_RBMS: usize = 2;
pub const MAX_RBMS: usize = 4;
/// The most updates one layer gets before the next starts: `genlab train`'s most steps.
pub const MAX_STEPS_PER_LAYER: usize = 10_000_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DbnConfig {
    pub width: usize,
    pub height: usize,
    /// Hidden widths, bottom first: RBM l joins layer l (the pixels when l = 0) to `hidden[l]`.
    pub hidden: Vec<usize>,
    /// Updates each layer gets before the next one starts training; the top layer keeps
    /// training after its turn. Live.
    pub steps_per_layer: usize,
    /// Gibbs steps per update (the k of CD-k), every layer; live.
    pub k: usize,
    /// Persistent chains (PCD, Tieleman 2008), one set per layer, instead of chains restarted
    /// at the data.
    pub persistent: bool,
    /// Plain SGD step on every layer's CD gradient; live.
    pub learning_rate: f64,
}

impl Default for DbnConfig {
    /// 784-500-500, PCD-1 at 0.05, 2,000 updates a layer (batch 64): the first two layers of
    /// Hinton, Osindero & Teh's 784-500-500-2000, without the labels. Chosen with the PyTorch
    /// twin, `bench/dbn_reference.py --mnist assets/mnist --threads 1` (seed 0): 16 s for layer
    /// 1 and 12 s for layer 2 on one core; the first RBM's test pseudo-log-likelihood is −73.5
    /// at 0.05, −113 at 0.01 and −72.6 at 0.1 after 2,000 updates, −61 after 5,000 (2.5 times
    /// as long). 784-256-256-64 trains in half the time with blurrier samples.
    fn default() -> Self {
        Self { width: 28, height: 28, hidden: vec![500, 500], steps_per_layer: 2000, k: 1, persistent: true, learning_rate: 0.05 }
    }
}

impl DbnConfig {
    pub fn visible(&self) -> usize {
        self.width * self.height
    }

    /// Every layer's width, the pixels first: [V, H₁, H₂, …].
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.visible()).chain(self.hidden.iter().copied()).collect()
    }

    /// The number of RBMs.
    pub fn rbms(&self) -> usize {
        self.hidden.len()
    }

    /// "784-500-500".
    pub fn shape(&self) -> String {
        self.sizes().iter().map(usize::to_string).collect::<Vec<_>>().join("-")
    }

    /// A default run gives every layer its turn.
    pub fn default_steps(&self) -> u32 {
        (self.steps_per_layer * self.rbms()).min(MAX_STEPS_PER_LAYER) as u32
    }

    pub fn default_batch_size(&self) -> usize {
        64
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit: sides at most `bounds::MAX_SIDE`,
    /// `MIN_RBMS`-`MAX_RBMS` hidden layers of at most `bounds::MAX_HIDDEN` units, 1 to
    /// `MAX_STEPS_PER_LAYER` updates a layer, k of 1-100, a learning rate in (0, 10); the
    /// weights must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        check_size("width", self.width, 1, MAX_SIDE)?;
        check_size("height", self.height, 1, MAX_SIDE)?;
        check_size("hidden (layers)", self.hidden.len(), MIN_RBMS, MAX_RBMS)?;
        for &width in &self.hidden {
            check_size("hidden (width)", width, 1, MAX_HIDDEN)?;
        }
        check_size("steps_per_layer", self.steps_per_layer, 1, MAX_STEPS_PER_LAYER)?;
        if !(1..=100).contains(&self.k) {
            return Err(format!("k = {} Gibbs steps is outside 1…100", self.k));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate < MAX_LEARNING_RATE) {
            return Err(format!("learning rate {} must be in (0, {MAX_LEARNING_RATE})", self.learning_rate));
        }
        // Each RBM's W, visible biases and hidden biases, from sizes bounded above.
        let sizes = self.sizes();
        let params: u128 = sizes.windows(2).map(|p| (p[0] as u128 + 1) * (p[1] as u128 + 1) - 1).sum();
        check_params("this DBN", params)
    }
}
