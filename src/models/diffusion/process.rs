//! The forward process q(x_t | x₀) and what the network is trained to predict.

use serde::{Deserialize, Serialize};

/// What the denoiser outputs. All three carry the same information given x_t and t; they
/// weigh the noise levels differently in the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Prediction {
    /// The noise ε that was added (Ho et al. 2020, eq. 14: the "simple" loss).
    Epsilon,
    /// The clean sample x₀ directly.
    Sample,
    /// v = √ᾱ ε − √(1 − ᾱ) x₀ (Salimans & Ho 2022, §4).
    V,
}

impl Prediction {
    pub const ALL: [Prediction; 3] = [Prediction::Epsilon, Prediction::Sample, Prediction::V];

    pub fn label(self) -> &'static str {
        match self {
            Prediction::Epsilon => "ε (noise)",
            Prediction::Sample => "x₀ (clean image)",
            Prediction::V => "v (velocity)",
        }
    }

    /// The training target for one value, given the clean value, the noise and ᾱ_t.
    pub fn target(self, alpha_bar: f32, x0: f32, eps: f32) -> f32 {
        match self {
            Prediction::Epsilon => eps,
            Prediction::Sample => x0,
            Prediction::V => alpha_bar.sqrt() * eps - (1.0 - alpha_bar).sqrt() * x0,
        }
    }

    /// x̂₀ and ε̂ from the network's output at x_t (diffusers' conversions, e.g.
    /// `DDIMScheduler.step`'s three `prediction_type` branches).
    pub fn parts(self, alpha_bar: f32, x_t: &[f32], output: &[f32]) -> PredictionParts {
        let (sa, sb) = (alpha_bar.sqrt(), (1.0 - alpha_bar).sqrt());
        let (x0, eps) = match self {
            Prediction::Epsilon => (x_t.iter().zip(output).map(|(&x, &e)| (x - sb * e) / sa).collect(), output.to_vec()),
            Prediction::Sample => (output.to_vec(), x_t.iter().zip(output).map(|(&x, &x0)| (x - sa * x0) / sb).collect()),
            Prediction::V => (
                x_t.iter().zip(output).map(|(&x, &v)| sa * x - sb * v).collect(),
                x_t.iter().zip(output).map(|(&x, &v)| sb * x + sa * v).collect(),
            ),
        };
        PredictionParts { x0, eps }
    }
}

/// Min-SNR-γ weight of one example's loss (Hang et al. 2023, eq. 8 and §3.4): the loss on x₀
/// weighted by min(SNR, γ), written for each prediction's own loss scale — ε: min(SNR, γ)/SNR,
/// x₀: min(SNR, γ), v: min(SNR, γ)/(SNR + 1).
pub fn min_snr_weight(prediction: Prediction, alpha_bar: f32, gamma: f64) -> f32 {
    let a = alpha_bar as f64;
    let snr = a / (1.0 - a).max(1e-12);
    let clipped = snr.min(gamma);
    (match prediction {
        Prediction::Epsilon => clipped / snr,
        Prediction::Sample => clipped,
        Prediction::V => clipped / (snr + 1.0),
    }) as f32
}

/// The clean sample and the noise a prediction implies.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictionParts {
    pub x0: Vec<f32>,
    pub eps: Vec<f32>,
}

/// q(x_t | x₀) = N(√ᾱ_t x₀, (1 − ᾱ_t) I) drawn with the given noise (Ho et al. 2020, eq. 4):
/// x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε. `alpha_bars` holds one ᾱ per example of `dim` values.
pub fn add_noise(x0: &[f32], noise: &[f32], alpha_bars: &[f32], dim: usize) -> Vec<f32> {
    x0.chunks(dim)
        .zip(noise.chunks(dim))
        .zip(alpha_bars)
        .flat_map(|((x, e), &a)| {
            let (sa, sb) = (a.sqrt(), (1.0 - a).sqrt());
            x.iter().zip(e).map(move |(&x, &e)| sa * x + sb * e)
        })
        .collect()
}
