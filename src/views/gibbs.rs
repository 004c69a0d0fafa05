//! The Boltzmann-machine view (RBMs): the hidden units' filters and Gibbs chains.

use super::{Model, ask};
use crate::train::{FamilyResult, ImageBatch, Question};

/// Boltzmann machines: the hidden units' weights and Gibbs sampling, step by step.
pub trait GibbsView {
    /// The incoming weights of the first `n` hidden units, each scaled to [0, 1] as an image.
    fn filters(&mut self, n: usize) -> FamilyResult<ImageBatch>;

    /// A Gibbs chain of `steps` v → h → v steps for `n` chains, from `start` (n images) or from
    /// uniform noise when `start` is None; every `every`-th visible mean is kept, the start
    /// first.
    fn gibbs_chain(&mut self, start: Option<&[f32]>, n: usize, steps: usize, every: usize, seed: u64) -> FamilyResult<Vec<ImageBatch>>;
}

/// An RBM's picture at a step: its filters and the Gibbs chain's frames.
#[derive(Clone, Debug, PartialEq)]
pub struct GibbsPicture {
    pub step: u64,
    pub filters: ImageBatch,
    pub chain: Vec<ImageBatch>,
}

/// `filters` hidden units' weights, and a Gibbs chain of `steps` steps for `chains` chains
/// from noise (or from test images), keeping every `every`-th.
pub fn gibbs_picture(filters: usize, chains: usize, steps: usize, every: usize, from_test: bool, seed: u64) -> Question<dyn Model> {
    ask(move |model, context| {
        let (start, n) = if from_test {
            let indices: Vec<usize> = (0..chains.min(context.test_len())).collect();
            let n = indices.len();
            (context.test_images(&indices).map(|(x, _)| x.pixels), n)
        } else {
            (None, chains)
        };
        let step = context.step;
        let view = model.gibbs().ok_or("this model has no Gibbs sampler")?;
        let filters = view.filters(filters)?;
        let chain = view.gibbs_chain(start.as_deref(), n, steps, every, seed)?;
        Ok(GibbsPicture { step, filters, chain })
    })
}
