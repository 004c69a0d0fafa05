//! The diffusion model's likelihood: the variational bound of Ho et al. 2020 ("Denoising
//! Diffusion Probabilistic Models", eq. 5) on −log p(x₀) of an 8-bit image, in nats:
//!
//!   −log p_θ(x₀) ≤ L_T + Σ_{t=2..T} L_{t−1} + L_0,
//!   L_T     = KL(q(x_T | x₀) ‖ N(0, I)),
//!   L_{t−1} = E_q KL(q(x_{t−1} | x_t, x₀) ‖ p_θ(x_{t−1} | x_t)),
//!   L_0     = −E_q log p_θ(x₀ | x₁), the discretized Gaussian decoder of §3.3 (eq. 13).
//!
//! Ho et al. count t = 1 … T; genlab's schedule counts from 0 (`schedule.rs`), so their x_t is
//! index t − 1 here and ᾱ_0 = 1 is `alpha_bar(−1)`. The network at index i (their x_{i+1})
//! gives their L_i: L_0 at index 0, the T − 1 middle terms L_1 … L_{T−1} at indices 1 … T − 1.
//!
//! p_θ(x_{t−1} | x_t) is the DDPM sampler's (`sampler::ddpm_step`): the posterior of eqs. 6-7
//! with x̂₀ from the network's output in place of x₀ (clamped to [−1, 1] when the sampler
//! clamps it), and the "fixed small" variance σ_t² = β̃_t. With equal variances each middle
//! term is c₀²(x₀ − x̂₀)²/(2β̃_t) per pixel. The decoder's variance is β̃ of index 1 (β̃ of
//! index 0 is 0, and the sampler adds no noise there), as Ho et al.'s code does
//! (`posterior_log_variance_clipped`).
//!
//! The decoder's bins need Φ far into its tails (an untrained model's x̂₀ can sit hundreds of
//! σ from a pixel), so log Φ is computed in log space from a proper erf/erfc rather than
//! with the tanh approximation of Ho et al.'s code (whose log is floored at 1e-12, −27.6 nats a
//! pixel): a series for |x| < 2 and a continued fraction beyond, accurate to about 1e-13.
//!
//! The estimator. The exact sum costs T network passes an image. L_T (no network) and L_0
//! are always computed; the T − 1 middle terms are cut into k equal strata (k = the
//! `importance_samples` argument, at most T − 1) and one term is drawn uniformly from each
//! and weighted by its stratum's size, which is unbiased for their sum (stratified sampling).
//! k ≥ T − 1 visits every term. Each term's x_t ~ q(x_t | x₀) is drawn, as in Ho et al., so
//! even the full sum is a stochastic bound. Cost: min(k, T − 1) + 1 network passes an image,
//! batched over the images of a call (each image at its own timestep).
//!
//! Random draws: `Rng::new(seed)` gives each image, in order, the seed of its own stream
//! (`next_u64`), so results do not depend on how images are batched. An image's stream draws
//! D normals for L_0's x₁, then for each stratum from the lowest t up: one `below(size)` when
//! the stratum holds more than one term, and D normals for its x_t.

use std::ops::Range;

use crate::rng::Rng;
use crate::train::FamilyResult;
use crate::views::{LikelihoodModel, LogLikelihood};

use super::config::DenoiserArch;
use super::family::DiffusionFamily;
use super::nets::Denoiser;
use super::process::add_noise;
use super::sampler;

/// Images per network pass: evaluation sends at most 256 at a time (`metrics::likelihood`);
/// a larger call is cut into passes of this many.
const ROWS_PER_PASS: usize = 128;
/// The most test images one measurement of the test set scores (`genlab eval`, Compare, the
/// tab): each costs k + 1 UNet passes, about 0.1-0.2 s at k = 64 on 2 CPU cores, so 500 take
/// one to two minutes where the 10,000 of the other families' default would take half an hour.
pub const EVAL_EXAMPLES: usize = 500;

/// Below this |x|, erf x by its series; above it, erfc x by its continued fraction (which
/// needs 57 terms at x = 2 and fewer beyond; the series' 1 − erf loses at most 5e-14 below).
const SERIES_LIMIT: f64 = 2.0;

/// Iteration caps of the series and the continued fraction (31 and 57 terms suffice at
/// |x| = 2): a NaN stops here instead of looping.
const MAX_TERMS: usize = 200;

/// KL(N(m_q, v_q) ‖ N(m_p, v_p)) = ½ (ln(v_p/v_q) + v_q/v_p − 1 + (m_q − m_p)²/v_p), nats,
/// for one value. With equal variances (every middle term) the first two parts are exactly 0
/// and a small KL keeps its digits.
pub fn gaussian_kl(mean_q: f64, var_q: f64, mean_p: f64, var_p: f64) -> f64 {
    let d = mean_q - mean_p;
    0.5 * ((var_p / var_q).ln() + (var_q / var_p - 1.0) + d * d / var_p)
}

/// L_T for one value: KL(N(√ᾱ x₀, 1 − ᾱ) ‖ N(0, 1)) = ½ (ᾱ x₀² − ᾱ − ln(1 − ᾱ)), written
/// with ln_1p so a nearly fully noised ᾱ ≈ 0 keeps its digits.
pub fn prior_kl(alpha_bar: f64, x0: f64) -> f64 {
    0.5 * (alpha_bar * x0 * x0 - alpha_bar - (-alpha_bar).ln_1p())
}

/// q(x_{t−1} | x_t, x₀) = N(c₀ x₀ + c_t x_t, β̃_t) (Ho et al. 2020, eqs. 6-7), from ᾱ_t and
/// ᾱ_{t−1}, with β_t = 1 − ᾱ_t/ᾱ_{t−1} recomputed from ᾱ as the DDPM sampler does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Posterior {
    /// c₀ = √ᾱ_{t−1} β_t / (1 − ᾱ_t)
    pub coef_x0: f64,
    /// c_t = √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)
    pub coef_xt: f64,
    /// β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t
    pub variance: f64,
}

impl Posterior {
    pub fn new(alpha_bar: f64, alpha_bar_prev: f64) -> Self {
        let alpha = alpha_bar / alpha_bar_prev;
        let beta = 1.0 - alpha;
        Self {
            coef_x0: alpha_bar_prev.sqrt() * beta / (1.0 - alpha_bar),
            coef_xt: alpha.sqrt() * (1.0 - alpha_bar_prev) / (1.0 - alpha_bar),
            variance: (1.0 - alpha_bar_prev) / (1.0 - alpha_bar) * beta,
        }
    }

    pub fn mean(&self, x0: f64, x_t: f64) -> f64 {
        self.coef_x0 * x0 + self.coef_xt * x_t
    }
}

/// The 8-bit level of a pixel in [0, 1]: round(255 v).
pub fn pixel_level(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Level k in the process's scale, 2k/255 − 1: the 256 bin centres on [−1, 1] of §3.3.
pub fn level_value(level: u8) -> f64 {
    2.0 * level as f64 / 255.0 - 1.0
}

/// log p(x₀ = level | mean, std) under the discretized Gaussian decoder (Ho et al. 2020, eq.
/// 13): the N(mean, std²) mass of the level's bin, level value ± 1/255, with the edges at
/// −∞ for level 0 and +∞ for level 255.
pub fn discretized_gaussian_log_likelihood(level: u8, mean: f64, std: f64) -> f64 {
    let x = level_value(level);
    let half_bin = 1.0 / 255.0;
    let lower = if level == 0 { f64::NEG_INFINITY } else { (x - half_bin - mean) / std };
    let upper = if level == u8::MAX { f64::INFINITY } else { (x + half_bin - mean) / std };
    ln_normal_interval(lower, upper)
}

/// erf x for |x| < `SERIES_LIMIT`: erf x = 2/√π e^{−x²} Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1))
/// (Abramowitz & Stegun 7.1.6), whose terms share one sign, so nothing cancels.
fn erf_series(x: f64) -> f64 {
    let x2 = 2.0 * x * x;
    let (mut term, mut sum) = (x, x);
    for n in 1..MAX_TERMS {
        term *= x2 / (2 * n + 1) as f64;
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp() * sum
}

/// ln erfc x for x ≥ `SERIES_LIMIT`, never underflowing: erfc x = e^{−x²}/√π · 1/f with the
/// continued fraction f = x + (1/2)/(x + 1/(x + (3/2)/(x + …))) (A&S 7.1.14), evaluated by
/// the modified Lentz method (Numerical Recipes, 3rd ed., §5.2). For x > 0 no partial
/// denominator is 0, so Lentz's guard against one is not needed.
fn ln_erfc_tail(x: f64) -> f64 {
    let (mut f, mut c, mut d) = (x, x, 0.0);
    for n in 1..MAX_TERMS {
        let a = n as f64 / 2.0;
        d = 1.0 / (x + a * d);
        c = x + a / c;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    -x * x - 0.5 * std::f64::consts::PI.ln() - f.ln()
}

/// erf x for any x.
fn erf(x: f64) -> f64 {
    if x.abs() < SERIES_LIMIT {
        erf_series(x)
    } else if x.is_infinite() {
        x.signum()
    } else {
        x.signum() * (1.0 - ln_erfc_tail(x.abs()).exp())
    }
}

/// ln Φ(z), Φ the standard normal CDF, accurate in both tails: Φ(z) = ½ erfc(−z/√2) in log
/// space below, 1 − ½ erfc(z/√2) through ln_1p above, ½ (1 + erf(z/√2)) between.
pub fn ln_normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return z;
    }
    if z.is_infinite() {
        return if z > 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    let x = z / std::f64::consts::SQRT_2;
    if x <= -SERIES_LIMIT {
        ln_erfc_tail(-x) - std::f64::consts::LN_2
    } else if x >= SERIES_LIMIT {
        (-0.5 * ln_erfc_tail(x).exp()).ln_1p()
    } else {
        (0.5 * (1.0 + erf_series(x))).ln()
    }
}

/// ln(e^p − e^q) for p ≥ q.
fn ln_sub_exp(p: f64, q: f64) -> f64 {
    p + (-(q - p).exp_m1()).ln()
}

/// ln(Φ(b) − Φ(a)) for a < b (either may be infinite): from the tail on the bin's side of 0,
/// where both CDFs are small, so a bin far out in a tail keeps its digits; a bin across 0 by
/// erf, its two values of opposite sign adding without cancellation.
pub fn ln_normal_interval(a: f64, b: f64) -> f64 {
    if a >= 0.0 {
        ln_sub_exp(ln_normal_cdf(-a), ln_normal_cdf(-b))
    } else if b <= 0.0 {
        ln_sub_exp(ln_normal_cdf(b), ln_normal_cdf(a))
    } else {
        let r = std::f64::consts::FRAC_1_SQRT_2;
        (0.5 * (erf(b * r) - erf(a * r))).ln()
    }
}

/// The middle terms L_1 … L_{T−1} (schedule indices 1 … T − 1) cut into min(k, T − 1) strata
/// of consecutive indices, stratum j holding ⌊(j+1)M/k⌋ − ⌊jM/k⌋ of the M = T − 1 terms:
/// every index in exactly one, sizes within one of each other. k = 0 counts as 1.
pub fn strata(timesteps: usize, k: usize) -> Vec<Range<usize>> {
    let middle = timesteps.saturating_sub(1);
    if middle == 0 {
        return Vec::new();
    }
    let k = k.clamp(1, middle);
    (0..k).map(|j| 1 + j * middle / k..1 + (j + 1) * middle / k).collect()
}

/// The estimate's name for T timesteps and k strata.
pub fn estimate_name(timesteps: usize, k: usize) -> String {
    let middle = timesteps.saturating_sub(1);
    if k >= middle {
        format!("VLB (Ho et al. 2020 eq. 5), all {timesteps} timesteps")
    } else {
        format!("VLB (Ho et al. 2020 eq. 5), {} of {middle} middle terms, stratified", k.max(1))
    }
}

impl DiffusionFamily {
    /// x_t ~ q(x_t | x₀) drawn with `noise` (eq. 4), one timestep per image, and the x̂₀ the
    /// network's output implies there, clamped as the sampler clamps it (`sampler::parts`).
    fn noisy_and_denoised(
        &self,
        net: &Denoiser,
        x0: &[f32],
        noise: &[f32],
        ts: &[usize],
        labels: &[u8],
    ) -> FamilyResult<(Vec<f32>, Vec<f32>)> {
        let dim = self.config().data_dim;
        let alpha_bars: Vec<f32> = ts.iter().map(|&t| self.schedule().alpha_bar(t as i64)).collect();
        let x_t = add_noise(x0, noise, &alpha_bars, dim); // [n × D]
        let output = self.predict_rows(net, &x_t, ts, labels)?; // [n × D]
        let (prediction, clip) = (self.config().prediction, self.config().sampler.clip_sample);
        let mut x0_hat = Vec::with_capacity(x_t.len());
        for ((x, out), &t) in x_t.chunks(dim).zip(output.chunks(dim)).zip(ts) {
            x0_hat.extend(sampler::parts(self.schedule(), prediction, t, x, out, clip).x0);
        }
        Ok((x_t, x0_hat))
    }

    /// The bound's estimate, −log p in nats, for one pass of images (`levels`: their 8-bit
    /// pixels, D per image), each drawing from its own stream in `streams`.
    fn vlb_nats(
        &self,
        net: &Denoiser,
        levels: &[u8],
        labels: &[u8],
        streams: &mut [Rng],
        strata: &[Range<usize>],
    ) -> FamilyResult<Vec<f64>> {
        let dim = self.config().data_dim;
        let schedule = self.schedule();
        let n = streams.len();
        let alpha_bar = |t: i64| schedule.alpha_bar(t) as f64;
        let x0: Vec<f32> = levels.iter().map(|&k| level_value(k) as f32).collect(); // [n × D] in [−1, 1]

        // L_T: no network.
        let last = alpha_bar(schedule.timesteps() as i64 - 1);
        let mut nats: Vec<f64> = x0.chunks(dim).map(|x| x.iter().map(|&v| prior_kl(last, v as f64)).sum()).collect();

        // L_0: the decoder's mean is the sampler's last step, x̂₀ itself (ᾱ_{−1} = 1 makes
        // eq. 7's c₀ = 1 and c_t = 0); its variance β̃ of index 1 (see the top of the file).
        let decoder_std = Posterior::new(alpha_bar(1), alpha_bar(0)).variance.sqrt();
        let noise: Vec<f32> = streams.iter_mut().flat_map(|rng| rng.normal_vec(dim)).collect();
        let (_, x0_hat) = self.noisy_and_denoised(net, &x0, &noise, &vec![0; n], labels)?;
        for (b, (image, mean)) in levels.chunks(dim).zip(x0_hat.chunks(dim)).enumerate() {
            nats[b] -= image.iter().zip(mean).map(|(&k, &m)| discretized_gaussian_log_likelihood(k, m as f64, decoder_std)).sum::<f64>();
        }

        // L_1 … L_{T−1}: one term per stratum, weighted by the stratum's size.
        for range in strata {
            let size = range.len();
            let ts: Vec<usize> = streams.iter_mut().map(|rng| if size > 1 { range.start + rng.below(size) } else { range.start }).collect();
            let noise: Vec<f32> = streams.iter_mut().flat_map(|rng| rng.normal_vec(dim)).collect();
            let (x_t, x0_hat) = self.noisy_and_denoised(net, &x0, &noise, &ts, labels)?;
            for (b, &t) in ts.iter().enumerate() {
                let q = Posterior::new(alpha_bar(t as i64), alpha_bar(t as i64 - 1));
                let rows = b * dim..(b + 1) * dim;
                let kl: f64 = x0[rows.clone()]
                    .iter()
                    .zip(&x_t[rows.clone()])
                    .zip(&x0_hat[rows])
                    .map(|((&x, &xt), &xh)| {
                        let (x, xt, xh) = (x as f64, xt as f64, xh as f64);
                        gaussian_kl(q.mean(x, xt), q.variance, q.mean(xh, xt), q.variance)
                    })
                    .sum();
                nats[b] += size as f64 * kl;
            }
        }
        Ok(nats)
    }
}

impl LikelihoodModel for DiffusionFamily {
    fn examples_limit(&self) -> Option<usize> {
        Some(EVAL_EXAMPLES)
    }

    /// The variational bound above, −(L_T + Σ L_{t−1} + L_0), per image; `importance_samples`
    /// is k, the number of middle terms visited (all of them when k ≥ T − 1). Pixels are
    /// rounded to 8 bits. A class-conditional model bounds log p(x | y) with the given labels
    /// (no guidance); without one label per image, its "no label" slot bounds log p(x).
    fn log_likelihood(
        &mut self,
        x: &[f32],
        n: usize,
        labels: &[u8],
        importance_samples: usize,
        seed: u64,
    ) -> FamilyResult<Vec<LogLikelihood>> {
        if self.config().arch != DenoiserArch::Unet {
            return Err("the variational bound of Ho et al. 2020 is measured on 8-bit images; this diffusion model draws \
                        2-D points, which have no discrete likelihood to bound"
                .into());
        }
        let dim = self.config().data_dim;
        crate::models::check_example_size(x, n, dim, false, "this model")?;
        let timesteps = self.schedule().timesteps();
        let strata = strata(timesteps, importance_samples);
        let labels: Vec<u8> = if labels.len() == n { labels.to_vec() } else { vec![self.null_label(); n] };
        let levels: Vec<u8> = x.iter().map(|&v| pixel_level(v)).collect();
        let net = self.sampling_net()?;
        let mut seeds = Rng::new(seed);
        let mut streams: Vec<Rng> = (0..n).map(|_| Rng::new(seeds.next_u64())).collect();
        let mut per_example = Vec::with_capacity(n);
        for start in (0..n).step_by(ROWS_PER_PASS) {
            let end = (start + ROWS_PER_PASS).min(n);
            let nats = self.vlb_nats(&net, &levels[start * dim..end * dim], &labels[start..end], &mut streams[start..end], &strata)?;
            per_example.extend(nats.into_iter().map(|l| -l));
        }
        Ok(vec![LogLikelihood { name: estimate_name(timesteps, importance_samples), exact: false, per_example }])
    }
}

#[cfg(test)]
mod tests;
