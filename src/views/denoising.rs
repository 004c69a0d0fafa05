//! The denoising view (diffusion models): a sampling run with every step kept, the predicted
//! noise on the 2-D plane, and the loss by timestep.

use super::{Model, ask, ask_every_preview};
use crate::train::{FamilyResult, PreviewQuestion, Question, Samples};

/// One step of a sampling run: the sample x_t entering the step at timestep t, and the clean
/// sample x̂₀ the network predicted from it. Images are shown in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryStep {
    pub t: usize,
    pub x_t: Samples,
    pub x0: Samples,
}

/// A whole sampling run, kept for stepping through: every step, then the result.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub steps: Vec<TrajectoryStep>,
    pub result: Samples,
}

/// The training loss averaged over a range of timesteps [t_lo, t_hi): "loss vs t".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossBucket {
    pub t_lo: usize,
    pub t_hi: usize,
    /// Running mean of the per-example loss in this range; NaN before any example landed here.
    pub loss: f64,
}

/// Diffusion models: what the denoising step-through and the 2-D flow view draw.
pub trait DenoisingView {
    /// T, the number of training timesteps.
    fn timesteps(&self) -> usize;

    /// A sampling run of `n` samples with the current sampler settings, every step kept.
    fn trajectory(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Trajectory>;

    /// The predicted noise ε̂(x, t) at each 2-D point (2-D models only): −ε̂ points towards the
    /// data, and −ε̂/√(1 − ᾱ_t) is the estimated score.
    fn noise_field(&mut self, points: &[[f32; 2]], t: usize) -> FamilyResult<Vec<[f32; 2]>>;

    /// The training loss by timestep range, low t (little noise) first.
    fn loss_by_t(&self) -> Vec<LossBucket>;
}

/// A sampling run with every step kept, and the training step it was drawn at.
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryRun {
    pub step: u64,
    pub trajectory: Trajectory,
}

/// The predicted noise at the asked points, at timestep `t`.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseField {
    pub t: usize,
    pub eps: Vec<[f32; 2]>,
}

/// The training loss by timestep range, sent with every preview.
#[derive(Clone, Debug, PartialEq)]
pub struct LossByT(pub Vec<LossBucket>);

/// A sampling run of `n` samples with every step kept (the step-through).
pub fn trajectory(n: usize, seed: u64, label: Option<u8>) -> Question<dyn Model> {
    ask(move |model, context| {
        let step = context.step;
        let view = model.denoising().ok_or("this model has no denoising steps to show")?;
        Ok(TrajectoryRun { step, trajectory: view.trajectory(n, seed, label)? })
    })
}

/// A 2-D model's predicted noise at `points` at timestep `t`.
pub fn noise_field(points: Vec<[f32; 2]>, t: usize) -> Question<dyn Model> {
    ask(move |model, _| {
        let view = model.denoising().ok_or("this model has no denoising steps to show")?;
        Ok(NoiseField { t, eps: view.noise_field(&points, t)? })
    })
}

/// The loss by timestep with every preview (diffusion models).
pub fn loss_by_t_every_preview() -> PreviewQuestion<dyn Model> {
    ask_every_preview(|model, _| model.denoising().map(|view| Ok(LossByT(view.loss_by_t()))))
}
