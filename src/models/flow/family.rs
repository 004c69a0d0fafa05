//! RealNVP as a trainable family: maximum likelihood with Adam, exact log-likelihoods, and
//! the 2-D view (the density, the transform layer by layer, data mapped back to the base).

use std::path::Path;

use burn::prelude::*;

use crate::models::one_network::{learning_rate_knobs, load_one_network, one_network_methods};
use crate::models::points::{pairs, rows};
use crate::models::weights::{AdamNet, read_back};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, LossTerms, Samples};
use crate::views::{FlowView, LikelihoodModel, LogLikelihood};

use super::config::FlowConfig;
use super::logit::{bins_correction, from_logit_space, to_logit_space};
use super::model::RealNvp;

pub const FAMILY_NAME: &str = "flow";
const WEIGHTS_FILE: &str = "model.bpk";

pub struct FlowFamily {
    config: FlowConfig,
    model: AdamNet<RealNvp>,
    /// The training device (autodiff on).
    device: Device,
    /// Dequantization noise.
    noise: Rng,
}

impl FlowFamily {
    pub fn new(config: FlowConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        Ok(Self { model: AdamNet::new(RealNvp::new(&config, &device), "the flow"), config, device, noise: Rng::new(seed ^ 0xF10E) })
    }

    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        load_one_network(dir, "flow", FlowConfig::validate, |c| Self::new(c, device, 0), |f| &mut f.model, WEIGHTS_FILE)
    }

    pub fn config(&self) -> &FlowConfig {
        &self.config
    }

    /// The network, for tests that check its inverse and Jacobian.
    pub fn network(&self) -> FamilyResult<&RealNvp> {
        self.model.get()
    }

    fn inference_device(&self) -> Device {
        self.device.clone().without_autodiff()
    }

    fn check(&self, x: &[f32], n: usize) -> FamilyResult<()> {
        if x.len() != n * self.config.data_dim {
            return Err(format!("the data has {} values per example; this flow models {}", x.len() / n.max(1), self.config.data_dim));
        }
        Ok(())
    }

    /// The flow's input for a batch: points as they are; images dequantized with `rng` and
    /// logit-transformed, with each image's log|dy/dx̃| minus D log 256 (the constant part of
    /// log p(x) per image).
    fn prepare(&self, x: &[f32], n: usize, rng: &mut Rng) -> (Vec<f32>, Vec<f64>) {
        if !self.config.is_image() {
            return (x.to_vec(), vec![0.0; n]);
        }
        let d = self.config.data_dim;
        let mut out = Vec::with_capacity(n * d);
        let mut extra = Vec::with_capacity(n);
        for image in x.chunks(d) {
            let uniforms: Vec<f64> = (0..d).map(|_| rng.uniform()).collect();
            let (y, log_det) = to_logit_space(image, self.config.alpha, &uniforms);
            out.extend(y);
            extra.push(log_det - bins_correction(d));
        }
        (out, extra)
    }
}

impl Family for FlowFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let what =
            if c.is_image() { format!("{}×{} images, checkerboard masks, logit transform", c.width, c.height) } else { "2-D".into() };
        format!("RealNVP, {} affine couplings of width {}, {what}", c.couplings, c.hidden)
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, d) = (batch.n, self.config.data_dim);
        self.check(batch.x, n)?;
        let mut rng = self.noise.clone();
        let (input, extra) = self.prepare(batch.x, n, &mut rng);
        self.noise = rng;
        let device = self.device.clone();
        let x = Tensor::<2>::from_data(TensorData::new(input, [n, d]), &device);
        let model = self.model.take()?;
        let loss = model.log_density(x, &self.config).mean().neg(); // −E log p in the flow's space
        let value = read_back(loss.clone().without_autodiff())?[0] as f64;
        // Reported in the data's own units: minus the transform's part for images.
        let nll = value - extra.iter().sum::<f64>() / n as f64;
        self.model.step(model, loss, value.is_finite(), self.config.learning_rate);
        let unit = if self.config.is_image() { "NLL (nats/image)" } else { "NLL (nats)" };
        Ok(vec![(unit.into(), nll)])
    }

    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        let d = self.config.data_dim;
        let device = self.inference_device();
        let z = Tensor::<2>::from_data(TensorData::new(Rng::new(seed).normal_vec(n * d), [n, d]), &device);
        let x = read_back(self.model.get()?.valid().inverse(z, &self.config))?;
        if self.config.is_image() {
            let pixels = from_logit_space(&x, self.config.alpha);
            Ok(Samples::Images(ImageBatch { n, width: self.config.width, height: self.config.height, pixels }))
        } else {
            Ok(Samples::Points(pairs(&x)))
        }
    }

    learning_rate_knobs!(config, "flow");
    one_network_methods!(model, config, WEIGHTS_FILE);
}

impl crate::views::Model for FlowFamily {
    fn likelihood(&mut self) -> Option<&mut dyn LikelihoodModel> {
        Some(self)
    }

    fn flow(&mut self) -> Option<&mut dyn FlowView> {
        (!self.config.is_image()).then_some(self as &mut dyn FlowView)
    }
}

impl LikelihoodModel for FlowFamily {
    /// Exact log p(x): for images, of the dequantized image (one noise draw per image from
    /// `seed`) in 8-bit units, which bounds the discrete log-likelihood from below on average.
    fn log_likelihood(&mut self, x: &[f32], n: usize, _labels: &[u8], _k: usize, seed: u64) -> FamilyResult<Vec<LogLikelihood>> {
        self.check(x, n)?;
        let (input, extra) = self.prepare(x, n, &mut Rng::new(seed ^ 0xDE0A));
        let device = self.inference_device();
        let xt = Tensor::<2>::from_data(TensorData::new(input, [n, self.config.data_dim]), &device);
        let log_p = read_back(self.model.get()?.valid().log_density(xt, &self.config))?;
        let per_example = log_p.iter().zip(&extra).map(|(&l, &e)| l as f64 + e).collect();
        let name = if self.config.is_image() { "exact (dequantized, 8-bit)" } else { "exact" };
        Ok(vec![LogLikelihood { name: name.into(), exact: true, per_example }])
    }
}

impl FlowView for FlowFamily {
    fn log_density(&mut self, field: &[[f32; 2]]) -> FamilyResult<Vec<f32>> {
        let device = self.inference_device();
        read_back(self.model.get()?.valid().log_density(rows(field, &device), &self.config))
    }

    fn push_forward(&mut self, z: &[[f32; 2]]) -> FamilyResult<Vec<Vec<[f32; 2]>>> {
        let device = self.inference_device();
        let steps = self.model.get()?.valid().inverse_steps(rows(z, &device), &self.config);
        steps.into_iter().map(|s| read_back(s).map(|v| pairs(&v))).collect()
    }

    fn to_latent(&mut self, x: &[[f32; 2]]) -> FamilyResult<Vec<[f32; 2]>> {
        let device = self.inference_device();
        let (z, _) = self.model.get()?.valid().forward(rows(x, &device), &self.config);
        read_back(z).map(|v| pairs(&v))
    }
}
