//! The stack of RBMs and the greedy schedule that trains it (Hinton, Osindero & Teh 2006, §4).
//!
//! RBM l joins layer x_l (the pixels x_0 when l = 0) to layer x_{l+1}. Each is the RBM family's
//! own machine (`rbm::Rbm`: its parameters, p(h | v), p(v | h)); this file adds only what a
//! stack has that one RBM has not:
//! - the upward pass that makes the data of the layer in training: x_{l+1} = p(x_{l+1} = 1 | x_l),
//!   probabilities all the way up from the binarized image (see `Stack::up` for why);
//! - the downward pass of the generative model: the top two layers are an undirected
//!   associative memory, sampled by Gibbs sampling, and every layer below is a directed sigmoid
//!   belief net, x_l ~ p(x_l | x_{l+1}) = σ(x_{l+1} W_lᵀ + b_l), sampled once, top to bottom;
//! - `Greedy`: which layer trains. Layer 1 for its steps, then layer 2, and so on; the lower
//!   layers are frozen from then on, and the top one keeps training after its turn.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::models::rbm::{CdStep, Rbm, bernoulli, cd_update};
use crate::views::stack::LayerState;

/// RBMs stacked bottom first: `layers[l]` has visible units x_l and hidden units x_{l+1}.
#[derive(Module, Debug)]
pub struct Stack {
    pub layers: Vec<Rbm>,
}

impl Stack {
    /// RBMs of the widths `sizes` = [V, H₁, H₂, …] (at least two), each initialised as the RBM
    /// family's: W ~ N(0, 0.01²), biases 0.
    pub fn new(sizes: &[usize], device: &Device) -> Self {
        Self { layers: sizes.windows(2).map(|pair| Rbm::new(pair[0], pair[1], device)).collect() }
    }

    /// The data RBM `layer` trains on: x_layer = p(x_layer = 1 | x_{layer−1}), the layers
    /// below applied in turn to the binarized images x_0 (`layer` = 0: x_0 itself).
    ///
    /// Probabilities, not binary samples. The paper's greedy step (§4, steps 3-4) freezes the
    /// layers below, uses their transposed weights to infer the factorial approximate
    /// posterior Q(x_{l+1} | x_l) = Π_j σ(c_j + (x_l W)_j), and trains the next RBM on the
    /// "data" that posterior produces; its variational bound is an average over Q. The
    /// probabilities are Q's mean: the same data without the sampling noise, and what
    /// Hinton's own code passes up (rbm.m's batchposhidprobs, in Hinton & Salakhutdinov 2006).
    /// They also make the data of a layer a fixed function of the batch, which
    /// tests/dbn.rs checks against a hand computation.
    ///
    /// # Shapes
    /// x0: [B, V] → [B, sizes[layer]]
    pub fn up(&self, x0: Tensor<2>, layer: usize) -> Tensor<2> {
        self.layers[..layer].iter().fold(x0, |x, rbm| rbm.hidden_probs(x))
    }

    /// One CD-k (or PCD-k) update of RBM `layer` on the images `x0`: the batch passed up
    /// (`up`), then the RBM family's `cd_update` on it with learning rate `lr`. Returns the
    /// data the RBM saw and the update; the stack itself is left as it was (the caller puts
    /// `step.rbm` in place), so every other layer stays bit for bit what it was.
    ///
    /// # Shapes
    /// x0: [B, V], persistent: [B, sizes[layer]] or None → data [B, sizes[layer]]
    pub fn update_layer(
        &self,
        layer: usize,
        x0: Tensor<2>,
        persistent: Option<Tensor<2>>,
        k: usize,
        lr: f64,
        uniforms: &mut dyn FnMut([usize; 2]) -> Tensor<2>,
    ) -> (Tensor<2>, CdStep) {
        let data = self.up(x0, layer);
        let step = cd_update(&self.layers[layer], data.clone(), persistent, k, lr, uniforms);
        (data, step)
    }

    /// The generative model's downward pass from a state of x_top (the top RBM's visible
    /// units): x_l ~ p(x_l | x_{l+1}) for l = top − 1 … 1, drawn once each with `uniforms`,
    /// and the pixel means p(x_0 = 1 | x_1) at the bottom (as the RBM family shows its
    /// samples). Without `uniforms`, every layer gets its means instead of a draw: a smooth
    /// picture of a state, for showing a chain frame by frame. `top` = 0: `x` is the pixels.
    ///
    /// # Shapes
    /// x: [N, sizes[top]] → [N, V]
    pub fn down(&self, x: Tensor<2>, top: usize, mut uniforms: Option<&mut dyn FnMut([usize; 2]) -> Tensor<2>>) -> Tensor<2> {
        let mut x = x;
        for l in (0..top).rev() {
            let p = self.layers[l].visible_probs(x);
            x = match uniforms.as_mut() {
                Some(draw) if l > 0 => {
                    let shape = p.dims();
                    bernoulli(p, draw(shape))
                }
                _ => p,
            };
        }
        x
    }

    /// Each of layer `layer`'s hidden units as a pattern of pixels: the columns of
    /// W₁·W₂·…·W_{layer+1} ([V, H]). Layer 0's are its filters as the RBM tab shows them; a
    /// unit higher up is drawn as the lower units' filters weighted by its weights to them, a
    /// linear picture of what it looks for (the sigmoids between the layers are left out).
    ///
    /// # Shapes
    /// → [V, sizes[layer + 1]]
    pub fn pixel_filters(&self, layer: usize) -> Tensor<2> {
        let first = self.layers[0].weights.val();
        self.layers[1..=layer].iter().fold(first, |w, rbm| w.matmul(rbm.weights.val()))
    }
}

/// Where the greedy schedule stands: the layer in training and every layer's updates so far.
/// Saved in the checkpoint beside the configuration (`family.rs`), so a loaded DBN goes on
/// where it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Greedy {
    /// The RBM in training, 0 = the bottom one.
    pub layer: usize,
    /// Updates each RBM has had, bottom first.
    pub steps: Vec<u64>,
}

impl Greedy {
    /// The start of a stack of `rbms` RBMs: the bottom one training, none updated.
    pub fn new(rbms: usize) -> Self {
        Self { layer: 0, steps: vec![0; rbms] }
    }

    /// Updates of the RBM in training so far.
    pub fn steps_in_layer(&self) -> u64 {
        self.steps.get(self.layer).copied().unwrap_or(0)
    }

    /// Counts one update of the RBM in training.
    pub fn count_step(&mut self) {
        if let Some(s) = self.steps.get_mut(self.layer) {
            *s += 1;
        }
    }

    /// Before an update: moves on to the next RBM once this one has had `steps_per_layer`
    /// updates, unless it is the top one, which keeps training. True when it moved.
    pub fn advance(&mut self, steps_per_layer: usize) -> bool {
        self.steps_in_layer() >= steps_per_layer as u64 && self.next_layer()
    }

    /// Moves on to the next RBM now; false (and no change) at the top one.
    pub fn next_layer(&mut self) -> bool {
        if self.layer + 1 >= self.steps.len() {
            return false;
        }
        self.layer += 1;
        true
    }

    pub fn state(&self, layer: usize) -> LayerState {
        match layer.cmp(&self.layer) {
            std::cmp::Ordering::Less => LayerState::Trained,
            std::cmp::Ordering::Equal => LayerState::Training,
            std::cmp::Ordering::Greater => LayerState::Waiting,
        }
    }

    /// Refuses a saved schedule that does not fit a stack of `rbms` RBMs (a hand-edited
    /// checkpoint): one count per RBM, the layer in training one of them, none above it updated.
    pub fn check(&self, rbms: usize) -> Result<(), String> {
        if self.steps.len() != rbms {
            return Err(format!("greedy.steps has {} counts for a stack of {rbms} RBMs", self.steps.len()));
        }
        if self.layer >= rbms {
            return Err(format!("greedy.layer = {} names no RBM of a stack of {rbms} (0 to {})", self.layer, rbms.saturating_sub(1)));
        }
        if self.steps[self.layer + 1..].iter().any(|&s| s > 0) {
            return Err(format!("greedy.steps {:?} counts updates of layers above the one training ({})", self.steps, self.layer));
        }
        Ok(())
    }
}
