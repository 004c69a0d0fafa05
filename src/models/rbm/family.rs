//! The RBM as a trainable family: CD-k or PCD-k updates, the loss terms that can be computed
//! (reconstruction error, pseudo-likelihood, free energies), Gibbs sampling, and the view of
//! the filters and the chain.

use std::path::Path;

use burn::prelude::*;

use crate::models::weights::{KnownGood, load_config, load_weights, read_back, save_checkpoint, set_config_knob};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, Knob, KnobValue, LossTerms, Samples};
use crate::views::{GibbsView, Inpainter, LikelihoodModel};

use super::config::RbmConfig;
use super::likelihood::PartitionCache;
use super::model::{Rbm, cd_update, check_sizes, free_energy, gibbs_sweep};

pub const FAMILY_NAME: &str = "rbm";
const WEIGHTS_FILE: &str = "model.bpk";
/// Gibbs steps from noise behind every sample.
pub const SAMPLE_GIBBS_STEPS: usize = 500;

pub struct RbmFamily {
    config: RbmConfig,
    pub(super) rbm: Rbm,
    /// A plain device: the CD gradient is written out, no autodiff.
    pub(super) device: Device,
    rng: Rng,
    /// PCD's chains, carried from one update to the next.
    persistent: Option<Tensor<2>>,
    good: KnownGood<Rbm>,
    /// log Z of the parameters it was estimated for (`likelihood.rs`).
    pub(super) partition: Option<PartitionCache>,
}

// The binary images the RBM (and the DBN) trains on and is evaluated on: the PixelCNN's fixed
// binarization, 1 above 0.5.
pub(crate) use crate::models::pixelcnn::family::binarize;

/// Uniform draws from genlab's own generator, so a seed means the same chain everywhere.
pub(crate) fn seeded_uniforms(rng: &mut Rng, shape: [usize; 2], device: &Device) -> Tensor<2> {
    let values: Vec<f32> = (0..shape[0] * shape[1]).map(|_| rng.uniform() as f32).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// Bernoulli(½) states, where a chain starts from noise.
pub(crate) fn noise_states(rng: &mut Rng, shape: [usize; 2], device: &Device) -> Tensor<2> {
    seeded_uniforms(rng, shape, device).greater_elem(0.5).float()
}

/// The chains an update starts from: under PCD (`persistent`) those `carried` over from the
/// last update when they fit `shape`, else fresh noise states from `rng`; none under CD.
pub(crate) fn persistent_chains(
    persistent: bool,
    carried: Option<Tensor<2>>,
    shape: [usize; 2],
    rng: &mut Rng,
    device: &Device,
) -> Option<Tensor<2>> {
    if !persistent {
        return None;
    }
    Some(carried.filter(|p| p.dims() == shape).unwrap_or_else(|| noise_states(rng, shape, device)))
}

/// The knobs of a CD-trained machine: the SGD step (`learning_rate_help` says of what) and k.
pub(crate) fn cd_knobs(learning_rate: f64, learning_rate_help: &'static str, k: usize) -> Vec<Knob> {
    vec![
        Knob::real("learning_rate", "learning rate", learning_rate_help, learning_rate, (1e-4, 1.0), true),
        Knob::whole(
            "k",
            "Gibbs steps per update (k)",
            "Gibbs steps per update (CD-k): more steps estimate the model's statistics better, and cost more",
            k as i64,
            (1, 25),
            false,
        ),
    ]
}

/// The first `n` columns of `w` ([V, H] row-major, V = `width` × `height`) as images, each on
/// its own symmetric scale: grey is 0, white positive, black negative.
pub(crate) fn filter_images(w: &[f32], h: usize, n: usize, width: usize, height: usize) -> ImageBatch {
    let (v, n) = (width * height, n.min(h));
    let mut pixels = Vec::with_capacity(n * v);
    for j in 0..n {
        let column: Vec<f32> = (0..v).map(|i| w[i * h + j]).collect();
        let scale = column.iter().fold(1e-8f32, |m, x| m.max(x.abs()));
        pixels.extend(column.iter().map(|x| 0.5 + 0.5 * x / scale));
    }
    ImageBatch { n, width, height, pixels }
}

impl RbmFamily {
    pub fn new(config: RbmConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let _seeded = crate::models::seed_device(device, seed);
        let device = device.clone();
        Ok(Self {
            rbm: Rbm::new(config.visible(), config.hidden, &device),
            config,
            device,
            rng: Rng::new(seed ^ 0x2B3),
            persistent: None,
            good: KnownGood::default(),
            partition: None,
        })
    }

    /// An RBM with the given parameters (tests, machines built by hand): `w` row-major
    /// [V, H] with V = width × height and H = `config.hidden`, `b` [V], `c` [H], as
    /// `Rbm::from_values` takes them. Trains and samples like any other.
    pub fn from_parameters(config: RbmConfig, w: Vec<f32>, b: Vec<f32>, c: Vec<f32>, device: &Device) -> FamilyResult<Self> {
        check_sizes(config.visible(), config.hidden, &w, &b, &c)?;
        let mut family = Self::new(config, device, 0)?;
        family.rbm = Rbm::from_values(w, b, c, &family.device);
        Ok(family)
    }

    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let config = load_config(dir, "RBM", RbmConfig::validate)?;
        let mut family = Self::new(config, device, 0)?;
        family.rbm = load_weights(family.rbm.clone(), dir, WEIGHTS_FILE)?;
        Ok(family)
    }

    pub fn config(&self) -> &RbmConfig {
        &self.config
    }

    pub fn machine(&self) -> &Rbm {
        &self.rbm
    }

    /// Visible means after `steps` Gibbs steps from `start` (binary), keeping every `every`-th
    /// (the start first).
    fn chain(&mut self, start: Tensor<2>, steps: usize, every: usize, seed: u64) -> FamilyResult<Vec<Tensor<2>>> {
        let mut rng = Rng::new(seed);
        let mut uniforms = |shape: [usize; 2]| seeded_uniforms(&mut rng, shape, &self.device);
        let mut frames = vec![start.clone()];
        let mut v = start;
        for step in 1..=steps {
            let (means, drawn) = gibbs_sweep(&self.rbm, v, &mut uniforms);
            v = drawn;
            if step % every.max(1) == 0 || step == steps {
                frames.push(means);
            }
        }
        Ok(frames)
    }

    fn images(&self, t: Tensor<2>) -> FamilyResult<ImageBatch> {
        let n = t.dims()[0];
        Ok(ImageBatch { n, width: self.config.width, height: self.config.height, pixels: read_back(t)? })
    }

    /// Stochastic pseudo-log-likelihood per image (Besag 1975, as estimated in the Theano RBM
    /// tutorial): V · log σ(F(ṽ) − F(v)), ṽ being v with one random visible unit flipped.
    fn pseudo_log_likelihood(&mut self, v: &[f32], n: usize) -> FamilyResult<f64> {
        let d = self.config.visible();
        let mut flipped = v.to_vec();
        for i in 0..n {
            let j = self.rng.below(d);
            flipped[i * d + j] = 1.0 - flipped[i * d + j];
        }
        let vt = Tensor::<2>::from_data(TensorData::new(v.to_vec(), [n, d]), &self.device);
        let ft = Tensor::<2>::from_data(TensorData::new(flipped, [n, d]), &self.device);
        let gap = free_energy(&self.rbm, ft) - free_energy(&self.rbm, vt); // [B]
        let log_sig = burn::tensor::activation::log_sigmoid(gap).mul_scalar(d as f64).mean();
        Ok(read_back(log_sig)?[0] as f64)
    }
}

impl Family for RbmFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        format!("Bernoulli RBM {} visible × {} hidden, {}-{}", c.visible(), c.hidden, if c.persistent { "PCD" } else { "CD" }, c.k)
    }

    fn num_params(&self) -> usize {
        self.rbm.num_params()
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, d) = (batch.n, self.config.visible());
        if batch.x.len() != n * d {
            return Err(format!("the data has {} values per example but this RBM has {d} visible units", batch.x.len() / n.max(1)));
        }
        let v = binarize(batch.x);
        let device = self.device.clone();
        let v0 = Tensor::<2>::from_data(TensorData::new(v.clone(), [n, d]), &device);
        let persistent = persistent_chains(self.config.persistent, self.persistent.take(), [n, d], &mut self.rng, &device);
        // genlab's own generator rather than the device's: a seed gives the same run however
        // many models share the device.
        let rng = &mut self.rng;
        let mut uniforms = |shape: [usize; 2]| seeded_uniforms(rng, shape, &device);
        let step = cd_update(&self.rbm, v0.clone(), persistent, self.config.k, self.config.learning_rate, &mut uniforms);
        let recon = (v0.clone() - step.reconstruction).powf_scalar(2.0).sum_dim(1).mean();
        let f_data = free_energy(&step.rbm, v0).mean();
        let f_model = free_energy(&step.rbm, step.chain.clone()).mean();
        let values = read_back(Tensor::cat(vec![recon, f_data, f_model], 0))?;
        self.rbm = step.rbm;
        if self.config.persistent {
            self.persistent = Some(step.chain);
        }
        let pll = self.pseudo_log_likelihood(&v, n)?;
        Ok(vec![
            ("reconstruction error".into(), values[0] as f64),
            ("−pseudo-log-likelihood".into(), -pll),
            ("free energy (data)".into(), values[1] as f64),
            ("free energy (chain)".into(), values[2] as f64),
        ])
    }

    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        let mut rng = Rng::new(seed ^ 0x5A);
        let start = noise_states(&mut rng, [n, self.config.visible()], &self.device);
        let mut frames = self.chain(start, SAMPLE_GIBBS_STEPS, SAMPLE_GIBBS_STEPS, seed)?;
        let last = frames.pop().ok_or("the chain produced nothing")?;
        Ok(Samples::Images(self.images(last)?))
    }

    fn knobs(&self) -> Vec<Knob> {
        cd_knobs(self.config.learning_rate, "SGD step on the contrastive-divergence gradient", self.config.k)
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        let knobs = self.knobs();
        set_config_knob(&mut self.config, &knobs, name, value, "RBM", RbmConfig::validate, |next, name, value| {
            match (name, value) {
                ("learning_rate", KnobValue::Real(v)) => next.learning_rate = v,
                ("k", KnobValue::Whole(n)) => next.k = n as usize,
                _ => return false,
            }
            true
        })
    }

    fn save(&self, dir: &Path) -> FamilyResult<()> {
        save_checkpoint(&self.rbm, dir, WEIGHTS_FILE, FAMILY_NAME, &self.config)
    }

    fn remember_good(&mut self) {
        self.good.remember(Some(&self.rbm));
    }

    fn restore_good(&mut self) {
        if let Some(good) = self.good.restore() {
            self.rbm = good;
        }
        self.persistent = None;
    }
}

impl crate::views::Model for RbmFamily {
    fn gibbs(&mut self) -> Option<&mut dyn GibbsView> {
        Some(self)
    }

    fn likelihood(&mut self) -> Option<&mut dyn LikelihoodModel> {
        Some(self)
    }

    fn inpainter(&mut self) -> Option<&mut dyn Inpainter> {
        Some(self)
    }
}

impl GibbsView for RbmFamily {
    fn filters(&mut self, n: usize) -> FamilyResult<ImageBatch> {
        let w = read_back(self.rbm.weights.val())?; // [V, H] row-major
        Ok(filter_images(&w, self.config.hidden, n, self.config.width, self.config.height))
    }

    fn gibbs_chain(&mut self, start: Option<&[f32]>, n: usize, steps: usize, every: usize, seed: u64) -> FamilyResult<Vec<ImageBatch>> {
        let d = self.config.visible();
        let start = match start {
            Some(x) if x.len() == n * d => Tensor::<2>::from_data(TensorData::new(binarize(x), [n, d]), &self.device),
            Some(x) => return Err(format!("{} values for {n} chains of {d} visible units", x.len())),
            None => noise_states(&mut Rng::new(seed ^ 0x5A), [n, d], &self.device),
        };
        self.chain(start, steps, every, seed)?.into_iter().map(|t| self.images(t)).collect()
    }
}
