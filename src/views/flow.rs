//! The flow view (normalizing flows on 2-D data): exact densities and the transform layer by layer.

use super::{Model, ask};
use crate::train::{FamilyResult, Question};

/// Normalizing flows on 2-D data: exact densities, and the transform shown layer by layer.
pub trait FlowView {
    /// log p(x) at each point, nats.
    fn log_density(&mut self, points: &[[f32; 2]]) -> FamilyResult<Vec<f32>>;

    /// Base-space points pushed through the flow towards the data: the points after each
    /// layer, the input first (so `layers + 1` sets).
    fn push_forward(&mut self, z: &[[f32; 2]]) -> FamilyResult<Vec<Vec<[f32; 2]>>>;

    /// Data points mapped back to the base space (the inverse direction).
    fn to_latent(&mut self, x: &[[f32; 2]]) -> FamilyResult<Vec<[f32; 2]>>;
}

/// A 2-D flow's picture at a step: log-density at the field points, the grid after each
/// layer, and the data points mapped back to the base space.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowPicture {
    pub step: u64,
    pub log_density: Vec<f32>,
    pub layers: Vec<Vec<[f32; 2]>>,
    pub latent: Vec<[f32; 2]>,
}

pub fn flow_picture(field: Vec<[f32; 2]>, grid: Vec<[f32; 2]>, data: Vec<[f32; 2]>) -> Question<dyn Model> {
    ask(move |model, context| {
        let step = context.step;
        let view = model.flow().ok_or("this model is not a 2-D flow")?;
        let log_density = view.log_density(&field)?;
        let layers = view.push_forward(&grid)?;
        let latent = view.to_latent(&data)?;
        Ok(FlowPicture { step, log_density, layers, latent })
    })
}
