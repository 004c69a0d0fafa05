//! What the DBN shows besides training and sampling: the RBM views where they fit (the first
//! layer's filters; a Gibbs chain, here in the top RBM of the stack so far, each frame drawn
//! in pixels through the layers below) and the stack view (each layer's state, its units in
//! pixel space, samples from each depth, moving on to the next layer).

use burn::prelude::*;

use crate::models::rbm::family::{SAMPLE_GIBBS_STEPS, binarize, filter_images, noise_states, seeded_uniforms};
use crate::models::rbm::{bernoulli, gibbs_sweep};
use crate::models::weights::read_back;
use crate::rng::Rng;
use crate::train::{FamilyResult, ImageBatch};
use crate::views::stack::{LayerStatus, StackView};
use crate::views::{GibbsView, Model};

use super::family::DbnFamily;

impl Model for DbnFamily {
    fn gibbs(&mut self) -> Option<&mut dyn GibbsView> {
        Some(self)
    }

    fn stack(&mut self) -> Option<&mut dyn StackView> {
        Some(self)
    }
}

impl DbnFamily {
    fn check_layer(&self, layer: usize) -> FamilyResult<()> {
        let rbms = self.config().rbms();
        if layer >= rbms {
            return Err(format!("this DBN has {rbms} layers (0 to {}), not a layer {layer}", rbms - 1));
        }
        Ok(())
    }
}

impl GibbsView for DbnFamily {
    /// The bottom RBM's filters.
    fn filters(&mut self, n: usize) -> FamilyResult<ImageBatch> {
        self.layer_filters(0, n)
    }

    /// A chain in the RBM training now (the top of the stack so far). From images: they are
    /// binarized, passed up (`Stack::up`) and drawn as binary states of that RBM's visible
    /// units; from noise: Bernoulli(½) states. Each kept frame is that RBM's visible means,
    /// drawn in pixels through the layers below with their means (no draws), so the frames of
    /// a chain change only where the chain does.
    fn gibbs_chain(&mut self, start: Option<&[f32]>, n: usize, steps: usize, every: usize, seed: u64) -> FamilyResult<Vec<ImageBatch>> {
        let top = self.greedy.layer;
        let device = self.device.clone();
        let rbm = &self.stack.layers[top];
        let v_dim = rbm.visible_bias.dims()[0];
        let mut rng = Rng::new(seed);
        let mut v = match start {
            Some(x) => {
                let d = self.config().visible();
                if x.len() != n * d {
                    return Err(format!("{} values for {n} chains of {d} pixels", x.len()));
                }
                let x0 = Tensor::<2>::from_data(TensorData::new(binarize(x), [n, d]), &device);
                let up = self.stack.up(x0, top);
                if top == 0 { up } else { bernoulli(up, seeded_uniforms(&mut rng, [n, v_dim], &device)) }
            }
            None => noise_states(&mut Rng::new(seed ^ 0x5A), [n, v_dim], &device),
        };
        let mut uniforms = |shape: [usize; 2]| seeded_uniforms(&mut rng, shape, &device);
        let mut frames = vec![self.images(self.stack.down(v.clone(), top, None))?];
        for step in 1..=steps {
            let (means, drawn) = gibbs_sweep(rbm, v, &mut uniforms);
            v = drawn;
            if step % every.max(1) == 0 || step == steps {
                frames.push(self.images(self.stack.down(means, top, None))?);
            }
        }
        Ok(frames)
    }
}

impl StackView for DbnFamily {
    fn layer_status(&self) -> Vec<LayerStatus> {
        let sizes = self.config().sizes();
        (0..self.config().rbms())
            .map(|l| LayerStatus {
                visible: sizes[l],
                hidden: sizes[l + 1],
                state: self.greedy.state(l),
                steps: self.greedy.steps.get(l).copied().unwrap_or(0),
            })
            .collect()
    }

    /// Layer 0: its weights to the pixels (the RBM's filters). Layer l: the columns of
    /// W₁·W₂·…·W_{l+1} (`Stack::pixel_filters`): each unit as the filters below it, weighted by
    /// its weights to them.
    fn layer_filters(&mut self, layer: usize, n: usize) -> FamilyResult<ImageBatch> {
        self.check_layer(layer)?;
        let h = self.config().sizes()[layer + 1];
        let w = read_back(self.stack.pixel_filters(layer))?;
        Ok(filter_images(&w, h, n, self.config().width, self.config().height))
    }

    fn sample_at_depth(&mut self, top: usize, n: usize, seed: u64) -> FamilyResult<ImageBatch> {
        self.check_layer(top)?;
        let samples = self.sample_stack(top, n, SAMPLE_GIBBS_STEPS, seed);
        self.images(samples)
    }

    fn next_layer(&mut self) -> FamilyResult<()> {
        if self.move_to_next_layer() {
            Ok(())
        } else {
            Err(format!("layer {} is the top of this DBN: there is no next layer to train", self.greedy.layer + 1))
        }
    }
}
