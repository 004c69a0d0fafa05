//! The forward process q(x_t | x₀) and what the network is trained to predict.

use serde::{Deserialize, Serialize};

use super::config::DenoiserArch;
use super::schedule::Schedule;

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

/// Data as the process sees it: images in [0, 1] are mapped to [−1, 1] (Ho et al. 2020, §3.3),
/// where unit noise drowns the signal by t = T; 2-D points are used as they are.
pub fn to_process_scale(x: &[f32], arch: DenoiserArch) -> Vec<f32> {
    match arch {
        DenoiserArch::Mlp => x.to_vec(),
        DenoiserArch::Unet => x.iter().map(|v| v * 2.0 - 1.0).collect(),
    }
}

/// Values in the process's scale as a person sees them: images back in [0, 1] (clamped, as
/// noisy values leave the range), points as they are.
pub fn from_process_scale(x: &[f32], arch: DenoiserArch) -> Vec<f32> {
    match arch {
        DenoiserArch::Mlp => x.to_vec(),
        DenoiserArch::Unet => x.iter().map(|v| ((v + 1.0) * 0.5).clamp(0.0, 1.0)).collect(),
    }
}

/// x_t ~ q(x_t | x₀) for every example at the same step `t`, drawn with the given noise, for
/// data in its own scale and shown in it: what training feeds the network at t (eq. 4 of Ho et
/// al. 2020, in the process's scale). `dim` values make one example.
pub fn forward_sample(schedule: &Schedule, arch: DenoiserArch, t: usize, x0: &[f32], noise: &[f32], dim: usize) -> Vec<f32> {
    let examples = x0.len() / dim.max(1);
    let alpha_bars = vec![schedule.alpha_bar(t as i64); examples];
    from_process_scale(&add_noise(&to_process_scale(x0, arch), noise, &alpha_bars, dim), arch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::diffusion::ScheduleKind;

    #[test]
    fn forward_sample_noises_in_the_process_scale_and_shows_in_the_data_scale() {
        // Ho et al. 2020's schedule: β from 1e-4 to 0.02 over T = 1000.
        let schedule = Schedule::new(ScheduleKind::Linear, 1000, 1e-4, 0.02).unwrap();
        let t = 300;
        let a = schedule.alphas_cumprod[t];
        let (sa, sb) = (a.sqrt(), (1.0 - a).sqrt());
        // Eq. 4 by hand. A white pixel is +1 in the process's scale, a grey one 0: the grey one
        // keeps only the noise, and both come back to [0, 1] as (x + 1)/2.
        let images = forward_sample(&schedule, DenoiserArch::Unet, t, &[1.0, 0.5], &[0.3, -0.2], 2);
        assert!((images[0] - (sa * 1.0 + sb * 0.3 + 1.0) / 2.0).abs() < 1e-6, "{images:?}");
        assert!((images[1] - (sb * -0.2 + 1.0) / 2.0).abs() < 1e-6, "{images:?}");
        // Points stay in their own scale, and every example is noised at the same t.
        let points = forward_sample(&schedule, DenoiserArch::Mlp, t, &[2.0, -1.0, 0.5, 0.0], &[0.1, 0.2, -0.3, 1.0], 2);
        let expected: Vec<f32> = [(2.0, 0.1), (-1.0, 0.2), (0.5, -0.3), (0.0, 1.0)].iter().map(|&(x, e)| sa * x + sb * e).collect();
        for (got, want) in points.iter().zip(&expected) {
            assert!((got - want).abs() < 1e-6, "{points:?} vs {expected:?}");
        }
        // Noise far past the data's range is clamped when shown as an image.
        assert_eq!(forward_sample(&schedule, DenoiserArch::Unet, 999, &[1.0], &[10.0], 1), vec![1.0]);
    }
}
