//! The GMMN as a trainable family: one Adam on the generator, minimising the unbiased MMD²
//! between a generated batch and a data batch (Li et al. 2015, Algorithm 1), and the witness
//! view for 2-D data.

use std::path::Path;

use burn::prelude::*;

use crate::models::one_network::{learning_rate_knobs, load_one_network, one_network_methods};
use crate::models::points::{pairs, rows};
use crate::models::weights::{AdamNet, read_back};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, LossTerms, Samples};
use crate::views::WitnessView;

use super::config::GmmnConfig;
use super::generator::Generator;
use super::mmd_loss::{mmd2_unbiased, witness};

pub const FAMILY_NAME: &str = "gmmn";
const WEIGHTS_FILE: &str = "generator.bpk";

pub struct GmmnFamily {
    config: GmmnConfig,
    model: AdamNet<Generator>,
    /// The training device (autodiff on).
    device: Device,
    noise: Rng,
}

impl GmmnFamily {
    pub fn new(config: GmmnConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        Ok(Self { model: AdamNet::new(Generator::new(&config, &device), "the generator"), config, device, noise: Rng::new(seed ^ 0x6A77) })
    }

    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        load_one_network(dir, "GMMN", GmmnConfig::validate, |c| Self::new(c, device, 0), |f| &mut f.model, WEIGHTS_FILE)
    }

    pub fn config(&self) -> &GmmnConfig {
        &self.config
    }

    /// `n` generated samples from latent rows drawn with `rng`, on the inference device.
    fn generate(&self, n: usize, rng: &mut Rng) -> FamilyResult<Vec<f32>> {
        let device = self.device.clone().without_autodiff();
        let z = Tensor::<2>::from_data(TensorData::new(rng.normal_vec(n * self.config.latent_dim), [n, self.config.latent_dim]), &device);
        read_back(self.model.get()?.valid().forward(z))
    }
}

impl Family for GmmnFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let widths: Vec<String> = c.hidden.iter().map(|h| h.to_string()).collect();
        format!("GMMN generator {}-{}-{}, MMD² with RBF bandwidths {:?}", c.latent_dim, widths.join("-"), c.data_dim, c.bandwidths)
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, d, z) = (batch.n, self.config.data_dim, self.config.latent_dim);
        if batch.x.len() != n * d || n < 2 {
            return Err(format!("the data has {} values per example; this GMMN makes {d}", batch.x.len() / n.max(1)));
        }
        let device = self.device.clone();
        let real = Tensor::<2>::from_data(TensorData::new(batch.x.to_vec(), [n, d]), &device);
        let noise = Tensor::<2>::from_data(TensorData::new(self.noise.normal_vec(n * z), [n, z]), &device);
        let model = self.model.take()?;
        let fake = model.forward(noise); // [B, D]
        let loss = mmd2_unbiased(fake, real, &self.config.bandwidths);
        let value = read_back(loss.clone().without_autodiff())?[0] as f64;
        self.model.step(model, loss, value.is_finite(), self.config.learning_rate);
        Ok(vec![("MMD²".into(), value)])
    }

    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        let x = self.generate(n, &mut Rng::new(seed))?;
        if self.config.is_image() {
            Ok(Samples::Images(ImageBatch { n, width: self.config.width, height: self.config.height, pixels: x }))
        } else {
            Ok(Samples::Points(pairs(&x)))
        }
    }

    learning_rate_knobs!(config, "GMMN");
    one_network_methods!(model, config, WEIGHTS_FILE);
}

impl crate::views::Model for GmmnFamily {
    fn witness(&mut self) -> Option<&mut dyn WitnessView> {
        (!self.config.is_image()).then_some(self as &mut dyn WitnessView)
    }
}

impl WitnessView for GmmnFamily {
    fn witness(&mut self, field: &[[f32; 2]], real: &[[f32; 2]], n: usize, seed: u64) -> FamilyResult<(Vec<f32>, Vec<[f32; 2]>)> {
        if real.len() < 2 || n < 2 {
            return Err("the witness needs at least two real and two generated points".into());
        }
        let fakes = self.generate(n, &mut Rng::new(seed))?;
        let device = self.device.clone().without_autodiff();
        let fake_t = Tensor::<2>::from_data(TensorData::new(fakes.clone(), [n, 2]), &device);
        let values = read_back(witness(rows(field, &device), rows(real, &device), fake_t, &self.config.bandwidths))?;
        Ok((values, pairs(&fakes)))
    }
}
