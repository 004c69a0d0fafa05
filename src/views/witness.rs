//! The witness view (kernel-trained generators on 2-D data, GMMN).

use super::{Model, ask};
use crate::train::{FamilyResult, Question, TrainData};

/// Kernel-trained generators on 2-D data (GMMN): where the model has too much or too little
/// mass.
pub trait WitnessView {
    /// The MMD witness f(p) = mean k(p, real) − mean k(p, fake) at each `field` point, between
    /// `real` points and `n` generated ones (drawn with `seed`); returns the values and the
    /// generated points. Positive: the data has more mass there than the model.
    fn witness(&mut self, field: &[[f32; 2]], real: &[[f32; 2]], n: usize, seed: u64) -> FamilyResult<(Vec<f32>, Vec<[f32; 2]>)>;
}

/// The witness values at the asked field points, and the generated points, at a step.
#[derive(Clone, Debug, PartialEq)]
pub struct WitnessPicture {
    pub step: u64,
    pub field: Vec<f32>,
    pub fakes: Vec<[f32; 2]>,
}

/// The witness over `field` points against `n` real and `n` generated points (2-D data).
pub fn witness(field: Vec<[f32; 2]>, n: usize) -> Question<dyn Model> {
    ask(move |model, context| {
        let real: Vec<[f32; 2]> = match context.data() {
            TrainData::Points { points, .. } => points.iter().take(n).copied().collect(),
            _ => return Err("the witness function is drawn for 2-D data".into()),
        };
        let step = context.step;
        let view = model.witness().ok_or("this model has no witness function")?;
        let (values, fakes) = view.witness(&field, &real, real.len(), step)?;
        Ok(WitnessPicture { step, field: values, fakes })
    })
}
