//! What a tab trains on, for the tabs that take any 2-D toy or image dataset: drawn or loaded
//! once per choice, the same way for every family.

use std::path::Path;
use std::sync::Arc;

use crate::data::{load_images, DatasetId};
use crate::rng::Rng;
use crate::train::TrainData;

/// Points drawn from a 2-D toy as the training set.
pub const TOY_POINTS: usize = 50_000;

/// The training data for `dataset`; a message for a person when it cannot be loaded.
pub fn train_data(dataset: DatasetId, data_dir: Option<&Path>) -> Result<TrainData, String> {
    match dataset {
        DatasetId::Toy(kind) => {
            let (points, labels) = kind.sample(TOY_POINTS, &mut Rng::new(0x7EA1));
            Ok(TrainData::Points { points: Arc::new(points), labels: Arc::new(labels) })
        }
        DatasetId::Images(id) => Ok(TrainData::Images(Arc::new(load_images(id, data_dir)?))),
        DatasetId::Text => Err("this tab trains on 2-D points or images, not text".into()),
    }
}

/// The first `n` training points of 2-D data (none for images).
pub fn shown_points(data: &TrainData, n: usize) -> Vec<[f32; 2]> {
    match data {
        TrainData::Points { points, .. } => points.iter().take(n).copied().collect(),
        _ => Vec::new(),
    }
}
