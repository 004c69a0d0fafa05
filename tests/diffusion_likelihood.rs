//! The diffusion family's variational bound (Ho et al. 2020, eq. 5) on a tiny UNet with T = 20
//! and the first images of the shipped MNIST test set. With every timestep visited the
//! estimate must be the bound summed term by term here, from the pure functions of
//! `models::diffusion::likelihood` and the family's own network output, with the draws the
//! estimator documents; the stratified estimate (k of the T − 1 middle terms) must average to
//! the same; labels reach a conditional model; 2-D models refuse.

use burn::tensor::Device;
use genlab::models::diffusion::likelihood::{
    Posterior, discretized_gaussian_log_likelihood, gaussian_kl, level_value, pixel_level, prior_kl,
};
use genlab::models::diffusion::process::add_noise;
use genlab::models::diffusion::{DiffusionConfig, DiffusionFamily};
use genlab::rng::Rng;
use genlab::views::{LikelihoodModel, Model};

mod common;
use common::mnist_dir;

const T: usize = 20;
const D: usize = 784;

/// An untrained UNet of width 8 on 28×28 images with T = 20: each pass takes milliseconds.
fn tiny_unet(conditional: bool, seed: u64) -> DiffusionFamily {
    let config = DiffusionConfig { channels: 8, time_dim: 32, timesteps: T, ..DiffusionConfig::unet(28, 28, 10, conditional) };
    DiffusionFamily::new(config, &Device::flex(), seed).unwrap()
}

/// The first `n` test images of the shipped MNIST sample and their labels.
fn mnist_test(n: usize) -> (Vec<f32>, Vec<u8>) {
    let data = genlab::data::load_images(genlab::data::ImageDatasetId::Mnist, Some(&mnist_dir())).unwrap();
    (data.test.pixels[..n * D].to_vec(), data.test.labels[..n].to_vec())
}

/// −(the bound) of each image, nats, summed term by term: L_T + L_1 + … + L_{T−1} + L_0, with
/// the draws `log_likelihood` documents for k ≥ T − 1 (image b's stream seeded by the (b+1)-th
/// `next_u64` of `Rng::new(seed)`; D normals for L_0's x₁, then D for each t = 1 … T − 1).
fn bound_term_by_term(family: &DiffusionFamily, x: &[f32], n: usize, labels: &[u8], seed: u64) -> Vec<f64> {
    let schedule = family.schedule();
    let a = |t: i64| schedule.alpha_bar(t) as f64;
    let levels: Vec<u8> = x.iter().map(|&v| pixel_level(v)).collect();
    let x0: Vec<f32> = levels.iter().map(|&k| level_value(k) as f32).collect();
    let mut seeds = Rng::new(seed);
    let mut streams: Vec<Rng> = (0..n).map(|_| Rng::new(seeds.next_u64())).collect();
    // x_t ~ q(x_t | x₀) for every image at t, and the x̂₀ the network implies, clamped to
    // [−1, 1] as the image model's sampler clamps it.
    let mut denoise = |t: usize| -> (Vec<f32>, Vec<f32>) {
        let noise: Vec<f32> = streams.iter_mut().flat_map(|rng| rng.normal_vec(D)).collect();
        let alpha_bar = schedule.alpha_bar(t as i64);
        let x_t = add_noise(&x0, &noise, &vec![alpha_bar; n], D);
        let output = family.prediction(&x_t, &vec![t; n], labels).unwrap();
        let x0_hat = family.config().prediction.parts(alpha_bar, &x_t, &output).x0.into_iter().map(|v| v.clamp(-1.0, 1.0)).collect();
        (x_t, x0_hat)
    };
    let mut nats = vec![0.0f64; n];
    // L_0: the discretized decoder around x̂₀ with variance β̃ of index 1 (Ho et al.'s clipped
    // posterior variance).
    let (_, x0_hat) = denoise(0);
    let std = Posterior::new(a(1), a(0)).variance.sqrt();
    for i in 0..n * D {
        nats[i / D] -= discretized_gaussian_log_likelihood(levels[i], x0_hat[i] as f64, std);
    }
    // L_1 … L_{T−1}: KL(q(x_{t−1} | x_t, x₀) ‖ p_θ(x_{t−1} | x_t)) with σ_t² = β̃_t.
    for t in 1..T {
        let (x_t, x0_hat) = denoise(t);
        let q = Posterior::new(a(t as i64), a(t as i64 - 1));
        for i in 0..n * D {
            let (x, xt, xh) = (x0[i] as f64, x_t[i] as f64, x0_hat[i] as f64);
            nats[i / D] += gaussian_kl(q.mean(x, xt), q.variance, q.mean(xh, xt), q.variance);
        }
    }
    // L_T.
    for i in 0..n * D {
        nats[i / D] += prior_kl(a(T as i64 - 1), x0[i] as f64);
    }
    nats
}

fn bound(family: &mut DiffusionFamily, x: &[f32], n: usize, labels: &[u8], k: usize, seed: u64) -> Vec<f64> {
    let mut estimates = family.log_likelihood(x, n, labels, k, seed).unwrap();
    assert_eq!(estimates.len(), 1, "one estimate");
    let e = estimates.remove(0);
    assert!(!e.exact, "a bound, not log p(x)");
    assert_eq!(e.per_example.len(), n);
    e.per_example
}

#[test]
fn every_timestep_gives_the_bound_summed_term_by_term() {
    let n = 3;
    let mut family = tiny_unet(false, 1);
    let (x, labels) = mnist_test(n);
    let estimates = family.log_likelihood(&x, n, &labels, T - 1, 7).unwrap();
    let name = &estimates[0].name;
    assert!(name.starts_with("VLB (Ho et al. 2020 eq. 5)") && name.contains("all 20 timesteps"), "{name}");
    let got = bound(&mut family, &x, n, &labels, T - 1, 7);
    assert_eq!(estimates[0].per_example, got, "a seed fixes the draws");
    let want = bound_term_by_term(&family, &x, n, &labels, 7);
    for (b, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!(w.is_finite() && w > 0.0, "image {b}: {w} nats");
        // The same network passes and the same f64 arithmetic in another order.
        assert!((-g - w).abs() <= 1e-7 * w, "image {b}: the estimate says {} nats, the terms add up to {w}", -g);
    }
    // k past T − 1 is the same full sum.
    assert_eq!(bound(&mut family, &x, n, &labels, 5000, 7), got);
    assert_ne!(bound(&mut family, &x, n, &labels, T - 1, 8), got, "another seed draws other x_t");
    // An image's draws are its own: alone in its call it gets the same bound (to f32 rounding,
    // which may differ with the batch size).
    let alone = bound(&mut family, &x[..D], 1, &labels[..1], T - 1, 7);
    assert!((alone[0] - got[0]).abs() <= 1e-5 * got[0].abs(), "{} alone against {} with others", alone[0], got[0]);
}

#[test]
fn stratified_estimates_average_to_the_full_sum() {
    // Both are unbiased for the same expected bound, so their difference per image and seed
    // averages to 0; it must lie within 4.5 standard errors of it.
    let (n, seeds, k) = (4, 10, 4);
    let mut family = tiny_unet(false, 3);
    let (x, labels) = mnist_test(n);
    let estimates = family.log_likelihood(&x, n, &labels, k, 0).unwrap();
    assert!(estimates[0].name.contains("4 of 19 middle terms"), "{}", estimates[0].name);
    let mut diffs = Vec::new();
    for seed in 0..seeds {
        let full = bound(&mut family, &x, n, &labels, T - 1, seed);
        let stratified = bound(&mut family, &x, n, &labels, k, seed);
        assert!(stratified.iter().all(|v| v.is_finite() && *v < 0.0), "{stratified:?}");
        diffs.extend(stratified.iter().zip(&full).map(|(s, f)| s - f));
    }
    let count = diffs.len() as f64;
    let mean = diffs.iter().sum::<f64>() / count;
    let se = (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (count - 1.0) / count).sqrt();
    assert!(se > 0.0, "the stratified estimate never varied");
    assert!(mean.abs() <= 4.5 * se, "stratified − full: {mean:.3} nats on average, standard error {se:.3}");
}

#[test]
fn a_conditional_model_bounds_each_class_with_its_label() {
    let n = 2;
    let mut family = tiny_unet(true, 2);
    let (x, _) = mnist_test(n);
    let one = bound(&mut family, &x, n, &[1, 1], 2, 5);
    let two = bound(&mut family, &x, n, &[2, 2], 2, 5);
    assert_ne!(one, two, "the label reaches the network");
    // Without one label per image: the "no label" slot (label K = 10), the model's p(x).
    assert_eq!(bound(&mut family, &x, n, &[], 2, 5), bound(&mut family, &x, n, &[10, 10], 2, 5));
}

#[test]
fn points_are_refused() {
    let mut family = DiffusionFamily::new(DiffusionConfig { hidden: 32, ..DiffusionConfig::default() }, &Device::flex(), 0).unwrap();
    let view = family.likelihood().expect("the view is offered; the bound itself refuses");
    let err = view.log_likelihood(&[0.1, 0.2], 1, &[], 4, 0).unwrap_err();
    assert!(err.contains("8-bit images") && err.contains("2-D points"), "{err}");
}
