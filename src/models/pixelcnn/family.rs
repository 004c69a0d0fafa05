//! The PixelCNN as a trainable family: maximum likelihood with Adam, exact test NLL, and
//! sampling one pixel at a time.

use std::path::Path;

use burn::prelude::*;

use crate::models::one_hot::one_hot;
use crate::models::one_network::{learning_rate_knobs, load_one_network, one_network_methods};
use crate::models::vae::loss::bernoulli_nll;
use crate::models::weights::{AdamNet, read_back};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, LossTerms, Samples};
use crate::views::{LikelihoodModel, LogLikelihood, PixelView};

use super::config::{BINARIZE_THRESHOLD, PixelCnnConfig};
use super::model::PixelCnn;
use super::receptive_field::visible_pixels;

pub const FAMILY_NAME: &str = "pixelcnn";
const WEIGHTS_FILE: &str = "model.bpk";
/// Images per network pass when measuring the likelihood.
const LIKELIHOOD_BATCH: usize = 100;

pub struct PixelCnnFamily {
    config: PixelCnnConfig,
    /// With Adam at PyTorch's ε, as in bench/pixelcnn_reference.py.
    model: AdamNet<PixelCnn>,
    /// The training device (autodiff on).
    device: Device,
}

/// The fixed binarization: 1 above `BINARIZE_THRESHOLD`, else 0.
pub fn binarize(x: &[f32]) -> Vec<f32> {
    x.iter().map(|&v| if v > BINARIZE_THRESHOLD { 1.0 } else { 0.0 }).collect()
}

/// The uniform draw that decides pixel `index` of image `image` under `seed`: a pure function
/// of the three, so filling pixels in any number of calls gives the same image.
pub(super) fn pixel_uniform(seed: u64, image: usize, index: usize) -> f64 {
    Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ ((image as u64) << 32) ^ index as u64).uniform()
}

impl PixelCnnFamily {
    /// A freshly initialised PixelCNN on `device` (a plain device; autodiff is added here).
    pub fn new(config: PixelCnnConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        Ok(Self { model: AdamNet::new(PixelCnn::new(&config, &device), "the PixelCNN"), config, device })
    }

    /// Loads a checkpoint directory written by `save`.
    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        load_one_network(dir, "PixelCNN", PixelCnnConfig::validate, |c| Self::new(c, device, 0), |f| &mut f.model, WEIGHTS_FILE)
    }

    pub fn config(&self) -> &PixelCnnConfig {
        &self.config
    }

    /// The network on the training device, for tests that differentiate through it.
    pub fn network(&self) -> FamilyResult<&PixelCnn> {
        self.model.get()
    }

    pub fn training_device(&self) -> &Device {
        &self.device
    }

    pub(super) fn classes(&self, labels: &[u8], device: &Device) -> Option<Tensor<2>> {
        self.config.conditional.then(|| one_hot(labels, self.config.num_classes, device))
    }

    pub(super) fn check(&self, x: &[f32], n: usize) -> FamilyResult<()> {
        if x.len() != n * self.config.pixels() {
            return Err(format!(
                "the data has {} values per example but this PixelCNN reads {}×{} = {} pixels",
                x.len() / n.max(1),
                self.config.width,
                self.config.height,
                self.config.pixels()
            ));
        }
        Ok(())
    }

    /// log p(x) of each binarized image, nats: minus the summed Bernoulli NLL of every pixel
    /// given the pixels before it. Exact: the product of the conditionals is the joint.
    pub fn log_prob(&self, x: &[f32], n: usize, labels: &[u8]) -> FamilyResult<Vec<f64>> {
        self.check(x, n)?;
        let (w, h) = (self.config.width, self.config.height);
        let device = self.device.clone().without_autodiff();
        let model = self.model.get()?.valid();
        let binary = binarize(x);
        let labels: Vec<u8> = if labels.len() == n { labels.to_vec() } else { vec![0; n] };
        let mut out = Vec::with_capacity(n);
        for start in (0..n).step_by(LIKELIHOOD_BATCH) {
            let rows = LIKELIHOOD_BATCH.min(n - start);
            let chunk = binary[start * w * h..(start + rows) * w * h].to_vec();
            let xt = Tensor::<4>::from_data(TensorData::new(chunk, [rows, 1, h, w]), &device);
            let logits = model.forward(xt.clone(), self.classes(&labels[start..start + rows], &device));
            let nll = bernoulli_nll(logits.reshape([rows, w * h]), xt.reshape([rows, w * h])); // [rows]
            out.extend(read_back(nll)?.into_iter().map(|v| -(v as f64)));
        }
        Ok(out)
    }
}

impl Family for PixelCnnFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        self.config.describe()
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let n = batch.n;
        self.check(batch.x, n)?;
        let (w, h) = (self.config.width, self.config.height);
        let device = self.device.clone();
        let x = Tensor::<4>::from_data(TensorData::new(binarize(batch.x), [n, 1, h, w]), &device);
        let classes = self.classes(batch.labels, &device);
        let model = self.model.take()?;
        let logits = model.forward(x.clone(), classes); // [B, 1, H, W]
        // −log p(x) per image, averaged over the batch: nats per image.
        let nll = bernoulli_nll(logits.reshape([n, w * h]), x.reshape([n, w * h])).mean();
        let value = read_back(nll.clone().without_autodiff())?[0] as f64;
        // One term: bits/dim is the same curve rescaled (the likelihood panel shows it).
        let terms: LossTerms = vec![("NLL (nats/image)".into(), value)];
        self.model.step(model, nll, value.is_finite(), self.config.learning_rate);
        Ok(terms)
    }

    fn sample(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Samples> {
        let (w, h) = (self.config.width, self.config.height);
        let mut x = vec![0.0; n * w * h];
        self.fill(&mut x, n, 0, w * h, seed, label)?;
        Ok(Samples::Images(ImageBatch { n, width: w, height: h, pixels: x }))
    }

    learning_rate_knobs!(config, "PixelCNN");
    one_network_methods!(model, config, WEIGHTS_FILE);
}

impl crate::views::Model for PixelCnnFamily {
    fn likelihood(&mut self) -> Option<&mut dyn LikelihoodModel> {
        Some(self)
    }

    fn pixels(&mut self) -> Option<&mut dyn PixelView> {
        Some(self)
    }

    fn inpainter(&mut self) -> Option<&mut dyn crate::views::Inpainter> {
        Some(self)
    }
}

impl LikelihoodModel for PixelCnnFamily {
    fn log_likelihood(
        &mut self,
        x: &[f32],
        n: usize,
        labels: &[u8],
        _importance_samples: usize,
        _seed: u64,
    ) -> FamilyResult<Vec<LogLikelihood>> {
        let per_example = self.log_prob(x, n, labels)?;
        Ok(vec![LogLikelihood { name: "exact NLL (binarized)".into(), exact: true, per_example }])
    }
}

impl PixelView for PixelCnnFamily {
    fn image_size(&self) -> (usize, usize) {
        (self.config.width, self.config.height)
    }

    fn fill(&mut self, x: &mut [f32], n: usize, from: usize, count: usize, seed: u64, label: Option<u8>) -> FamilyResult<Vec<f32>> {
        self.check(x, n)?;
        let (w, h) = (self.config.width, self.config.height);
        let end = (from + count).min(w * h);
        let device = self.device.clone().without_autodiff();
        let model = self.model.get()?.valid();
        let classes = self.config.num_classes.max(1);
        let labels: Vec<u8> = (0..n).map(|i| label.unwrap_or((i % classes) as u8)).collect();
        let class = self.classes(&labels, &device);
        let mut probs = vec![0.0f32; n * (end.saturating_sub(from))];
        for index in from..end {
            let p = read_back(model.probability_at(x, n, (w, h), index, class.clone(), &device))?;
            for (j, &pj) in p.iter().enumerate() {
                probs[j * (end - from) + index - from] = pj;
                x[j * w * h + index] = if pixel_uniform(seed, j, index) < pj as f64 { 1.0 } else { 0.0 };
            }
        }
        Ok(probs)
    }

    fn visible_pixels(&self, index: usize) -> Vec<bool> {
        match self.model.get() {
            Ok(model) => visible_pixels(&model.masks(), self.config.width, self.config.height, index),
            Err(_) => vec![false; self.config.pixels()],
        }
    }
}
