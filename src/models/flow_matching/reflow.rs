//! Reflow, the "rectify" step of Liu et al. 2023 (§2.2): the trained flow pairs each noise
//! point z with its own ODE sample x̂₁ = ODE(z), and training goes on from the current weights
//! on those fixed pairs (z, x̂₁) instead of noise and data drawn apart. Straight lines between
//! such pairs cross far less than lines between independent pairs, so the average direction
//! the network learns bends less: the paths straighten, and fewer solver steps give good
//! samples. How straight they are is `crate::views::straightness`.
//!
//! This file holds the pairs and the questions the tab asks between training steps. A question
//! holds a `dyn views::Model`, which has no getter for a flow-matching view, so it reaches the
//! family through `set_knob` with two names the knobs do not list (the tab draws its own
//! buttons for them, as the character model's view draws its sampling settings).

use crate::rng::Rng;
use crate::train::{FamilyResult, KnobValue, Question};
use crate::views::straightness::{self, Straightness};
use crate::views::{Model, ask};

use super::family::FAMILY_NAME;

/// Pairs a reflow draws unless told otherwise: 4,096 2-D points, 16 batches of the default 256.
pub const DEFAULT_REFLOW_PAIRS: usize = 4096;
/// The most pairs one reflow draws; each pair is one whole ODE run of the network.
pub const MAX_REFLOW_PAIRS: usize = 65_536;

/// `set_knob` name: draw this many pairs (`KnobValue::Whole`) with the current model now and
/// train on them from the next step.
pub const REFLOW_PAIRS: &str = "reflow_pairs";
/// `set_knob` name: which pairs training draws (`KnobValue::Choice` among `Coupling::ALL`).
pub const COUPLING: &str = "coupling";

/// Which (noise, data) pairs the training step regresses along.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Coupling {
    /// Noise and a data point drawn apart: rectified flow's first round (1-rectified flow).
    #[default]
    Independent,
    /// Noise and the model's own ODE sample from it, fixed when drawn (2-rectified flow).
    Reflow,
}

impl Coupling {
    pub const ALL: [Coupling; 2] = [Coupling::Independent, Coupling::Reflow];

    pub fn label(self) -> &'static str {
        match self {
            Coupling::Independent => "independent pairs",
            Coupling::Reflow => "reflow pairs",
        }
    }
}

/// The number of pairs `m` a person asked for, refused with a sentence outside [1, MAX] or for
/// an image model.
pub fn checked_pair_count(m: i64, images: bool) -> FamilyResult<usize> {
    if images {
        return Err("reflow is offered for 2-D models only: each pair is a whole ODE run of the UNet, and a few thousand \
                    of them would hold up training far too long"
            .into());
    }
    match usize::try_from(m) {
        Ok(count) if (1..=MAX_REFLOW_PAIRS).contains(&count) => Ok(count),
        _ => Err(format!("reflow draws between 1 and {MAX_REFLOW_PAIRS} pairs of noise and sample, not {m}")),
    }
}

/// The pairs a reflowed model trains on, in the network's scale.
#[derive(Clone, Debug, PartialEq)]
pub struct ReflowPairs {
    /// Each pair's noise z, where its line starts at t = 0 (flat rows of `dim` values).
    pub x0: Vec<f32>,
    /// The model's ODE sample from that z when the pairs were drawn, where its line ends.
    pub x1: Vec<f32>,
    pub dim: usize,
}

impl ReflowPairs {
    pub fn len(&self) -> usize {
        self.x0.len() / self.dim.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` pairs drawn uniformly with replacement: their starts and their ends, row by row.
    pub fn draw(&self, n: usize, rng: &mut Rng) -> FamilyResult<(Vec<f32>, Vec<f32>)> {
        let (len, dim) = (self.len(), self.dim);
        if len == 0 || self.x1.len() != self.x0.len() {
            return Err("the reflow pairs are empty or uneven: draw them again".into());
        }
        let (mut x0, mut x1) = (Vec::with_capacity(n * dim), Vec::with_capacity(n * dim));
        for _ in 0..n {
            let i = rng.below(len);
            let rows = i * dim..(i + 1) * dim;
            x0.extend_from_slice(&self.x0[rows.clone()]);
            x1.extend_from_slice(&self.x1[rows]);
        }
        Ok((x0, x1))
    }
}

/// How straight the model's paths were at training step `step`.
#[derive(Clone, Debug, PartialEq)]
pub struct StraightnessReading {
    pub step: u64,
    pub value: Straightness,
}

/// The model trains on `pairs` reflow pairs drawn at step `step`; how straight its paths were
/// then (or why that could not be measured).
#[derive(Clone, Debug, PartialEq)]
pub struct Reflowed {
    pub step: u64,
    pub pairs: usize,
    pub at_reflow: Result<Straightness, String>,
}

/// The model trains on independent pairs again from step `step`.
#[derive(Clone, Debug, PartialEq)]
pub struct IndependentAgain {
    pub step: u64,
}

/// S and the length ratio of one sampling run of `n` seeded samples through the model's
/// step-through (`DenoisingView::trajectory`): a diffusion model answers too.
fn measure(model: &mut dyn Model, n: usize, seed: u64) -> FamilyResult<Straightness> {
    let view = model.denoising().ok_or("this model has no sampling run to measure")?;
    straightness::of_trajectory(&view.trajectory(n, seed, None)?)
}

fn flow_matching_only(model: &dyn Model) -> FamilyResult<()> {
    match model.family_name() {
        FAMILY_NAME => Ok(()),
        other => Err(format!("reflow belongs to flow matching, and this is a {other} model")),
    }
}

/// How straight the paths of a sampling run of `n` samples from seed `seed` are now.
pub fn measure_straightness(n: usize, seed: u64) -> Question<dyn Model> {
    ask(move |model, context| {
        let step = context.step;
        Ok(StraightnessReading { step, value: measure(model, n, seed)? })
    })
}

/// Draws `pairs` reflow pairs with the model as it is and trains on them from the next step;
/// the answer carries how straight the paths of `n` samples from `seed` were at that moment.
pub fn reflow(pairs: usize, n: usize, seed: u64) -> Question<dyn Model> {
    ask(move |model, context| {
        flow_matching_only(model)?;
        let step = context.step;
        model.set_knob(REFLOW_PAIRS, KnobValue::Whole(i64::try_from(pairs).unwrap_or(i64::MAX)))?;
        // The weights have not moved since the pairs were drawn: this is the "before".
        Ok(Reflowed { step, pairs, at_reflow: measure(model, n, seed) })
    })
}

/// Back to noise and data drawn apart (the reflow pairs are dropped).
pub fn independent_pairs() -> Question<dyn Model> {
    ask(move |model, context| {
        flow_matching_only(model)?;
        let step = context.step;
        model.set_knob(COUPLING, KnobValue::choice_of(&Coupling::ALL, Coupling::Independent))?;
        Ok(IndependentAgain { step })
    })
}
