//! Shuffled mini-batches from a dataset, family-blind: images or 2-D points alike.

use std::sync::Arc;

use crate::data::{ImageData, TextData};
use crate::rng::Rng;

use super::family::Batch;

/// What the trainer feeds a family.
#[derive(Clone, Debug)]
pub enum TrainData {
    Images(Arc<ImageData>),
    /// 2-D points with a component label each.
    Points {
        points: Arc<Vec<[f32; 2]>>,
        labels: Arc<Vec<u8>>,
    },
    /// Token streams; an example is `window` consecutive tokens (as f32 ids) from a random
    /// place in the training text.
    Text {
        text: Arc<TextData>,
        window: usize,
    },
}

impl TrainData {
    pub fn len(&self) -> usize {
        match self {
            TrainData::Images(d) => d.train.len(),
            TrainData::Points { points, .. } => points.len(),
            TrainData::Text { text, window } => text.train.len().saturating_sub(*window) + 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn dims(&self) -> Vec<usize> {
        match self {
            TrainData::Images(d) => vec![1, d.train.height, d.train.width],
            TrainData::Points { .. } => vec![2],
            TrainData::Text { window, .. } => vec![*window],
        }
    }
}

/// Epoch-wise shuffling without replacement; buffers are reused between batches.
pub struct Batcher {
    data: TrainData,
    order: Vec<usize>,
    cursor: usize,
    rng: Rng,
    dims: Vec<usize>,
    x: Vec<f32>,
    labels: Vec<u8>,
}

impl Batcher {
    pub fn new(data: TrainData, seed: u64) -> Self {
        let dims = data.dims();
        let order = (0..data.len()).collect();
        let mut batcher = Self { data, order, cursor: 0, rng: Rng::new(seed), dims, x: Vec::new(), labels: Vec::new() };
        batcher.rng.shuffle(&mut batcher.order);
        batcher
    }

    pub fn data(&self) -> &TrainData {
        &self.data
    }

    /// The next `n` examples (fewer only if the dataset is smaller than `n`).
    pub fn next_batch(&mut self, n: usize) -> Batch<'_> {
        let n = n.min(self.order.len()).max(1);
        self.x.clear();
        self.labels.clear();
        for _ in 0..n {
            if self.cursor >= self.order.len() {
                self.rng.shuffle(&mut self.order);
                self.cursor = 0;
            }
            let i = self.order[self.cursor];
            self.cursor += 1;
            match &self.data {
                TrainData::Images(d) => {
                    self.x.extend_from_slice(d.train.image(i));
                    self.labels.push(d.train.labels[i]);
                }
                TrainData::Points { points, labels } => {
                    self.x.extend_from_slice(&points[i]);
                    self.labels.push(labels[i]);
                }
                TrainData::Text { text, window } => {
                    let end = (i + window).min(text.train.len());
                    self.x.extend(text.train[i..end].iter().map(|&t| t as f32));
                    self.labels.push(0);
                }
            }
        }
        Batch { x: &self.x, n, dims: &self.dims, labels: &self.labels }
    }
}
