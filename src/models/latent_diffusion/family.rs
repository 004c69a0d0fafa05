//! Latent diffusion as a trainable family (Rombach et al. 2022, at toy scale): each training
//! step encodes its batch with the frozen autoencoder (`autoencoder.rs`), normalises the
//! latents (`normaliser.rs`), and takes one DDPM step of the diffusion family's MLP denoiser on
//! them (Algorithm 1 of Ho et al. 2020, with the latents as the data). Sampling runs DDPM or
//! DDIM in the normalised latent space, puts the latents back in the autoencoder's space and
//! decodes them. The process is the diffusion family's own free functions (`schedule`,
//! `process`, `sampler`); only the data it runs on differs. The views are in `views.rs`.

use std::path::Path;
use std::time::Instant;

use burn::prelude::*;

use crate::models::diffusion::loss_by_t::{self, empty_buckets};
use crate::models::diffusion::mlp::MlpDenoiser;
use crate::models::diffusion::process::add_noise;
use crate::models::diffusion::sampler::{
    SamplerKind, Spacing, StepOutput, ddim_step, ddpm_step, previous_timestep, sampler_knobs, timesteps,
};
use crate::models::diffusion::schedule::Schedule;
use crate::models::diffusion::time_embedding::sinusoidal;
use crate::models::weights::{AdamNet, learning_rate_knob, load_config, read_back, save_config, save_weights, set_config_knob};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, Knob, KnobValue, LossTerms, Samples};
use crate::views::LossBucket;
use crate::views::latent_chain::SamplingTime;

use super::autoencoder::FrozenAutoencoder;
use super::config::LatentDiffusionConfig;
use super::normaliser::Normaliser;

pub const FAMILY_NAME: &str = "latent-diffusion";
/// The denoiser's weights (the autoencoder's are in `autoencoder::AUTOENCODER_FILE`).
const WEIGHTS_FILE: &str = "denoiser.bpk";

pub struct LatentDiffusionFamily {
    pub(super) config: LatentDiffusionConfig,
    pub(super) schedule: Schedule,
    pub(super) autoencoder: FrozenAutoencoder,
    /// The denoiser over normalised latents, its Adam and its last good weights.
    net: AdamNet<MlpDenoiser>,
    /// The training device (autodiff on).
    device: Device,
    /// Draws the timesteps, the noise and (with `use_mean` off) the posterior draws of training.
    noise: Rng,
    pub(super) buckets: Vec<LossBucket>,
    /// How long the last `sample` call took (the tab's speed panel).
    pub(super) last_sampling: Option<SamplingTime>,
}

impl LatentDiffusionFamily {
    /// A fresh denoiser over the latents of `autoencoder`, whose configuration `config` carries.
    pub fn new(config: LatentDiffusionConfig, autoencoder: FrozenAutoencoder, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        if autoencoder.config() != &config.autoencoder_config {
            return Err("the autoencoder given is not the one this configuration names (its settings differ)".into());
        }
        let schedule = config.build_schedule()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        Ok(Self {
            net: AdamNet::new(MlpDenoiser::new(&config.denoiser(), &device), "the denoiser"),
            noise: Rng::new(seed ^ 0x1A7E),
            buckets: empty_buckets(config.timesteps),
            last_sampling: None,
            schedule,
            autoencoder,
            config,
            device,
        })
    }

    /// A fresh model over the latent space of the VAE or autoencoder checkpoint in `dir`, for
    /// images of `width` × `height` (refused when they are not the autoencoder's), with the
    /// defaults over it (`LatentDiffusionConfig::new`) changed by `settings`.
    pub fn from_checkpoint(
        dir: &Path,
        width: usize,
        height: usize,
        settings: impl FnOnce(LatentDiffusionConfig) -> LatentDiffusionConfig,
        device: &Device,
        seed: u64,
    ) -> FamilyResult<Self> {
        let autoencoder = FrozenAutoencoder::open(dir, device)?;
        autoencoder.check_size(width, height).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config = settings(LatentDiffusionConfig::new(dir, autoencoder.config().clone()));
        Self::new(config, autoencoder, device, seed)
    }

    /// Loads a checkpoint directory written by `save`: the configuration is validated (the
    /// message names `config.json`), then the autoencoder saved inside it and the denoiser are
    /// each checked against it before they are applied. The autoencoder's own folder is not
    /// read: the checkpoint holds everything.
    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let config: LatentDiffusionConfig = load_config(dir, "latent diffusion", LatentDiffusionConfig::validate)?;
        let autoencoder = FrozenAutoencoder::load_saved(config.autoencoder_config.clone(), dir, device)?;
        let mut family = Self::new(config, autoencoder, device, 0)?;
        family.net.load(dir, WEIGHTS_FILE)?;
        Ok(family)
    }

    pub fn config(&self) -> &LatentDiffusionConfig {
        &self.config
    }

    pub fn autoencoder(&self) -> &FrozenAutoencoder {
        &self.autoencoder
    }

    /// What the latents are normalised by: the measured mean and spread of each dimension, or
    /// none (mean 0, spread 1) before the first training batch.
    pub fn normaliser(&self) -> Normaliser {
        let c = &self.config;
        if c.latent_std.is_empty() {
            Normaliser::identity(c.latent_dim())
        } else {
            Normaliser { mean: c.latent_mean.clone(), std: c.latent_std.clone() }
        }
    }

    /// The denoiser's raw output (ε, x₀ or v) at the normalised latents `x`, all at timestep
    /// `t`, from the inference copy `net` (made once per sampling run).
    fn predict(&self, net: &MlpDenoiser, x: &[f32], n: usize, t: usize) -> FamilyResult<Vec<f32>> {
        let device = self.device.clone().without_autodiff();
        let (dim, s) = (self.config.latent_dim(), self.config.sinusoid_dim());
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, dim]), &device); // [B, Z]
        let sin = Tensor::<2>::from_data(TensorData::new(sinusoidal(&vec![t as f32; n], s), [n, s]), &device); // [B, S]
        read_back(net.forward(x, sin, None))
    }

    /// The timesteps the configured sampler visits, noisiest first (as the diffusion family
    /// lists them: DDPM with as many steps as T visits every one).
    pub(super) fn sampler_timesteps(&self) -> Vec<usize> {
        let settings = self.config.sampler;
        let train_steps = self.schedule.timesteps();
        let n_steps = if settings.kind == SamplerKind::Ddpm && settings.steps >= train_steps { train_steps } else { settings.steps };
        timesteps(train_steps, n_steps, settings.spacing, 0)
    }

    /// Step `i` of the configured sampler from x at `list[i]`, given the network's `output` and
    /// the noise `z` (DDPM, and DDIM with η > 0). x̂₀ is never clipped: latents are not images.
    fn reverse_step(&self, list: &[usize], i: usize, x: &[f32], output: &[f32], z: &[f32]) -> StepOutput {
        let settings = self.config.sampler;
        let t = list[i];
        let prev = previous_timestep(settings.kind, list, i, self.schedule.timesteps());
        let prediction = self.config.prediction;
        match settings.kind {
            SamplerKind::Ddpm => ddpm_step(&self.schedule, prediction, t, prev, x, output, z, false),
            SamplerKind::Ddim => ddim_step(&self.schedule, prediction, t, prev, x, output, settings.eta, z, false, true),
        }
    }

    /// Runs the configured sampler on `n` latents from seeded noise x_T ~ N(0, I), in the
    /// normalised space, drawing the noise in the diffusion family's order (x_T, then one z
    /// per step); `visit(i, t, x_t, x̂₀)` sees every step. Returns the normalised x₀.
    pub(super) fn run_sampler(&self, n: usize, seed: u64, mut visit: impl FnMut(usize, usize, &[f32], &[f32])) -> FamilyResult<Vec<f32>> {
        let dim = self.config.latent_dim();
        crate::limits::check_alloc(&format!("sampling {n} latents"), n as u128 * dim as u128, 4 * 4)?;
        let list = self.sampler_timesteps();
        let mut rng = Rng::new(seed);
        let mut x = rng.normal_vec(n * dim); // x_T ~ N(0, I)
        if n == 0 {
            return Ok(x);
        }
        let net = self.net.get()?.valid();
        for (i, &t) in list.iter().enumerate() {
            let output = self.predict(&net, &x, n, t)?;
            let z = rng.normal_vec(n * dim);
            let out = self.reverse_step(&list, i, &x, &output, &z);
            visit(i, t, &x, &out.pred_original_sample);
            x = out.prev_sample;
        }
        Ok(x)
    }

    /// `n` latents drawn by the sampler from `seed`, in the autoencoder's latent space
    /// (`n × latent_dim` values): what `sample` decodes.
    pub fn sample_latents(&self, n: usize, seed: u64) -> FamilyResult<Vec<f32>> {
        let x0 = self.run_sampler(n, seed, |_, _, _, _| {})?;
        Ok(self.normaliser().restore(&x0))
    }

    /// Latent points of the autoencoder's space decoded by its frozen decoder.
    pub fn decode_latents(&self, z: &[f32], n: usize) -> FamilyResult<ImageBatch> {
        self.autoencoder.decode(z, n)
    }
}

impl Family for LatentDiffusionFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let latents = if c.use_mean { "posterior means" } else { "draws from q(z|x)" };
        format!(
            "latent diffusion: MLP denoiser {}×{} ({} parameters) on {} of a frozen {} ({} parameters), {} schedule, T = {}, predicts {}",
            c.layers,
            c.hidden,
            self.net.num_params(),
            latents,
            self.autoencoder.describe(),
            self.autoencoder.num_params(),
            c.schedule.label(),
            c.timesteps,
            c.prediction.label()
        )
    }

    /// Every parameter sampling needs: the denoiser's and the frozen autoencoder's (only the
    /// denoiser's are trained; `describe` gives both).
    fn num_params(&self) -> usize {
        self.net.num_params() + self.autoencoder.num_params()
    }

    /// Rombach et al. 2022, eq. 2 (Algorithm 1 of Ho et al. 2020 on z = E(x)): the batch is
    /// encoded by the frozen encoder, normalised (measured on this batch if it is the first),
    /// then t ~ U{0, …, T−1}, ε ~ N(0, I) and a gradient step on the mean squared error
    /// ‖target − net(√ᾱ_t z + √(1 − ᾱ_t) ε, t)‖² averaged over latent values, the target ε,
    /// z or v. The loss term is that error, the denoiser's MSE.
    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, dim) = (batch.n, self.config.latent_dim());
        self.autoencoder.check_images(batch.x, n)?;
        let draws = (!self.config.use_mean).then(|| self.noise.normal_vec(n * dim));
        let latents = self.autoencoder.encode(batch.x, n, draws.as_deref())?; // [B, Z], no gradient
        if self.config.latent_std.is_empty()
            && let Some(measured) = Normaliser::measure(&latents, n, dim)
        {
            self.config.latent_mean = measured.mean;
            self.config.latent_std = measured.std;
        }
        let x0 = self.normaliser().normalise(&latents);
        let big_t = self.schedule.timesteps();
        let ts: Vec<usize> = (0..n).map(|_| self.noise.below(big_t)).collect();
        let alpha_bars: Vec<f32> = ts.iter().map(|&t| self.schedule.alpha_bar(t as i64)).collect();
        let eps = self.noise.normal_vec(n * dim);
        let x_t = add_noise(&x0, &eps, &alpha_bars, dim);
        let prediction = self.config.prediction;
        let target: Vec<f32> = (0..n * dim).map(|i| prediction.target(alpha_bars[i / dim], x0[i], eps[i])).collect();

        let device = self.device.clone();
        let s = self.config.sinusoid_dim();
        let t_in: Vec<f32> = ts.iter().map(|&t| t as f32).collect();
        let x_t = Tensor::<2>::from_data(TensorData::new(x_t, [n, dim]), &device); // [B, Z]
        let sin = Tensor::<2>::from_data(TensorData::new(sinusoidal(&t_in, s), [n, s]), &device); // [B, S]
        let target = Tensor::<2>::from_data(TensorData::new(target, [n, dim]), &device); // [B, Z]
        let net = self.net.take()?;
        let per_example = (net.forward(x_t, sin, None) - target).square().mean_dim(1); // [B, 1]
        let loss = per_example.clone().mean();
        let losses = read_back(per_example.without_autodiff());
        let mean = losses.as_ref().map_or(f64::NAN, |l| l.iter().map(|&v| v as f64).sum::<f64>() / n.max(1) as f64);
        // The network goes back before any error is passed on, so a failed read loses nothing.
        self.net.step(net, loss, mean.is_finite(), self.config.learning_rate);
        let losses = losses?;
        if mean.is_finite() {
            loss_by_t::record_timesteps(&mut self.buckets, self.schedule.timesteps(), &ts, &losses);
        }
        Ok(vec![("loss".into(), mean)])
    }

    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        let started = Instant::now();
        let z = self.sample_latents(n, seed)?;
        let images = self.decode_latents(&z, n)?;
        let steps = self.sampler_timesteps().len();
        let sampler = self.config.sampler.kind.label();
        self.last_sampling = Some(SamplingTime { n, sampler, steps, seconds: started.elapsed().as_secs_f64() });
        Ok(Samples::Images(images))
    }

    fn knobs(&self) -> Vec<Knob> {
        let c = &self.config;
        let s = &c.sampler;
        let mut knobs = vec![learning_rate_knob(c.learning_rate)];
        knobs.extend(sampler_knobs(s, c.timesteps, "denoising steps per sample, in the latent space: fewer is faster and coarser"));
        knobs
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        let knobs = self.knobs();
        let validate = LatentDiffusionConfig::validate;
        set_config_knob(&mut self.config, &knobs, name, value, "latent diffusion model", validate, |next, name, value| {
            let s = &mut next.sampler;
            match (name, value) {
                ("learning_rate", KnobValue::Real(v)) => next.learning_rate = v,
                ("sampler", KnobValue::Choice(i)) => s.kind = SamplerKind::ALL[i],
                ("sample_steps", KnobValue::Whole(n)) => s.steps = n as usize,
                ("eta", KnobValue::Real(v)) => s.eta = v,
                ("spacing", KnobValue::Choice(i)) => s.spacing = Spacing::ALL[i],
                _ => return false,
            }
            true
        })
    }

    /// The frozen autoencoder's weights, the denoiser's, then the configuration (with the
    /// autoencoder's and the measured latent statistics in it): a checkpoint that needs no
    /// other folder.
    fn save(&self, dir: &Path) -> FamilyResult<()> {
        self.autoencoder.save(dir)?;
        save_weights(self.net.get()?.valid(), dir, WEIGHTS_FILE)?;
        save_config(dir, FAMILY_NAME, &self.config)
    }

    fn remember_good(&mut self) {
        self.net.remember_good();
    }

    fn restore_good(&mut self) {
        self.net.restore_good();
    }
}
