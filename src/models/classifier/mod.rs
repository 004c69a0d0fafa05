//! genlab's evaluation classifier: a LeNet-sized CNN trained by genlab itself on each image
//! dataset (`genlab train-classifier`). Its penultimate layer is the feature space of
//! "FID (genlab-LeNet features)" and precision/recall/density/coverage; its softmax gives the
//! Inception-style score. The trained weights ship in assets/classifier/ and are embedded in
//! the binary, so evaluation works on a fresh machine without training anything.
//!
//! These features are not Inception-v3's: the numbers compare genlab runs with each other,
//! never with FIDs published on Inception features.

pub mod config;
pub mod model;
pub mod train;

use std::path::Path;

use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use serde::{Deserialize, Serialize};

use crate::data::{ImageDatasetId, ImageSet};
use crate::metrics::Features;
use crate::train::checkpoint::write_atomic;

pub use config::ClassifierConfig;
pub use model::LeNet;
pub use train::{TrainOptions, TrainProgress, train_classifier};

/// What the metrics panels call the score, everywhere.
pub const FID_NAME: &str = "FID (genlab-LeNet features)";

/// Everything about a trained classifier except its weights (the `.json` beside the `.bpk`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassifierInfo {
    /// The dataset it was trained on, as its label ("MNIST", "Fashion-MNIST"…).
    pub dataset: String,
    /// Where the training data came from (the data source line of `ImageData`).
    pub source: String,
    pub test_accuracy: f64,
    pub test_examples: usize,
    pub train_examples: usize,
    pub epochs: usize,
    pub config: ClassifierConfig,
}

pub struct Classifier {
    pub info: ClassifierInfo,
    model: LeNet,
    device: Device,
}

/// Images per forward pass when embedding.
const EMBED_BATCH: usize = 500;

/// The weights shipped in assets/ (empty when none has been trained for that dataset yet).
fn shipped_files(dataset: ImageDatasetId) -> (&'static [u8], &'static str) {
    match dataset {
        ImageDatasetId::Mnist => {
            (include_bytes!("../../../assets/classifier/mnist.bpk"), include_str!("../../../assets/classifier/mnist.json"))
        }
        ImageDatasetId::Fashion => {
            (include_bytes!("../../../assets/classifier/fashion.bpk"), include_str!("../../../assets/classifier/fashion.json"))
        }
        ImageDatasetId::Shapes => {
            (include_bytes!("../../../assets/classifier/shapes.bpk"), include_str!("../../../assets/classifier/shapes.json"))
        }
        ImageDatasetId::Folder => (&[], ""),
    }
}

/// The file stem of a dataset's classifier in assets/classifier/.
pub fn asset_stem(dataset: ImageDatasetId) -> &'static str {
    match dataset {
        ImageDatasetId::Mnist => "mnist",
        ImageDatasetId::Fashion => "fashion",
        ImageDatasetId::Shapes => "shapes",
        ImageDatasetId::Folder => "folder",
    }
}

impl Classifier {
    pub fn new(info: ClassifierInfo, model: LeNet, device: &Device) -> Self {
        Self { info, model, device: device.clone() }
    }

    /// The classifier that ships with genlab for `dataset`.
    pub fn shipped(dataset: ImageDatasetId, device: &Device) -> Result<Self, String> {
        let (weights, info) = shipped_files(dataset);
        if weights.is_empty() {
            return Err(format!(
                "this build of genlab ships no classifier for {}: run `genlab train-classifier --dataset {}` and rebuild",
                dataset.label(),
                asset_stem(dataset)
            ));
        }
        Self::from_parts(weights.to_vec(), info, device, "the shipped classifier")
    }

    /// Loads `<stem>.bpk` and `<stem>.json` as written by `save`.
    pub fn load(weights: &Path, device: &Device) -> Result<Self, String> {
        let info_path = weights.with_extension("json");
        // A LeNet's weights are well under a megabyte; 64 MiB leaves room and stops /dev/zero.
        let bytes = crate::limits::read_file_capped(weights, 64 << 20)?;
        let info = crate::limits::read_file_capped(&info_path, crate::limits::files::JSON_BYTES)?;
        let info = String::from_utf8(info).map_err(|_| format!("{}: not UTF-8 text", info_path.display()))?;
        Self::from_parts(bytes, &info, device, &weights.display().to_string())
    }

    fn from_parts(weights: Vec<u8>, info: &str, device: &Device, what: &str) -> Result<Self, String> {
        let info: ClassifierInfo = serde_json::from_str(info).map_err(|e| format!("{what}: its description is not valid ({e})"))?;
        info.config.validate()?;
        let record =
            ModuleRecord::from_bytes(Bytes::from_bytes_vec(weights)).map_err(|e| format!("{what}: not a burnpack weights file ({e})"))?;
        let model = LeNet::new(&info.config, device)
            .try_load_record(record)
            .map_err(|e| format!("{what}: the weights do not fit the classifier ({e})"))?;
        Ok(Self::new(info, model, device))
    }

    /// Writes `<stem>.bpk` and `<stem>.json` atomically.
    pub fn save(&self, weights: &Path) -> Result<(), String> {
        let bytes =
            self.model.clone().into_record().into_bytes().map_err(|e| format!("{}: cannot encode the weights ({e})", weights.display()))?;
        write_atomic(weights, &bytes)?;
        let info = serde_json::to_vec_pretty(&self.info).map_err(|e| e.to_string())?;
        write_atomic(&weights.with_extension("json"), &info)
    }

    pub fn feature_dim(&self) -> usize {
        self.info.config.features
    }

    pub fn num_classes(&self) -> usize {
        self.info.config.num_classes
    }

    /// Features and logits of `n` images (`n · H · W` pixels in [0, 1]), in batches.
    pub fn embed(&self, pixels: &[f32], n: usize) -> Result<(Vec<f32>, Vec<f32>), String> {
        let d = self.info.config.pixels();
        if pixels.len() != n * d {
            return Err(format!(
                "the images have {} pixels each but the {} classifier reads {}×{} images",
                pixels.len() / n.max(1),
                self.info.dataset,
                self.info.config.width,
                self.info.config.height
            ));
        }
        let mut features = Vec::with_capacity(n * self.feature_dim());
        let mut logits = Vec::with_capacity(n * self.num_classes());
        for start in (0..n).step_by(EMBED_BATCH) {
            let rows = EMBED_BATCH.min(n - start);
            let x = Tensor::<2>::from_data(TensorData::new(pixels[start * d..(start + rows) * d].to_vec(), [rows, d]), &self.device);
            let (f, l) = self.model.forward(x);
            features.extend(read(f)?);
            logits.extend(read(l)?);
        }
        Ok((features, logits))
    }

    /// Feature set and class logits of `n` images, ready for the metrics.
    pub fn features(&self, pixels: &[f32], n: usize, what: &str) -> Result<(Features, Vec<f64>), String> {
        let (f, l) = self.embed(pixels, n)?;
        let features = Features::from_f32(n, self.feature_dim(), &f, what)?;
        Ok((features, l.iter().map(|&v| v as f64).collect()))
    }

    /// Fraction of `set` classified correctly.
    pub fn accuracy(&self, set: &ImageSet) -> Result<f64, String> {
        let (_, logits) = self.embed(&set.pixels, set.len())?;
        let c = self.num_classes();
        let correct = logits.chunks(c).zip(&set.labels).filter(|(row, label)| argmax(row) == **label as usize).count();
        Ok(correct as f64 / set.len().max(1) as f64)
    }
}

fn read(t: Tensor<2>) -> Result<Vec<f32>, String> {
    t.try_into_vec_as::<f32>().map_err(|e| format!("could not read the classifier's output back ({e:?})"))
}

pub fn argmax(row: &[f32]) -> usize {
    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, &v)| if v > best.1 { (i, v) } else { best }).0
}
