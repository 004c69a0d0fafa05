//! Training the evaluation classifier: cross-entropy, Adam with a cosine learning-rate decay,
//! and random translations of the training images. A plain loop: the classifier is a tool
//! of the evaluation, not a generative family, so it does not go through the worker.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use crate::data::{ImageData, ImageSet};
use crate::models::one_hot::one_hot;
use crate::rng::Rng;

use super::config::ClassifierConfig;
use super::model::LeNet;
use super::{Classifier, ClassifierInfo};

#[derive(Clone, Debug)]
pub struct TrainOptions {
    pub epochs: usize,
    pub batch_size: usize,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self { epochs: 12, batch_size: 64, seed: 0 }
    }
}

/// Reported after every optimisation step.
#[derive(Clone, Debug)]
pub struct TrainProgress {
    pub epoch: usize,
    pub step: usize,
    pub steps_total: usize,
    pub loss: f64,
    /// Test accuracy, set once at the end of each epoch.
    pub test_accuracy: Option<f64>,
}

/// Trains a classifier on `data.train` and measures it on `data.test`. `progress` returning
/// `false` stops early (an `Err` saying so).
pub fn train_classifier(
    config: ClassifierConfig,
    dataset: &str,
    data: &ImageData,
    options: &TrainOptions,
    device: &Device,
    progress: &mut dyn FnMut(&TrainProgress) -> bool,
) -> Result<Classifier, String> {
    config.validate()?;
    let train = &data.train;
    if train.width != config.width || train.height != config.height {
        return Err(format!("the data's images are {}×{}, the classifier's {}×{}", train.width, train.height, config.width, config.height));
    }
    if train.is_empty() || data.test.is_empty() {
        return Err("the classifier needs training and test images".into());
    }
    let seeded = crate::models::seed_device(device, options.seed);
    let train_device = device.clone().autodiff();
    let mut model = LeNet::new(&config, &train_device);
    // The initial weights are drawn: training need not hold up other models' initialisation.
    drop(seeded);
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let mut rng = Rng::new(options.seed);
    let batch = options.batch_size.clamp(1, train.len());
    let per_epoch = train.len() / batch;
    let steps_total = per_epoch * options.epochs.max(1);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut step = 0;
    let mut accuracy = 0.0;
    for epoch in 0..options.epochs.max(1) {
        rng.shuffle(&mut order);
        for chunk in order.chunks_exact(batch) {
            // Cosine decay from the base rate to 0 over the run (Loshchilov & Hutter 2017).
            let lr = config.learning_rate * 0.5 * (1.0 + (std::f64::consts::PI * step as f64 / steps_total as f64).cos());
            let (x, y) = shifted_batch(train, chunk, config.max_shift, &mut rng);
            let x = Tensor::<2>::from_data(TensorData::new(x, [chunk.len(), config.pixels()]), &train_device);
            let targets = one_hot(&y, config.num_classes, &train_device);
            let (_, logits) = model.forward(x);
            let loss = (log_softmax(logits, 1) * targets).sum_dim(1).neg().mean(); // cross-entropy
            let value =
                loss.clone().without_autodiff().try_into_vec_as::<f32>().map_err(|e| format!("could not read the loss back ({e:?})"))?[0]
                    as f64;
            if !value.is_finite() {
                return Err(format!("the classifier's loss became {value} at step {step}; try a smaller learning rate"));
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
            step += 1;
            let report = TrainProgress { epoch, step, steps_total, loss: value, test_accuracy: None };
            if !progress(&report) {
                return Err("cancelled".into());
            }
        }
        let classifier = snapshot(&model, &config, dataset, data, epoch + 1, accuracy, device);
        accuracy = classifier.accuracy(&data.test)?;
        let report = TrainProgress { epoch, step, steps_total, loss: f64::NAN, test_accuracy: Some(accuracy) };
        if !progress(&report) {
            return Err("cancelled".into());
        }
    }
    Ok(snapshot(&model, &config, dataset, data, options.epochs.max(1), accuracy, device))
}

fn snapshot(
    model: &LeNet,
    config: &ClassifierConfig,
    dataset: &str,
    data: &ImageData,
    epochs: usize,
    test_accuracy: f64,
    device: &Device,
) -> Classifier {
    let info = ClassifierInfo {
        dataset: dataset.to_string(),
        source: data.source.clone(),
        test_accuracy,
        test_examples: data.test.len(),
        train_examples: data.train.len(),
        epochs,
        config: config.clone(),
    };
    Classifier::new(info, model.valid(), device)
}

/// The chosen images, each translated by a random (dx, dy) in [−s, s]² with zero fill.
fn shifted_batch(set: &ImageSet, indices: &[usize], max_shift: usize, rng: &mut Rng) -> (Vec<f32>, Vec<u8>) {
    let (w, h) = (set.width as isize, set.height as isize);
    let s = max_shift as isize;
    let mut x = vec![0.0f32; indices.len() * set.pixels_per_image()];
    let mut y = Vec::with_capacity(indices.len());
    for (k, &i) in indices.iter().enumerate() {
        let src = set.image(i);
        let dst = &mut x[k * (w * h) as usize..(k + 1) * (w * h) as usize];
        let (dx, dy) = (rng.below((2 * s + 1) as usize) as isize - s, rng.below((2 * s + 1) as usize) as isize - s);
        for r in 0..h {
            let sr = r - dy;
            if !(0..h).contains(&sr) {
                continue;
            }
            for c in 0..w {
                let sc = c - dx;
                if (0..w).contains(&sc) {
                    dst[(r * w + c) as usize] = src[(sr * w + sc) as usize];
                }
            }
        }
        y.push(set.labels[i]);
    }
    (x, y)
}
