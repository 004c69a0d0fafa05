//! What a tab trains on, for the tabs that take any 2-D toy or image dataset: drawn or loaded
//! once per choice, the same way for every family.

use std::path::Path;
use std::sync::Arc;

use crate::data::{load_images, DatasetId, ImageData};
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

/// A tab's training data: loaded once per choice of dataset, and again when the data folder
/// changes (the tab then drops its run).
#[derive(Default)]
pub struct TabData {
    data: Option<TrainData>,
    version: Option<u64>,
}

impl TabData {
    /// True, and the data forgotten, when the data folder changed since the last call.
    pub fn folder_changed(&mut self, data_version: u64) -> bool {
        let changed = self.version != Some(data_version);
        if changed {
            self.version = Some(data_version);
            self.data = None;
        }
        changed
    }

    /// Forgets the data (another dataset was picked).
    pub fn clear(&mut self) {
        self.data = None;
    }

    /// The data for `dataset`, loaded on first use.
    pub fn get(&mut self, dataset: DatasetId, data_dir: Option<&Path>) -> Result<TrainData, String> {
        if let Some(d) = &self.data {
            return Ok(d.clone());
        }
        let d = train_data(dataset, data_dir)?;
        self.data = Some(d.clone());
        Ok(d)
    }

    /// The images, once loaded (for the tab to say what it trains on).
    pub fn images(&self) -> Option<&ImageData> {
        match &self.data {
            Some(TrainData::Images(d)) => Some(d),
            _ => None,
        }
    }
}
