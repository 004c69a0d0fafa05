//! The layer-stack view (deep belief nets): which layer of the stack is training, each layer's
//! units drawn in pixel space, samples from the stack at each depth, and moving on to the next
//! layer now.

use super::{Model, ask};
use crate::train::{FamilyResult, ImageBatch, Question};

/// One layer's place in a greedy, layer-by-layer schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerState {
    /// Had its turn; frozen.
    Trained,
    Training,
    /// Its turn has not come; its weights are still the initial ones.
    Waiting,
}

impl LayerState {
    pub fn label(self) -> &'static str {
        match self {
            LayerState::Trained => "trained (frozen)",
            LayerState::Training => "training",
            LayerState::Waiting => "waiting",
        }
    }
}

/// One layer of a stack, bottom first.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerStatus {
    /// Units below (the pixels for the first layer) and above.
    pub visible: usize,
    pub hidden: usize,
    pub state: LayerState,
    /// Updates it has had.
    pub steps: u64,
}

/// Models built as a stack of layers trained one at a time (deep belief nets).
pub trait StackView {
    /// Every layer, bottom first.
    fn layer_status(&self) -> Vec<LayerStatus>;

    /// The first `n` hidden units of layer `layer` (0 = the bottom one) as images: the bottom
    /// layer's weights to the pixels, a higher layer's through the layers below (see the
    /// family for how), each scaled to [0, 1] with grey at 0.
    fn layer_filters(&mut self, layer: usize, n: usize) -> FamilyResult<ImageBatch>;

    /// `n` samples from the stack cut at layer `top` (0 = the bottom RBM alone), whatever is
    /// training: the same seed gives the same samples.
    fn sample_at_depth(&mut self, top: usize, n: usize, seed: u64) -> FamilyResult<ImageBatch>;

    /// Ends the current layer's turn: the next update trains the layer above. An error at the
    /// top layer.
    fn next_layer(&mut self) -> FamilyResult<()>;
}

/// A stack at a step: its layers, each layer's filters, and (when asked) samples from the
/// stack cut at each layer up to the one training.
#[derive(Clone, Debug, PartialEq)]
pub struct StackPicture {
    pub step: u64,
    pub layers: Vec<LayerStatus>,
    /// Per layer, bottom first.
    pub filters: Vec<ImageBatch>,
    /// Per depth, from the bottom RBM alone to the whole stack so far; empty when not asked.
    pub samples: Vec<ImageBatch>,
}

/// The stack's layers and `filters` units of each; with `samples` > 0, that many samples from
/// each depth up to the layer training, all with `seed`.
pub fn stack_picture(filters: usize, samples: usize, seed: u64) -> Question<dyn Model> {
    ask(move |model, context| {
        let step = context.step;
        let view = model.stack().ok_or("this model is not a stack of layers")?;
        let layers = view.layer_status();
        let filters = (0..layers.len()).map(|l| view.layer_filters(l, filters)).collect::<FamilyResult<Vec<_>>>()?;
        let reached = layers.iter().filter(|l| l.state != LayerState::Waiting).count();
        let samples = if samples == 0 {
            Vec::new()
        } else {
            (0..reached).map(|top| view.sample_at_depth(top, samples, seed)).collect::<FamilyResult<Vec<_>>>()?
        };
        Ok(StackPicture { step, layers, filters, samples })
    })
}

/// Ends the current layer's turn; the answer is the layers afterwards.
pub fn next_layer() -> Question<dyn Model> {
    ask(|model, _| {
        let view = model.stack().ok_or("this model is not a stack of layers")?;
        view.next_layer()?;
        Ok(view.layer_status())
    })
}
