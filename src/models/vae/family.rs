//! The VAE as a trainable family: ELBO training with Adam, sampling, and the latent view.

use std::path::Path;

use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::models::one_hot::one_hot;
use crate::models::one_network::one_network_methods;
use crate::models::weights::{AdamNet, config_from_json, in_config_file, learning_rate_knob, read_back, set_config_knob};
use crate::rng::Rng;
use crate::train::checkpoint::read_config;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, Knob, KnobValue, LossTerms, Samples};
use crate::views::LatentModel;

use super::config::{Likelihood, VaeArch, VaeConfig};
use super::loss::{bernoulli_nll, gaussian_nll, kl_to_standard_normal};
use super::model::Vae;

pub const FAMILY_NAME: &str = "vae";
const WEIGHTS_FILE: &str = "model.bpk";

pub struct VaeFamily {
    config: VaeConfig,
    model: AdamNet<Vae>,
    /// The training device (autodiff on).
    device: Device,
    /// ε for the reparameterization, from genlab's own seeded generator so a seed means the
    /// same thing on every backend.
    noise: Rng,
}

impl VaeFamily {
    /// A freshly initialised VAE on `device` (a plain device; autodiff is added here).
    pub fn new(config: VaeConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        let model = AdamNet::new(Vae::new(&config, &device), "the VAE");
        Ok(Self { config, model, device, noise: Rng::new(seed ^ 0x5EED) })
    }

    /// Loads a checkpoint directory written by `save`: the configuration is validated (the
    /// message names `config.json`) before the network is built, and the weights are checked
    /// against it before they are applied. A checkpoint saved as an autoencoder loads as one.
    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let json = read_config(dir)?;
        let config: VaeConfig = config_from_json(&json, dir, "VAE")?;
        let plain = json.get("family").and_then(|f| f.as_str()) == Some(crate::models::autoencoder::FAMILY_NAME);
        let config = if plain { crate::models::autoencoder::plain(config) } else { config };
        config.validate().map_err(|e| in_config_file(dir, e))?;
        let mut family = Self::new(config, device, 0)?;
        family.model.load(dir, WEIGHTS_FILE)?;
        Ok(family)
    }

    pub fn config(&self) -> &VaeConfig {
        &self.config
    }

    pub(super) fn model(&self) -> FamilyResult<&Vae> {
        self.model.get()
    }

    pub(super) fn inference_device(&self) -> Device {
        self.device.clone().without_autodiff()
    }

    /// One-hot class rows for a conditional model, `None` otherwise.
    pub(super) fn one_hot(&self, labels: &[u8], device: &Device) -> Option<Tensor<2>> {
        if !self.config.conditional {
            return None;
        }
        Some(one_hot(labels, self.config.num_classes, device))
    }

    pub(super) fn check_batch(&self, x: &[f32], n: usize) -> FamilyResult<()> {
        let d = self.config.pixels();
        if x.len() != n * d {
            return Err(format!(
                "the data has {} values per example but this VAE expects {}×{} = {d} pixels",
                x.len() / n.max(1),
                self.config.width,
                self.config.height
            ));
        }
        Ok(())
    }

    /// Mean images p(x|z) for latent rows, through the inference (no-autodiff) model.
    fn decode_means(&self, z: Vec<f32>, n: usize, labels: &[u8]) -> FamilyResult<ImageBatch> {
        let device = self.inference_device();
        let model = self.model()?.valid();
        let z = Tensor::<2>::from_data(TensorData::new(z, [n, self.config.latent_dim]), &device);
        let logits = model.decode(z, self.one_hot(labels, &device));
        Ok(ImageBatch { n, width: self.config.width, height: self.config.height, pixels: read_back(sigmoid(logits))? })
    }
}

impl Family for VaeFamily {
    fn family_name(&self) -> &'static str {
        if self.config.variational { FAMILY_NAME } else { crate::models::autoencoder::FAMILY_NAME }
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let arch = match c.arch {
            VaeArch::Mlp => format!("MLP VAE {}-{}-{}", c.pixels(), c.hidden, c.latent_dim),
            VaeArch::Conv => format!("conv VAE 1-32-64 channels, {}-d latent", c.latent_dim),
        };
        let decoder = match c.likelihood {
            Likelihood::Bernoulli => "Bernoulli decoder".to_string(),
            Likelihood::Gaussian => format!("Gaussian decoder σ={}", c.gaussian_sigma),
        };
        let cond = if c.conditional { ", class-conditional" } else { "" };
        let arch = if c.variational { arch } else { arch.replace("VAE", "autoencoder") };
        format!("{arch}, {decoder}{cond}")
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, d, z) = (batch.n, self.config.pixels(), self.config.latent_dim);
        self.check_batch(batch.x, n)?;
        let device = self.device.clone();
        let x = Tensor::<2>::from_data(TensorData::new(batch.x.to_vec(), [n, d]), &device); // [B, D]
        let labels = self.one_hot(batch.labels, &device); // [B, C] or None
        // A plain autoencoder decodes μ itself: no noise.
        let eps = if self.config.variational {
            Tensor::<2>::from_data(TensorData::new(self.noise.normal_vec(n * z), [n, z]), &device) // [B, Z]
        } else {
            Tensor::<2>::zeros([n, z], &device)
        };
        let model = self.model.take()?;
        let out = model.forward(x.clone(), labels, eps);
        // Per-example averages: reconstruction −log p(x|z) and KL(q(z|x) ‖ N(0, I)).
        let recon = match self.config.likelihood {
            Likelihood::Bernoulli => bernoulli_nll(out.logits, x),
            Likelihood::Gaussian => gaussian_nll(sigmoid(out.logits), x, self.config.gaussian_sigma),
        }
        .mean();
        let kl = kl_to_standard_normal(out.mu, out.logvar).mean();
        // −ELBO when β = 1; a plain autoencoder minimises the reconstruction term alone.
        let beta = if self.config.variational { self.config.beta } else { 0.0 };
        let loss = recon.clone() + kl.clone().mul_scalar(beta);
        let values = read_back(Tensor::cat(vec![loss.clone().without_autodiff(), recon.without_autodiff(), kl.without_autodiff()], 0))?;
        let terms: LossTerms = if self.config.variational {
            vec![("loss".into(), values[0] as f64), ("reconstruction".into(), values[1] as f64), ("KL".into(), values[2] as f64)]
        } else {
            vec![("reconstruction".into(), values[1] as f64)]
        };
        self.model.step(model, loss, values.iter().all(|v| v.is_finite()), self.config.learning_rate);
        Ok(terms)
    }

    fn sample(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Samples> {
        let z = Rng::new(seed).normal_vec(n * self.config.latent_dim);
        let classes = self.config.num_classes.max(1);
        let labels: Vec<u8> = (0..n).map(|i| label.unwrap_or((i % classes) as u8)).collect();
        Ok(Samples::Images(self.decode_means(z, n, &labels)?))
    }

    fn knobs(&self) -> Vec<Knob> {
        let c = &self.config;
        let mut knobs = vec![learning_rate_knob(c.learning_rate)];
        // A plain autoencoder has no KL term to weigh.
        if c.variational {
            knobs.push(Knob::real(
                "beta",
                "KL weight β",
                "weight of the KL term: 1 is the ELBO; larger trades sharpness for a smoother latent space",
                c.beta,
                (0.0, 10.0),
                false,
            ));
        }
        if c.likelihood == Likelihood::Gaussian {
            knobs.push(Knob::real(
                "gaussian_sigma",
                "decoder σ",
                "σ of the Gaussian decoder: smaller weighs reconstruction more against KL",
                c.gaussian_sigma,
                (0.01, 1.0),
                true,
            ));
        }
        knobs
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        let knobs = self.knobs();
        set_config_knob(&mut self.config, &knobs, name, value, "VAE", VaeConfig::validate, |next, name, value| {
            match (name, value) {
                ("learning_rate", KnobValue::Real(v)) => next.learning_rate = v,
                ("beta", KnobValue::Real(v)) => next.beta = v,
                ("gaussian_sigma", KnobValue::Real(v)) => next.gaussian_sigma = v,
                _ => return false,
            }
            true
        })
    }

    one_network_methods!(model, config, WEIGHTS_FILE);
}

impl crate::views::Model for VaeFamily {
    fn latent(&mut self) -> Option<&mut dyn LatentModel> {
        Some(self)
    }

    fn likelihood(&mut self) -> Option<&mut dyn crate::views::LikelihoodModel> {
        // A plain autoencoder defines no density: no ELBO to report.
        if self.config.variational { Some(self) } else { None }
    }

    fn inpainter(&mut self) -> Option<&mut dyn crate::views::Inpainter> {
        Some(self)
    }
}

impl LatentModel for VaeFamily {
    fn latent_dim(&self) -> usize {
        self.config.latent_dim
    }

    fn conditional(&self) -> bool {
        self.config.conditional
    }

    fn encode(&mut self, x: &[f32], n: usize, labels: &[u8]) -> FamilyResult<Vec<f32>> {
        self.check_batch(x, n)?;
        let device = self.inference_device();
        let model = self.model()?.valid();
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, self.config.pixels()]), &device);
        let (mu, _) = model.encode(x, self.one_hot(labels, &device));
        read_back(mu)
    }

    fn decode(&mut self, z: &[f32], n: usize, labels: &[u8]) -> FamilyResult<ImageBatch> {
        if z.len() != n * self.config.latent_dim {
            return Err(format!("{} latent values for {n} points of dimension {}", z.len(), self.config.latent_dim));
        }
        if !labels.is_empty() && labels.len() != n {
            return Err(format!("{} labels for {n} latent points", labels.len()));
        }
        let labels = if labels.is_empty() { vec![0; n] } else { labels.to_vec() };
        self.decode_means(z.to_vec(), n, &labels)
    }
}
