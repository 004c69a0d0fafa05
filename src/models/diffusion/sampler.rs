//! The reverse process: which timesteps a sampler visits, and one DDPM or DDIM step from x_t
//! to x_prev given the network's prediction. Plain functions on slices, equal to diffusers'
//! `DDPMScheduler.step` and `DDIMScheduler.step` (ε-prediction; x₀ and v are converted to ε
//! and x̂₀ first, as diffusers does).

use serde::{Deserialize, Serialize};

use super::process::{Prediction, PredictionParts};
use super::schedule::Schedule;
use crate::train::Knob;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SamplerKind {
    /// Ancestral sampling, Algorithm 2 of Ho et al. 2020 (noise added at every step).
    Ddpm,
    /// Song et al. 2021, eq. 12: deterministic at η = 0, DDPM-like at η = 1.
    Ddim,
}

impl SamplerKind {
    pub const ALL: [SamplerKind; 2] = [SamplerKind::Ddpm, SamplerKind::Ddim];

    pub fn label(self) -> &'static str {
        match self {
            SamplerKind::Ddpm => "DDPM",
            SamplerKind::Ddim => "DDIM",
        }
    }
}

/// How `N` sampling steps are spread over the T training steps (diffusers' `timestep_spacing`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Spacing {
    /// (N−1)·r, …, r, 0 with r = T // N (diffusers' default: for T = 1000, N = 50 it starts
    /// at 980, not 999).
    Leading,
    /// T−1, T−1−T/N, …: starts at the noisiest step (Lin et al. 2024, Table 2).
    Trailing,
    /// round(linspace(0, T−1, N)), reversed.
    Linspace,
}

impl Spacing {
    pub const ALL: [Spacing; 3] = [Spacing::Leading, Spacing::Trailing, Spacing::Linspace];

    pub fn label(self) -> &'static str {
        match self {
            Spacing::Leading => "leading",
            Spacing::Trailing => "trailing",
            Spacing::Linspace => "linspace",
        }
    }
}

/// The sampler's settings, adjustable while training (they only change how samples are drawn).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamplerSettings {
    pub kind: SamplerKind,
    /// Number of denoising steps N (DDPM with N < T skips between listed steps too).
    pub steps: usize,
    /// DDIM's η: 0 deterministic, 1 the DDPM posterior's variance.
    pub eta: f64,
    pub spacing: Spacing,
    /// Classifier-free guidance scale w (1 = plain conditional; conditional models only).
    pub guidance: f64,
    /// Clamp x̂₀ to [−1, 1] before it is used (diffusers' `clip_sample`, on for images).
    pub clip_sample: bool,
}

impl Default for SamplerSettings {
    fn default() -> Self {
        Self { kind: SamplerKind::Ddim, steps: 50, eta: 0.0, spacing: Spacing::Leading, guidance: 1.0, clip_sample: true }
    }
}

/// The sampler's live knobs (method, steps up to `timesteps`, DDIM's η, spacing), as the
/// diffusion family and latent diffusion show them; `steps_help` says what one step is.
pub fn sampler_knobs(s: &SamplerSettings, timesteps: usize, steps_help: &'static str) -> Vec<Knob> {
    vec![
        Knob::choice_among(
            "sampler",
            "sampling method",
            "DDPM: ancestral, fresh noise at every step (Ho et al. 2020); DDIM: deterministic at η = 0, so few steps suffice (Song et al. 2021)",
            &SamplerKind::ALL,
            s.kind,
            SamplerKind::label,
        ),
        Knob::whole("sample_steps", "sampling steps", steps_help, s.steps as i64, (1, timesteps as i64), true),
        Knob::real("eta", "DDIM η (noise)", "DDIM only: 0 deterministic, 1 as much fresh noise as DDPM", s.eta, (0.0, 1.0), false),
        Knob::choice_among(
            "spacing",
            "timestep spacing",
            "which timesteps the sampler visits: leading (diffusers' default), trailing (starts at T−1), linspace",
            &Spacing::ALL,
            s.spacing,
            Spacing::label,
        ),
    ]
}

/// The timesteps visited, noisiest first (diffusers' `set_timesteps`; `offset` is its
/// `steps_offset`, added to "leading" only).
pub fn timesteps(train_steps: usize, n: usize, spacing: Spacing, offset: usize) -> Vec<usize> {
    let (t, n) = (train_steps, n.clamp(1, train_steps));
    let mut out: Vec<usize> = match spacing {
        Spacing::Leading => (0..n).map(|i| i * (t / n) + offset).collect(),
        Spacing::Trailing => {
            let step = t as f64 / n as f64;
            (1..=n).map(|i| (i as f64 * step).round_ties_even() as usize - 1).collect()
        }
        Spacing::Linspace => {
            (0..n).map(|i| if n == 1 { 0 } else { (i as f64 * (t - 1) as f64 / (n - 1) as f64).round_ties_even() as usize }).collect()
        }
    };
    out.reverse();
    out.into_iter().map(|s| s.min(t - 1)).collect()
}

/// The step after `t` for each sampler: DDIM always goes to t − T//N (diffusers, whatever the
/// spacing); DDPM goes to the next listed timestep (t − 1 when every step is listed).
pub fn previous_timestep(kind: SamplerKind, list: &[usize], index: usize, train_steps: usize) -> i64 {
    let t = list[index] as i64;
    match kind {
        SamplerKind::Ddim => t - (train_steps / list.len().max(1)) as i64,
        SamplerKind::Ddpm => list.get(index + 1).map_or(-1, |&p| p as i64),
    }
}

/// What one step produced: the next sample and the x̂₀ it aimed at.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutput {
    pub prev_sample: Vec<f32>,
    pub pred_original_sample: Vec<f32>,
}

/// Clamps x̂₀ when asked; returns (x̂₀ used, ε used). DDIM keeps the unclipped ε (diffusers'
/// `use_clipped_model_output=False`).
pub(super) fn parts(schedule: &Schedule, prediction: Prediction, t: usize, x_t: &[f32], output: &[f32], clip: bool) -> PredictionParts {
    let mut p = prediction.parts(schedule.alpha_bar(t as i64), x_t, output);
    if clip {
        for v in &mut p.x0 {
            *v = v.clamp(-1.0, 1.0);
        }
    }
    p
}

/// One DDPM step (Ho et al. 2020, eq. 6–7: the posterior q(x_{t−1} | x_t, x̂₀) with the
/// "fixed small" variance β̃_t), from t to `prev` (−1 at the end). `noise` is z ~ N(0, I);
/// no noise is added at t = 0.
pub fn ddpm_step(
    schedule: &Schedule,
    prediction: Prediction,
    t: usize,
    prev: i64,
    x_t: &[f32],
    output: &[f32],
    noise: &[f32],
    clip: bool,
) -> StepOutput {
    let a_t = schedule.alpha_bar(t as i64);
    let a_prev = schedule.alpha_bar(prev);
    // β_t recomputed from ᾱ in float32, as diffusers does (so N < T steps work too).
    let alpha_t = a_t / a_prev;
    let beta_t = 1.0 - alpha_t;
    let x0 = parts(schedule, prediction, t, x_t, output, clip).x0;
    // eq. 7: μ̃ = √ᾱ_{t−1} β_t / (1 − ᾱ_t) · x₀ + √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · x_t
    let c0 = a_prev.sqrt() * beta_t / (1.0 - a_t);
    let ct = alpha_t.sqrt() * (1.0 - a_prev) / (1.0 - a_t);
    let variance = ((1.0 - a_prev) / (1.0 - a_t) * beta_t).max(1e-20);
    let std = if t > 0 { variance.sqrt() } else { 0.0 };
    let prev_sample = x0.iter().zip(x_t).zip(noise).map(|((&x0, &xt), &z)| c0 * x0 + ct * xt + std * z).collect();
    StepOutput { prev_sample, pred_original_sample: x0 }
}

/// One DDIM step (Song et al. 2021, eq. 12) from t to `prev`:
/// x_prev = √ᾱ_prev x̂₀ + √(1 − ᾱ_prev − σ²) ε̂ + σ z, with σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev)
/// (eq. 16). ᾱ_prev = 1 past the end (`set_alpha_to_one`, diffusers' default) unless
/// `alpha_to_one` is false, when it is ᾱ_0.
#[allow(clippy::too_many_arguments)]
pub fn ddim_step(
    schedule: &Schedule,
    prediction: Prediction,
    t: usize,
    prev: i64,
    x_t: &[f32],
    output: &[f32],
    eta: f64,
    noise: &[f32],
    clip: bool,
    alpha_to_one: bool,
) -> StepOutput {
    let a_t = schedule.alpha_bar(t as i64);
    let a_prev = if prev >= 0 {
        schedule.alpha_bar(prev)
    } else if alpha_to_one {
        1.0
    } else {
        schedule.alpha_bar(0)
    };
    let PredictionParts { x0, eps } = parts(schedule, prediction, t, x_t, output, clip);
    let variance = (1.0 - a_prev) / (1.0 - a_t) * (1.0 - a_t / a_prev);
    let std = eta as f32 * variance.sqrt();
    let direction = (1.0 - a_prev - std * std).max(0.0).sqrt();
    let with_noise = std > 0.0;
    let prev_sample = x0
        .iter()
        .zip(&eps)
        .enumerate()
        .map(|(i, (&x0, &e))| {
            let z = if with_noise { std * noise[i] } else { 0.0 };
            a_prev.sqrt() * x0 + direction * e + z
        })
        .collect();
    StepOutput { prev_sample, pred_original_sample: x0 }
}
