//! Noise schedules: β_t for t = 0 … T−1 and ᾱ_t = ∏_{s≤t} (1 − β_s), built the way diffusers'
//! `DDPMScheduler` builds them (in float32, index t = 0 is the first noising step), so a model
//! trained here and one trained there see the same noise levels.

use serde::{Deserialize, Serialize};

/// How β grows with t.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    /// β linear from β_start to β_end (Ho et al. 2020, §4: 1e-4 to 0.02 over T = 1000).
    Linear,
    /// ᾱ_t follows cos² (Nichol & Dhariwal 2021, eq. 17), β capped at 0.999; diffusers'
    /// "squaredcos_cap_v2".
    Cosine,
}

impl ScheduleKind {
    pub const ALL: [ScheduleKind; 2] = [ScheduleKind::Linear, ScheduleKind::Cosine];

    pub fn label(self) -> &'static str {
        match self {
            ScheduleKind::Linear => "linear",
            ScheduleKind::Cosine => "cosine",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub kind: ScheduleKind,
    pub betas: Vec<f32>,
    /// ᾱ_t, the fraction of the signal's variance left at step t.
    pub alphas_cumprod: Vec<f32>,
}

/// Nichol & Dhariwal 2021, eq. 17: f(u) = cos²((u + s)/(1 + s) · π/2) with s = 0.008.
fn cosine_f(u: f64) -> f64 {
    ((u + 0.008) / 1.008 * std::f64::consts::FRAC_PI_2).cos().powi(2)
}

/// torch.linspace in float32 as its CPU kernel computes it: a float32 step, then start + i·step
/// for the first half and end − (n−1−i)·step for the rest, each a fused multiply-add rounded
/// once (bit-identical to diffusers' linear betas).
fn linspace_f32(start: f32, end: f32, n: usize) -> Vec<f32> {
    let step = (end - start) / (n - 1) as f32;
    (0..n)
        .map(|i| {
            if i < n / 2 { (start as f64 + step as f64 * i as f64) as f32 } else { (end as f64 - step as f64 * (n - 1 - i) as f64) as f32 }
        })
        .collect()
}

/// The largest β the cosine schedule allows (eq. 17's clipping, "to prevent singularities
/// at the end of the diffusion process near t = T").
const MAX_BETA: f64 = 0.999;

impl Schedule {
    /// `beta_start` and `beta_end` are used by the linear schedule only.
    pub fn new(kind: ScheduleKind, timesteps: usize, beta_start: f64, beta_end: f64) -> Result<Self, String> {
        if timesteps < 2 {
            return Err(format!("a schedule needs at least 2 timesteps, not {timesteps}"));
        }
        if kind == ScheduleKind::Linear && !(0.0 < beta_start && beta_start <= beta_end && beta_end < 1.0) {
            return Err(format!("β must satisfy 0 < β_start ≤ β_end < 1 (got {beta_start} and {beta_end})"));
        }
        let t = timesteps as f64;
        let betas: Vec<f32> = match kind {
            ScheduleKind::Linear => linspace_f32(beta_start as f32, beta_end as f32, timesteps),
            ScheduleKind::Cosine => {
                (0..timesteps).map(|i| (1.0 - cosine_f((i as f64 + 1.0) / t) / cosine_f(i as f64 / t)).min(MAX_BETA) as f32).collect()
            }
        };
        // torch.cumprod on the CPU: float32 factors 1 − β, multiplied in a float64 accumulator
        // and stored as float32 (bit-identical to diffusers' alphas_cumprod).
        let mut alphas_cumprod = Vec::with_capacity(timesteps);
        let mut acc = 1.0f64;
        for &b in &betas {
            acc *= (1.0f32 - b) as f64;
            alphas_cumprod.push(acc as f32);
        }
        Ok(Self { kind, betas, alphas_cumprod })
    }

    pub fn timesteps(&self) -> usize {
        self.betas.len()
    }

    /// ᾱ at step t, and 1 for t < 0 (before any noise: diffusers' `set_alpha_to_one`).
    pub fn alpha_bar(&self, t: i64) -> f32 {
        if t < 0 { 1.0 } else { self.alphas_cumprod[(t as usize).min(self.timesteps() - 1)] }
    }

    /// Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t) (Kingma et al. 2021, eq. 2).
    pub fn snr(&self, t: usize) -> f64 {
        let a = self.alphas_cumprod[t] as f64;
        a / (1.0 - a)
    }

    /// `t, beta, alpha_bar, snr` lines with a header: what `genlab schedule --csv` prints.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("t,beta,alpha_bar,snr\n");
        for t in 0..self.timesteps() {
            out.push_str(&format!("{t},{},{},{}\n", self.betas[t], self.alphas_cumprod[t], self.snr(t)));
        }
        out
    }
}
