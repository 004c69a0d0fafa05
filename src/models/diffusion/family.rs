//! Diffusion as a trainable family: the DDPM training step (a random timestep per example,
//! noise in, the network asked to predict it back), sampling with DDPM or DDIM and
//! classifier-free guidance, and the views that show the process.

use std::path::Path;

use burn::prelude::*;

use crate::models::one_hot::one_hot;
use crate::models::one_network::load_one_network;
use crate::models::points::pairs;
use crate::models::weights::{AdamNet, KnownGood, load_weights, read_back, save_config, save_weights, set_config_knob};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, Knob, KnobValue, LossTerms, Samples};
use crate::views::{DenoisingView, LossBucket, Trajectory, TrajectoryStep};

use super::config::{DenoiserArch, DiffusionConfig};
use super::inpaint::RepaintSettings;
use super::loss_by_t::{self, empty_buckets};
use super::nets::Denoiser;
use super::process::{add_noise, from_process_scale, min_snr_weight, to_process_scale};
use super::sampler::{SamplerKind, Spacing, StepOutput, ddim_step, ddpm_step, previous_timestep, sampler_knobs, timesteps};
use super::schedule::Schedule;
use super::time_embedding::sinusoidal;

pub const FAMILY_NAME: &str = "diffusion";
const WEIGHTS_FILE: &str = "denoiser.bpk";
const EMA_FILE: &str = "denoiser-ema.bpk";

pub struct DiffusionFamily {
    config: DiffusionConfig,
    schedule: Schedule,
    /// The denoiser, its Adam and its last good weights.
    net: AdamNet<Denoiser>,
    /// The training device (autodiff on).
    device: Device,
    noise: Rng,
    /// The weight average and its update count of the network's last good weights, remembered
    /// and restored with them: a NaN step puts all three back (an average that took in a
    /// non-finite step would stay NaN for good).
    good_ema: KnownGood<(Option<Denoiser>, u64)>,
    buckets: Vec<LossBucket>,
    /// The weight average sampling uses (`config.ema_decay`), an inference copy.
    ema: Option<Denoiser>,
    updates: u64,
    /// How `inpaint` resamples (RePaint's r and j); not saved, like a sampling option.
    pub(super) repaint: RepaintSettings,
}

impl DiffusionFamily {
    pub fn new(config: DiffusionConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let schedule = config.build_schedule()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        Ok(Self {
            net: AdamNet::new(Denoiser::new(&config, &device), "the denoiser"),
            noise: Rng::new(seed ^ 0xD1FF),
            buckets: empty_buckets(config.timesteps),
            schedule,
            config,
            device,
            good_ema: KnownGood::default(),
            ema: None,
            updates: 0,
            repaint: RepaintSettings::default(),
        })
    }

    /// Loads a checkpoint directory written by `save`: the configuration is validated (the
    /// message names `config.json`, T included) before the schedule and the network are
    /// built, and each weight file is checked against the network before it is applied.
    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let mut family =
            load_one_network(dir, "diffusion", DiffusionConfig::validate, |c| Self::new(c, device, 0), |f| &mut f.net, WEIGHTS_FILE)?;
        if dir.join(EMA_FILE).is_file() {
            let ema = load_weights(family.net.get()?.valid(), dir, EMA_FILE)?;
            family.ema = Some(ema);
        }
        Ok(family)
    }

    pub fn config(&self) -> &DiffusionConfig {
        &self.config
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The weights sampling uses: the average when there is one, else the network itself.
    pub(super) fn sampling_net(&self) -> FamilyResult<Denoiser> {
        match &self.ema {
            Some(ema) => Ok(ema.clone()),
            None => Ok(self.net.get()?.valid()),
        }
    }

    /// One-hot rows over K classes and the "no label" slot K; `None` for unconditional models.
    fn labels(&self, labels: &[u8], device: &Device) -> Option<Tensor<2>> {
        self.config.conditional.then(|| one_hot(labels, self.config.num_classes + 1, device))
    }

    pub(super) fn null_label(&self) -> u8 {
        self.config.num_classes as u8
    }

    /// The network's raw prediction at x_t (no gradients), with classifier-free guidance for
    /// a conditional model: ε̃ = ε(x, ∅) + w (ε(x, y) − ε(x, ∅)) (Ho & Salimans 2022, eq. 6,
    /// written with w = 1 meaning "conditional only", as diffusers does).
    /// `net` is the inference copy (`valid()`), made once per sampling run.
    pub(super) fn predict(&self, net: &Denoiser, x: &[f32], n: usize, t: usize, labels: &[u8]) -> FamilyResult<Vec<f32>> {
        let dim = self.config.data_dim;
        let w = self.config.sampler.guidance as f32;
        let guided = self.config.conditional && w != 1.0;
        let rows = if guided { 2 * n } else { n };
        let mut xs = x.to_vec();
        let mut ys = labels.to_vec();
        if guided {
            xs.extend_from_slice(x);
            ys.extend(std::iter::repeat_n(self.null_label(), n));
        }
        let out = self.predict_rows(net, &xs, &vec![t; rows], &ys)?;
        if !guided {
            return Ok(out);
        }
        let (cond, uncond) = out.split_at(n * dim);
        Ok(cond.iter().zip(uncond).map(|(&c, &u)| u + w * (c - u)).collect())
    }

    /// The network's raw output (no gradients, no guidance) at x_t with one timestep per row;
    /// `labels` one per row for a conditional model, ignored otherwise.
    pub(super) fn predict_rows(&self, net: &Denoiser, x: &[f32], ts: &[usize], labels: &[u8]) -> FamilyResult<Vec<f32>> {
        let device = self.device.clone().without_autodiff();
        let (rows, dim, s) = (ts.len(), self.config.data_dim, self.config.sinusoid_dim());
        let t_in: Vec<f32> = ts.iter().map(|&t| t as f32).collect();
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [rows, dim]), &device);
        let sin = Tensor::<2>::from_data(TensorData::new(sinusoidal(&t_in, s), [rows, s]), &device);
        read_back(net.forward(x, sin, self.labels(labels, &device)))
    }

    /// What the network predicts (ε, x₀ or v, as `config().prediction` says) for the rows of
    /// `x_t` (the process's scale: images in [−1, 1]), row i at timestep `ts[i]`, from the
    /// weights sampling uses, with the given labels and no guidance: the model p_θ(x_{t−1} |
    /// x_t, y) itself, as the variational bound (`likelihood.rs`) reads it.
    pub fn prediction(&self, x_t: &[f32], ts: &[usize], labels: &[u8]) -> FamilyResult<Vec<f32>> {
        let points = self.config.arch == DenoiserArch::Mlp;
        crate::models::check_example_size(x_t, ts.len(), self.config.data_dim, points, "this model")?;
        let big_t = self.schedule.timesteps();
        if let Some(&t) = ts.iter().find(|&&t| t >= big_t) {
            return Err(format!("timestep {t} is past this model's last, {}", big_t - 1));
        }
        if self.config.conditional && labels.len() != ts.len() {
            return Err(format!("a class-conditional model needs one label per row: {} labels for {} rows", labels.len(), ts.len()));
        }
        self.predict_rows(&self.sampling_net()?, x_t, ts, labels)
    }

    /// Runs the configured sampler from seeded noise; keeps every step when `record` is set.
    /// Returns the samples in the network's scale and the steps (shown scale).
    fn run_sampler(&self, n: usize, seed: u64, label: Option<u8>, record: bool) -> FamilyResult<(Vec<f32>, Vec<TrajectoryStep>)> {
        let dim = self.config.data_dim;
        let classes = self.config.num_classes.max(1);
        // Without a chosen class, a conditional model cycles through the classes.
        let labels: Vec<u8> = (0..n).map(|i| label.unwrap_or((i % classes) as u8)).collect();
        let list = self.sampler_timesteps();
        let mut rng = Rng::new(seed);
        let mut x = rng.normal_vec(n * dim); // x_T ~ N(0, I)
        let mut steps = Vec::new();
        let net = self.sampling_net()?;
        for (i, &t) in list.iter().enumerate() {
            let output = self.predict(&net, &x, n, t, &labels)?;
            let z = rng.normal_vec(n * dim);
            let out = self.reverse_step(&list, i, &x, &output, &z);
            if record {
                steps.push(TrajectoryStep { t, x_t: self.shown(&x, n), x0: self.shown(&out.pred_original_sample, n) });
            }
            x = out.prev_sample;
        }
        Ok((x, steps))
    }

    /// The timesteps the configured sampler visits, noisiest first.
    pub(super) fn sampler_timesteps(&self) -> Vec<usize> {
        let settings = self.config.sampler;
        let train_steps = self.schedule.timesteps();
        let n_steps = if settings.kind == SamplerKind::Ddpm && settings.steps >= train_steps { train_steps } else { settings.steps };
        timesteps(train_steps, n_steps, settings.spacing, 0)
    }

    /// Step `i` of the configured sampler (DDPM or DDIM), from x at `list[i]` to the step after
    /// it, given the network's `output` at x and the noise `z` (used by DDPM and DDIM with η > 0).
    pub(super) fn reverse_step(&self, list: &[usize], i: usize, x: &[f32], output: &[f32], z: &[f32]) -> StepOutput {
        let settings = self.config.sampler;
        let t = list[i];
        let prev = previous_timestep(settings.kind, list, i, self.schedule.timesteps());
        let (clip, prediction) = (settings.clip_sample, self.config.prediction);
        match settings.kind {
            SamplerKind::Ddpm => ddpm_step(&self.schedule, prediction, t, prev, x, output, z, clip),
            SamplerKind::Ddim => ddim_step(&self.schedule, prediction, t, prev, x, output, settings.eta, z, clip, true),
        }
    }

    /// Values in the network's scale as a person sees them: images in [0, 1], or points.
    fn shown(&self, x: &[f32], n: usize) -> Samples {
        match self.config.arch {
            DenoiserArch::Mlp => Samples::Points(pairs(x)),
            DenoiserArch::Unet => Samples::Images(ImageBatch {
                n,
                width: self.config.width,
                height: self.config.height,
                pixels: from_process_scale(x, self.config.arch),
            }),
        }
    }
}

impl Family for DiffusionFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let conditional = if c.conditional { "class-conditional " } else { "" };
        let net = match c.arch {
            DenoiserArch::Mlp => format!("MLP denoiser {}×{}", c.layers, c.hidden),
            DenoiserArch::Unet => {
                format!("{conditional}UNet {}×{}, width {}-{}-{}", c.width, c.height, c.channels, 2 * c.channels, 4 * c.channels)
            }
        };
        let weighting = c.min_snr_gamma.map(|g| format!(", Min-SNR-{g} weighting")).unwrap_or_default();
        let ema = c.ema_decay.map(|d| format!(", samples from a weight average (decay {d})")).unwrap_or_default();
        format!("{net}, {} schedule, T = {}, predicts {}{weighting}{ema}", c.schedule.label(), c.timesteps, c.prediction.label())
    }

    fn num_params(&self) -> usize {
        self.net.num_params()
    }

    /// Algorithm 1 of Ho et al. 2020: t ~ U{0, …, T−1}, ε ~ N(0, I), a gradient step on
    /// ‖target − net(√ᾱ_t x₀ + √(1 − ᾱ_t) ε, t)‖², with the target ε, x₀ or v.
    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, dim) = (batch.n, self.config.data_dim);
        crate::models::check_example_size(batch.x, n, dim, self.config.arch == DenoiserArch::Mlp, "this model")?;
        let x0 = to_process_scale(batch.x, self.config.arch);
        let big_t = self.schedule.timesteps();
        let ts: Vec<usize> = (0..n).map(|_| self.noise.below(big_t)).collect();
        let alpha_bars: Vec<f32> = ts.iter().map(|&t| self.schedule.alpha_bar(t as i64)).collect();
        let eps = self.noise.normal_vec(n * dim);
        let x_t = add_noise(&x0, &eps, &alpha_bars, dim);
        let prediction = self.config.prediction;
        let target: Vec<f32> = (0..n * dim).map(|i| prediction.target(alpha_bars[i / dim], x0[i], eps[i])).collect();
        // Label dropout: the "no label" slot stands in for the label now and then, so the same
        // network also learns the unconditional model (Ho & Salimans 2022, Algorithm 1).
        let null = self.null_label();
        let labels: Vec<u8> =
            batch.labels.iter().map(|&l| if self.noise.uniform() < self.config.label_dropout { null } else { l }).collect();

        let device = self.device.clone();
        let s = self.config.sinusoid_dim();
        let t_in: Vec<f32> = ts.iter().map(|&t| t as f32).collect();
        let x_t = Tensor::<2>::from_data(TensorData::new(x_t, [n, dim]), &device);
        let sin = Tensor::<2>::from_data(TensorData::new(sinusoidal(&t_in, s), [n, s]), &device);
        let target = Tensor::<2>::from_data(TensorData::new(target, [n, dim]), &device);
        let y = self.labels(&labels, &device);
        let net = self.net.take()?;
        let per_example = (net.forward(x_t, sin, y) - target).square().mean_dim(1); // [B, 1]
        let loss = match self.config.min_snr_gamma {
            Some(gamma) => {
                let w: Vec<f32> = alpha_bars.iter().map(|&a| min_snr_weight(prediction, a, gamma)).collect();
                (per_example.clone() * Tensor::<2>::from_data(TensorData::new(w, [n, 1]), &device)).mean()
            }
            None => per_example.clone().mean(),
        };
        // The plain MSE per example is what is shown (and kept by t), whatever the weighting.
        let losses = read_back(per_example.without_autodiff());
        let mean = losses.as_ref().map_or(f64::NAN, |l| l.iter().map(|&v| v as f64).sum::<f64>() / n.max(1) as f64);
        // The network goes back before any error is passed on, so a failed read loses nothing.
        self.net.step(net, loss, mean.is_finite(), self.config.learning_rate);
        let losses = losses?;
        if mean.is_finite() {
            if let Some(max_decay) = self.config.ema_decay {
                let net = self.net.get()?;
                let ema = self.ema.take().unwrap_or_else(|| net.valid());
                self.ema = Some(super::ema::update(ema, net, super::ema::decay_at(max_decay, self.updates))?);
                self.updates += 1;
            }
            loss_by_t::record_timesteps(&mut self.buckets, self.schedule.timesteps(), &ts, &losses);
        }
        Ok(vec![("loss".into(), mean)])
    }

    fn sample(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Samples> {
        let (x, _) = self.run_sampler(n, seed, label, false)?;
        Ok(self.shown(&x, n))
    }

    fn knobs(&self) -> Vec<Knob> {
        let c = &self.config;
        let s = &c.sampler;
        let mut knobs = vec![Knob::real("learning_rate", "learning rate", "Adam's step size", c.learning_rate, (1e-5, 1e-2), true)];
        knobs.extend(sampler_knobs(s, c.timesteps, "denoising steps per sample: fewer is faster and coarser"));
        if c.conditional {
            knobs.push(Knob::real(
                "guidance",
                "guidance scale w",
                "classifier-free guidance: 0 ignores the label, 1 plain conditional, above 1 pushes harder towards the class",
                s.guidance,
                (0.0, 20.0),
                false,
            ));
        }
        knobs
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        if name == "guidance" && !self.config.conditional {
            return Err("classifier-free guidance needs a class-conditional model (train it with the label)".into());
        }
        let knobs = self.knobs();
        set_config_knob(&mut self.config, &knobs, name, value, "diffusion model", DiffusionConfig::validate, |next, name, value| {
            let s = &mut next.sampler;
            match (name, value) {
                ("learning_rate", KnobValue::Real(v)) => next.learning_rate = v,
                ("sampler", KnobValue::Choice(i)) => s.kind = SamplerKind::ALL[i],
                ("sample_steps", KnobValue::Whole(n)) => s.steps = n as usize,
                ("eta", KnobValue::Real(v)) => s.eta = v,
                ("spacing", KnobValue::Choice(i)) => s.spacing = Spacing::ALL[i],
                ("guidance", KnobValue::Real(v)) => s.guidance = v,
                _ => return false,
            }
            true
        })
    }

    fn save(&self, dir: &Path) -> FamilyResult<()> {
        save_weights(self.net.get()?.valid(), dir, WEIGHTS_FILE)?;
        if let Some(ema) = &self.ema {
            save_weights(ema.clone(), dir, EMA_FILE)?;
        }
        save_config(dir, FAMILY_NAME, &self.config)
    }

    fn remember_good(&mut self) {
        // In step with the network's copy: both are taken, or neither.
        let copy = self.net.get().ok().map(|_| (self.ema.clone(), self.updates));
        self.net.remember_good();
        self.good_ema.remember_copy(copy);
    }

    fn restore_good(&mut self) {
        self.net.restore_good();
        if let Some((ema, updates)) = self.good_ema.restore() {
            self.ema = ema;
            self.updates = updates;
        }
    }
}

impl crate::views::Model for DiffusionFamily {
    fn denoising(&mut self) -> Option<&mut dyn DenoisingView> {
        Some(self as &mut dyn DenoisingView)
    }

    fn inpainter(&mut self) -> Option<&mut dyn crate::views::Inpainter> {
        Some(self)
    }

    /// The variational bound of Ho et al. 2020 (`likelihood.rs`); 2-D models refuse there.
    fn likelihood(&mut self) -> Option<&mut dyn crate::views::LikelihoodModel> {
        Some(self)
    }
}

impl DenoisingView for DiffusionFamily {
    fn timesteps(&self) -> usize {
        self.schedule.timesteps()
    }

    fn trajectory(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Trajectory> {
        let (x, steps) = self.run_sampler(n, seed, label, true)?;
        Ok(Trajectory { steps, result: self.shown(&x, n) })
    }

    fn noise_field(&mut self, points: &[[f32; 2]], t: usize) -> FamilyResult<Vec<[f32; 2]>> {
        if self.config.arch != DenoiserArch::Mlp || self.config.data_dim != 2 {
            return Err("the noise field is drawn for 2-D models only".into());
        }
        let t = t.min(self.schedule.timesteps() - 1);
        let x: Vec<f32> = points.iter().flat_map(|p| *p).collect();
        let n = points.len();
        // The unconditional field: the "no label" slot for a conditional model.
        let labels = vec![self.null_label(); n];
        let output = self.predict(&self.sampling_net()?, &x, n, t, &labels)?;
        let eps = self.config.prediction.parts(self.schedule.alpha_bar(t as i64), &x, &output).eps;
        Ok(pairs(&eps))
    }

    fn loss_by_t(&self) -> Vec<LossBucket> {
        self.buckets.clone()
    }
}
