//! Flow matching as a trainable family: the conditional flow-matching step (a time per
//! example, a point on the straight line from noise to data, the network regressed onto the
//! line's velocity), sampling by solving dx/dt = v(x, t) from noise to data, the step-through
//! (the diffusion family's denoising view, read for an ODE), how straight the sampling paths
//! are, and reflow (training on the model's own (noise, sample) pairs, `reflow.rs`).

use std::path::Path;

use burn::prelude::*;

use crate::models::diffusion::DenoiserArch;
use crate::models::diffusion::loss_by_t::{self, LOSS_BUCKETS, empty_buckets};
use crate::models::diffusion::process::{from_process_scale, to_process_scale};
use crate::models::one_network::{load_one_network, one_network_methods};
use crate::models::points::pairs;
use crate::models::weights::{AdamNet, learning_rate_knob, read_back, set_config_knob};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, Knob, KnobValue, LossTerms, Samples};
use crate::views::straightness::{PathTally, Straightness};
use crate::views::{DenoisingView, LossBucket, Trajectory, TrajectoryStep};

use super::config::{FlowMatchingConfig, MAX_SAMPLE_STEPS};
use super::ode::{self, Solver};
use super::path::{interpolate, predicted_data, predicted_noise, target_velocity};
use super::reflow::{COUPLING, Coupling, DEFAULT_REFLOW_PAIRS, REFLOW_PAIRS, ReflowPairs, checked_pair_count};
use super::velocity::{self, VelocityNet, velocity_net};

pub const FAMILY_NAME: &str = "flow-matching";
const WEIGHTS_FILE: &str = "velocity.bpk";
/// The denoising view counts time in whole steps out of T: here t ∈ [0, 1] in thousandths
/// (t = 0.25 is 250 of 1000), counting up from noise, where diffusion's t counts down to data.
pub const VIEW_TIME_STEPS: usize = 1000;

/// The most solver steps a step-through keeps (evenly spaced when there are more).
pub const MAX_RECORDED: usize = 200;

/// Rows solved at once when drawing reflow pairs.
const SOLVE_ROWS: usize = 4096;

pub struct FlowMatchingFamily {
    config: FlowMatchingConfig,
    model: AdamNet<VelocityNet>,
    /// The training device (autodiff on).
    device: Device,
    /// Draws the noise x₀ and the times t of training.
    noise: Rng,
    buckets: Vec<LossBucket>,
    /// Reflow's fixed (noise, sample) pairs while training on them; `None`: independent pairs.
    /// Not saved with a checkpoint: a loaded model trains on independent pairs.
    pairs: Option<ReflowPairs>,
}

/// A time in [0, 1] as the view's whole number of thousandths.
pub fn view_time(t: f32) -> usize {
    (t.clamp(0.0, 1.0) * VIEW_TIME_STEPS as f32).round() as usize
}

impl FlowMatchingFamily {
    pub fn new(config: FlowMatchingConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        let net = velocity_net(&config, &device);
        Ok(Self {
            model: AdamNet::new(net, "the velocity network"),
            noise: Rng::new(seed ^ 0xF10A),
            buckets: empty_buckets(VIEW_TIME_STEPS),
            pairs: None,
            config,
            device,
        })
    }

    /// Loads a checkpoint directory written by `save`: the configuration is validated (the
    /// message names `config.json`) before the network is built, and the weight file is
    /// checked against the network before it is applied.
    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        load_one_network(dir, "flow-matching", FlowMatchingConfig::validate, |c| Self::new(c, device, 0), |f| &mut f.model, WEIGHTS_FILE)
    }

    pub fn config(&self) -> &FlowMatchingConfig {
        &self.config
    }

    /// The learned velocity v(x, t) at the rows of `x` (the path's scale: images in [−1, 1]),
    /// all at time `t` ∈ [0, 1].
    pub fn velocity_field(&self, x: &[f32], t: f32) -> FamilyResult<Vec<f32>> {
        let dim = self.config.data_dim;
        crate::models::check_example_size(x, x.len() / dim, dim, !self.config.is_image(), "this model")?;
        self.velocity(&self.model.get()?.valid(), x, t)
    }

    /// v(x, t) from the inference copy `net` (made once per sampling run), all rows at `t`.
    fn velocity(&self, net: &VelocityNet, x: &[f32], t: f32) -> FamilyResult<Vec<f32>> {
        let dim = self.config.data_dim;
        let rows = x.len() / dim;
        if rows == 0 {
            return Ok(Vec::new());
        }
        let device = self.device.clone().without_autodiff();
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [rows, dim]), &device);
        read_back(velocity::forward(net, x, &vec![t; rows], self.config.sinusoid_dim(), &device))
    }

    /// Solves the ODE from `x0` at t = 0 to t = 1 with the configured solver; `visit(t, x, v)`
    /// sees each step's start (`ode::integrate`). Returns x at t = 1, in the network's scale.
    fn solve_from(&self, x0: Vec<f32>, visit: impl FnMut(f32, &[f32], &[f32])) -> FamilyResult<Vec<f32>> {
        let net = self.model.get()?.valid();
        ode::integrate(self.config.solver, self.config.sample_steps, x0, |x, t| self.velocity(&net, x, t), visit)
    }

    /// Solves the ODE from seeded noise at t = 0 to t = 1 with the configured solver; keeps
    /// every step when `record` is set (x_t and the x̂₁ it heads for, shown scale). Returns the
    /// samples in the network's scale and the steps.
    fn run_solver(&self, n: usize, seed: u64, record: bool) -> FamilyResult<(Vec<f32>, Vec<TrajectoryStep>)> {
        let x0 = Rng::new(seed).normal_vec(n * self.config.data_dim); // x₀ ~ N(0, I)
        let mut steps = Vec::new();
        // A step-through keeps at most `MAX_RECORDED` evenly spaced steps: at 10,000 solver
        // steps, every one of them would hold about a gigabyte of images.
        let stride = self.config.sample_steps.div_ceil(MAX_RECORDED).max(1);
        let mut visited = 0usize;
        let x1 = self.solve_from(x0, |t, x, v| {
            let keep = record && visited % stride == 0;
            visited += 1;
            if keep {
                steps.push(TrajectoryStep { t: view_time(t), x_t: self.shown(x, n), x0: self.shown(&predicted_data(x, v, t), n) });
            }
        })?;
        Ok((x1, steps))
    }

    /// x₁ = ODE(z) for each row of noise `z` (the network's scale), with the configured solver:
    /// the sample `sample` makes from the same noise. Solved `SOLVE_ROWS` rows at a time.
    pub fn solve(&self, z: &[f32]) -> FamilyResult<Vec<f32>> {
        let dim = self.config.data_dim;
        crate::models::check_example_size(z, z.len() / dim, dim, !self.config.is_image(), "this model")?;
        let mut x1 = Vec::with_capacity(z.len());
        for chunk in z.chunks(SOLVE_ROWS * dim) {
            x1.extend(self.solve_from(chunk.to_vec(), |_, _, _| {})?);
        }
        Ok(x1)
    }

    /// How straight this model's sampling paths are (Liu et al. 2023; `views::straightness`):
    /// S and the length over the chord of the ODE runs `sample(n, seed)` makes, every solver
    /// state at its own time k/steps, in the network's scale (images in [−1, 1]). 0 and 1 for
    /// straight paths.
    pub fn straightness(&self, n: usize, seed: u64) -> FamilyResult<Straightness> {
        let dim = self.config.data_dim;
        // The noise, both ends of each path and the solver's velocities, in f32.
        crate::limits::check_alloc(&format!("measuring {n} paths"), n as u128 * dim as u128, 16)?;
        let mut tally = PathTally::new(n, dim)?;
        let steps = self.config.sample_steps.max(1);
        let (mut k, mut failed): (usize, Option<String>) = (0, None);
        let x1 = self.solve_from(Rng::new(seed).normal_vec(n * dim), |_, x, _| {
            // k/steps afresh, as the solver times its own steps.
            if let Err(e) = tally.visit(k as f64 / steps as f64, x) {
                failed = failed.take().or(Some(e));
            }
            k += 1;
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        tally.visit(1.0, &x1)?;
        tally.finish()
    }

    /// Reflow (Liu et al. 2023, §2.2; `reflow.rs`): pairs `count` seeded noise points z (the
    /// noise `sample(count, seed)` starts from) with this model's ODE samples ODE(z), then
    /// trains on those fixed pairs from the next step, from the current weights. Refused, and
    /// nothing changed, for an image model or a count outside [1, `MAX_REFLOW_PAIRS`].
    pub fn reflow(&mut self, count: usize, seed: u64) -> FamilyResult<()> {
        let count = checked_pair_count(i64::try_from(count).unwrap_or(i64::MAX), self.config.is_image())?;
        let dim = self.config.data_dim;
        let x0 = Rng::new(seed).normal_vec(count * dim); // z ~ N(0, I)
        let x1 = self.solve(&x0)?;
        if x1.iter().any(|v| !v.is_finite()) {
            return Err("this model's samples are not all finite numbers: train it further before reflowing".into());
        }
        self.pairs = Some(ReflowPairs { x0, x1, dim });
        Ok(())
    }

    /// The pairs training draws from after `reflow`; `None` on independent pairs.
    pub fn reflow_pairs(&self) -> Option<&ReflowPairs> {
        self.pairs.as_ref()
    }

    pub fn coupling(&self) -> Coupling {
        if self.pairs.is_some() { Coupling::Reflow } else { Coupling::Independent }
    }

    /// Back to noise and data drawn apart; the reflow pairs are dropped.
    pub fn independent_pairs(&mut self) {
        self.pairs = None;
    }

    /// The `COUPLING` setting: independent pairs, or reflow pairs (`DEFAULT_REFLOW_PAIRS` of
    /// them drawn now, unless the model already trains on some).
    fn set_coupling(&mut self, option: usize) -> FamilyResult<()> {
        match Coupling::ALL.get(option) {
            Some(Coupling::Independent) => {
                self.independent_pairs();
                Ok(())
            }
            Some(Coupling::Reflow) if self.pairs.is_some() => Ok(()),
            Some(Coupling::Reflow) => {
                let seed = self.noise.next_u64();
                self.reflow(DEFAULT_REFLOW_PAIRS, seed)
            }
            None => {
                let (a, b) = (Coupling::Independent.label(), Coupling::Reflow.label());
                Err(format!("the training pairs are {a} (option 0) or {b} (option 1), not option {option}"))
            }
        }
    }

    /// Values in the network's scale as a person sees them: images in [0, 1], or points.
    fn shown(&self, x: &[f32], n: usize) -> Samples {
        let c = &self.config;
        if c.is_image() {
            Samples::Images(ImageBatch { n, width: c.width, height: c.height, pixels: from_process_scale(x, DenoiserArch::Unet) })
        } else {
            Samples::Points(pairs(x))
        }
    }

    fn record_buckets(&mut self, ts: &[f32], losses: &[f32]) {
        loss_by_t::record(&mut self.buckets, ts.iter().zip(losses).map(|(&t, &l)| ((t * LOSS_BUCKETS as f32) as usize, l)));
    }
}

impl Family for FlowMatchingFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let net = if c.is_image() {
            format!("UNet {}×{}, width {}-{}-{}", c.width, c.height, c.channels, 2 * c.channels, 4 * c.channels)
        } else {
            format!("MLP {}×{}", c.layers, c.hidden)
        };
        let sampler = format!("{} sampler with {} steps", c.solver.label(), c.sample_steps);
        format!("flow matching on straight paths (rectified flow), {net} velocity network, {sampler}")
    }

    /// Lipman et al. 2023, eq. 23 (eq. 9 on the path of `path.rs`): t ~ U[0, 1), x₀ ~ N(0, I), a
    /// gradient step on ‖v(x_t, t) − (x₁ − x₀)‖² at x_t = (1 − t) x₀ + t x₁. The squared error
    /// is averaged over coordinates (PyTorch's `mse_loss`), so points and 784-pixel images give
    /// losses of one scale. After `reflow`, x₀ and x₁ come from the model's own fixed pairs
    /// instead (Liu et al. 2023, §2.2).
    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, dim, images) = (batch.n, self.config.data_dim, self.config.is_image());
        crate::models::check_example_size(batch.x, n, dim, !images, "this model")?;
        let (x0, x1) = match &self.pairs {
            // Reflow: the model's own fixed pairs (z, ODE(z)); the batch's data goes unused.
            Some(pairs) => pairs.draw(n, &mut self.noise)?,
            // Images live in [0, 1]; the path runs in [−1, 1], the scale of the unit noise it
            // starts from, as diffusion's process does (Ho et al. 2020, §3.3).
            None => {
                let x0 = self.noise.normal_vec(n * dim); // noise, at t = 0
                (x0, to_process_scale(batch.x, self.config.arch)) // data, at t = 1
            }
        };
        let ts: Vec<f32> = (0..n).map(|_| self.noise.uniform() as f32).collect();
        let x_t = interpolate(&x0, &x1, &ts, dim);
        let u = target_velocity(&x0, &x1);

        let device = self.device.clone();
        let x_t = Tensor::<2>::from_data(TensorData::new(x_t, [n, dim]), &device);
        let u = Tensor::<2>::from_data(TensorData::new(u, [n, dim]), &device);
        let net = self.model.take()?;
        let v = velocity::forward(&net, x_t, &ts, self.config.sinusoid_dim(), &device); // [B, D]
        let per_example = (v - u).square().mean_dim(1); // [B, 1]
        let loss = per_example.clone().mean();
        let losses = read_back(per_example.without_autodiff());
        let mean = losses.as_ref().map_or(f64::NAN, |l| l.iter().map(|&v| v as f64).sum::<f64>() / n.max(1) as f64);
        // The network goes back before any error is passed on, so a failed read loses nothing.
        self.model.step(net, loss, mean.is_finite(), self.config.learning_rate);
        let losses = losses?;
        if mean.is_finite() {
            self.record_buckets(&ts, &losses);
        }
        Ok(vec![("loss".into(), mean)])
    }

    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        let (x, _) = self.run_solver(n, seed, false)?;
        Ok(self.shown(&x, n))
    }

    fn knobs(&self) -> Vec<Knob> {
        let c = &self.config;
        vec![
            learning_rate_knob(c.learning_rate),
            Knob::choice_among(
                "solver",
                "ODE solver",
                "following dx/dt = v(x, t) from noise to data: Euler, one network call a step; Heun, two, far more accurate per step",
                &Solver::ALL,
                c.solver,
                Solver::label,
            ),
            Knob::whole(
                "sample_steps",
                "sampling steps",
                "equal solver steps from noise (t = 0) to data (t = 1): fewer is faster and coarser",
                c.sample_steps as i64,
                (1, MAX_SAMPLE_STEPS as i64),
                true,
            ),
        ]
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        // Reflow's two settings are not listed among the knobs: the tab draws its own buttons
        // for them (`reflow.rs` says why they come this way).
        match (name, value) {
            (REFLOW_PAIRS, KnobValue::Whole(m)) => {
                let count = checked_pair_count(m, self.config.is_image())?;
                let seed = self.noise.next_u64();
                return self.reflow(count, seed);
            }
            (COUPLING, KnobValue::Choice(option)) => return self.set_coupling(option),
            (REFLOW_PAIRS, other) => return Err(format!("reflow takes a whole number of pairs, not {other:?}")),
            (COUPLING, other) => return Err(format!("the training pairs are a choice between two options, not {other:?}")),
            _ => {}
        }
        let knobs = self.knobs();
        set_config_knob(&mut self.config, &knobs, name, value, "flow-matching model", FlowMatchingConfig::validate, |next, name, value| {
            match (name, value) {
                ("learning_rate", KnobValue::Real(v)) => next.learning_rate = v,
                ("solver", KnobValue::Choice(i)) => next.solver = Solver::ALL[i],
                ("sample_steps", KnobValue::Whole(n)) => next.sample_steps = n as usize,
                _ => return false,
            }
            true
        })
    }

    one_network_methods!(model, config, WEIGHTS_FILE);
}

impl crate::views::Model for FlowMatchingFamily {
    /// The ODE's steps through the diffusion family's view: each step's t (thousandths, from
    /// noise up), x_t, and in the place of x̂₀ the data point x̂₁ = x_t + (1 − t) v it heads for.
    fn denoising(&mut self) -> Option<&mut dyn DenoisingView> {
        Some(self as &mut dyn DenoisingView)
    }
}

impl DenoisingView for FlowMatchingFamily {
    fn timesteps(&self) -> usize {
        VIEW_TIME_STEPS
    }

    fn trajectory(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Trajectory> {
        let (x, steps) = self.run_solver(n, seed, true)?;
        Ok(Trajectory { steps, result: self.shown(&x, n) })
    }

    /// The noise each point is predicted to have left at time t (thousandths):
    /// x̂₀ = x − t v(x, t), the ε of x_t = t x₁ + (1 − t) ε. At t = 0 that is the point itself.
    fn noise_field(&mut self, points: &[[f32; 2]], t: usize) -> FamilyResult<Vec<[f32; 2]>> {
        if self.config.is_image() || self.config.data_dim != 2 {
            return Err("the noise field is drawn for 2-D models only".into());
        }
        let t = t.min(VIEW_TIME_STEPS) as f32 / VIEW_TIME_STEPS as f32;
        let x: Vec<f32> = points.iter().flatten().copied().collect();
        let v = self.velocity(&self.model.get()?.valid(), &x, t)?;
        Ok(pairs(&predicted_noise(&x, &v, t)))
    }

    fn loss_by_t(&self) -> Vec<LossBucket> {
        self.buckets.clone()
    }
}
