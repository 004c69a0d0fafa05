//! The RBM's likelihood and inpainting against references computed by enumeration. With 10
//! hidden units, log Z = log Σ_h e^{cᵀh} Π_i (1 + e^{b_i + (Wh)_i}) is a sum of 1,024 terms, and
//! with 16 visible units every one of the 2^16 images can be scored: the exact log p(v) must
//! sum to 1, the AIS estimate of log Z (Salakhutdinov & Murray 2008) must land near the sum,
//! and the inpainted pixels' means must match the conditional marginals p(v_i | visible).
//!
//! Tolerances come from a NumPy twin of `ais.rs` (same base-rate model, schedule and
//! bookkeeping; NumPy's generator for the chains, genlab's SplitMix64 + Box–Muller ported to
//! Python for the parameters, so the machines below are these very ones):
//!   784 × 10 (test 1): log Z − log Z_A = 28.1 nats; over 20 seeds of 100 runs × 1,000
//!   temperatures the AIS error had sd 0.043 and never exceeded 0.097; the ±3σ interval was
//!   0.33 wide. 16 × 10 (`small`): sd 0.024, largest 0.078.
//!   Inpainting `small` with the left half hidden, 2,000 chains × 200 steps: the chains' mean
//!   within 0.01 of p(v_i = 1 | visible) over 3 seeds; the free (unclamped) marginals are up
//!   to 0.43 away, so a chain that forgot the clamp fails.
//! Hence 0.5 nats for log Z (five times the largest error seen) and 0.05 for the marginals.
//! The twin's core, per temperature k (v, h: [M, V], [M, H] 0/1 arrays; bA = b):
//!   a = v @ W + c
//!   logw += (β_k − β_{k−1}) * v @ (b − bA) + (softplus(β_k a) − softplus(β_{k−1} a)).sum(1)
//!   h = rng.random((M, H)) < sigmoid(β_k a)
//!   v = rng.random((M, V)) < sigmoid((1 − β_k) bA + β_k (h @ W.T + b))
//! and log Ẑ = H log 2 + softplus(bA).sum() + logmeanexp(logw).

use burn::prelude::*;
use genlab::models::rbm::{AisEstimate, HostRbm, Rbm, RbmConfig, RbmFamily, Schedule, estimate_log_partition, free_energy};
use genlab::rng::Rng;
use genlab::views::{LikelihoodModel, Model};

/// W ~ N(0, scale²) row-major [V, H], b ~ N(bias_mean, 1), c ~ N(0, 1), from genlab's generator.
fn parameters(v: usize, h: usize, scale: f64, bias_mean: f64, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    let w = (0..v * h).map(|_| (scale * rng.normal()) as f32).collect();
    let b = (0..v).map(|_| (bias_mean + rng.normal()) as f32).collect();
    let c = (0..h).map(|_| rng.normal() as f32).collect();
    (w, b, c)
}

fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

fn log_sum_exp(terms: &[f64]) -> f64 {
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln()
}

/// log Z by the hidden states, each written out: the reference for `ais.rs`.
fn log_z_over_hidden_states(v: usize, h: usize, w: &[f32], b: &[f32], c: &[f32]) -> f64 {
    let terms: Vec<f64> = (0..1usize << h)
        .map(|state| {
            let on: Vec<usize> = (0..h).filter(|j| (state >> j) & 1 == 1).collect();
            let hidden: f64 = on.iter().map(|&j| c[j] as f64).sum();
            hidden + (0..v).map(|i| softplus(b[i] as f64 + on.iter().map(|&j| w[i * h + j] as f64).sum::<f64>())).sum::<f64>()
        })
        .collect();
    log_sum_exp(&terms)
}

/// −F(v) = bᵀv + Σ_j log(1 + e^{c_j + (vW)_j}), written out (Hinton 2010, §16.1).
fn minus_free_energy(image: &[f32], h: usize, w: &[f32], b: &[f32], c: &[f32]) -> f64 {
    let linear: f64 = image.iter().zip(b).map(|(&x, &b)| x as f64 * b as f64).sum();
    linear
        + (0..h).map(|j| softplus(c[j] as f64 + (0..image.len()).map(|i| image[i] as f64 * w[i * h + j] as f64).sum::<f64>())).sum::<f64>()
}

/// The 4 × 4, 10-hidden machine of the enumerated tests.
fn small() -> (RbmConfig, (Vec<f32>, Vec<f32>, Vec<f32>)) {
    (RbmConfig { width: 4, height: 4, hidden: 10, ..RbmConfig::default() }, parameters(16, 10, 1.0, 0.0, 3))
}

/// Every 4 × 4 binary image, image k having pixel i = bit i of k.
fn every_image() -> Vec<f32> {
    (0..1usize << 16).flat_map(|k| (0..16).map(move |i| ((k >> i) & 1) as f32)).collect()
}

#[test]
fn ais_agrees_with_log_z_summed_over_the_hidden_states() {
    let (v, h) = (784, 10);
    let (w, b, c) = parameters(v, h, 0.2, -1.0, 11);
    let exact = log_z_over_hidden_states(v, h, &w, &b, &c);
    let rbm = HostRbm::new(v, h, &w, &b, &c).unwrap();
    let summed = rbm.log_partition_exact().expect("1,024 hidden states are within the enumeration limit");
    assert!((summed - exact).abs() < 1e-8, "Gray-code sum {summed} vs the states written out {exact}");
    let estimate = estimate_log_partition(&rbm, rbm.visible_bias(), &Schedule::scaled(1000), 100, 5).unwrap();
    assert_eq!((estimate.runs(), estimate.temperatures), (100, 1000));
    assert!(exact - estimate.log_z_base > 5.0, "log Z {exact} is too close to the base model's {}: nothing to anneal", estimate.log_z_base);
    assert!((estimate.log_z - exact).abs() < 0.5, "AIS log Z {} vs exact {exact}", estimate.log_z);
    assert!(estimate.log_z_low < estimate.log_z && estimate.log_z < estimate.log_z_high, "{estimate:?}");
    assert!(estimate.log_z_high - estimate.log_z_low < 1.0, "±3σ: {} to {}", estimate.log_z_low, estimate.log_z_high);
}

#[test]
fn without_weights_every_run_weighs_the_same() {
    // W = 0 from the RBM's own visible biases: each run's weight telescopes to
    // Σ_j softplus(c_j) − H log 2 whatever it draws, so AIS is exact and has no spread;
    // log Z = Σ_i softplus(b_i) + Σ_j softplus(c_j).
    let (_, b, c) = parameters(30, 6, 0.0, 0.0, 8);
    let rbm = HostRbm::new(30, 6, &[0.0; 180], &b, &c).unwrap();
    let log_z: f64 = b.iter().chain(&c).map(|&x| softplus(x as f64)).sum();
    let estimate = estimate_log_partition(&rbm, rbm.visible_bias(), &Schedule::scaled(50), 8, 1).unwrap();
    assert!((estimate.log_z - log_z).abs() < 1e-9, "{} vs {log_z}", estimate.log_z);
    assert!(estimate.log_z_high - estimate.log_z_low < 1e-12, "{estimate:?}");
}

#[test]
fn the_spread_is_three_standard_errors_of_z_hat() {
    // Weights 1, 2, 3 relative to Z_A = e^1.5: Ẑ/Z_A = 2, sd (n − 1) = 1, σ̂ = 1/√3.
    let e = AisEstimate::from_log_weights(vec![0.0, 2f64.ln(), 3f64.ln()], 1.5, 10);
    let root3 = 3f64.sqrt();
    assert!((e.log_z - (1.5 + 2f64.ln())).abs() < 1e-12);
    assert!((e.log_z_high - (1.5 + (2.0 + root3).ln())).abs() < 1e-12, "{}", e.log_z_high);
    assert!((e.log_z_low - (1.5 + (2.0 - root3).ln())).abs() < 1e-12, "{}", e.log_z_low);
    // 3σ̂ ≥ Ẑ: no lower end.
    assert_eq!(AisEstimate::from_log_weights(vec![0.0, 10.0], 0.0, 10).log_z_low, f64::NEG_INFINITY);
}

#[test]
fn schedules_follow_the_paper() {
    // Salakhutdinov & Murray: 0 → 0.5 in 10⁻³, 0.5 → 0.9 in 10⁻⁴, 0.9 → 1 in 10⁻⁵.
    let paper = Schedule::salakhutdinov_murray();
    let beta = paper.betas();
    assert_eq!(paper.temperatures(), 14_500);
    assert_eq!((beta[0], beta[14_500]), (0.0, 1.0));
    for (k, want) in [(1, 1e-3), (500, 0.5), (501, 0.5001), (4500, 0.9), (4501, 0.90001)] {
        assert!((beta[k] - want).abs() < 1e-12, "β_{k} = {} (want {want})", beta[k]);
    }
    let small = Schedule::scaled(1000);
    assert_eq!(small.temperatures(), 1000);
    assert!(small.betas().windows(2).all(|p| p[1] > p[0]));
    assert_eq!(*small.betas().last().unwrap(), 1.0);
}

#[test]
fn a_seed_gives_the_same_estimate() {
    let (w, b, c) = parameters(50, 8, 0.5, 0.0, 2);
    let rbm = HostRbm::new(50, 8, &w, &b, &c).unwrap();
    let quick = Schedule::scaled(100);
    let run = |seed| estimate_log_partition(&rbm, rbm.visible_bias(), &quick, 16, seed).unwrap();
    assert_eq!(run(3), run(3));
    assert_ne!(run(3).log_weights, run(4).log_weights);
}

#[test]
fn log_likelihood_is_minus_the_free_energy_minus_log_z() {
    let (config, (w, b, c)) = small();
    let device = Device::flex();
    let mut family = RbmFamily::from_parameters(config, w.clone(), b.clone(), c.clone(), &device).unwrap();
    let all = every_image();
    let n = 1usize << 16;
    let rows = family.likelihood().unwrap().log_likelihood(&all, n, &[], 100, 7).unwrap();
    assert_eq!(rows.len(), 2, "exact, then AIS");
    let (exact, ais) = (&rows[0], &rows[1]);
    assert!(exact.exact && !ais.exact);
    assert!(exact.name.contains("1024 states of the hidden layer"), "{}", exact.name);
    assert!(ais.name.contains("100 runs, 1000 temperatures"), "{}", ais.name);

    // Reference: every image's −F(v) written out, and log Z as the sum over all of them.
    let minus_f: Vec<f64> = all.chunks(16).map(|image| minus_free_energy(image, 10, &w, &b, &c)).collect();
    let log_z = log_sum_exp(&minus_f);
    for k in 0..n {
        let want = minus_f[k] - log_z;
        assert!((exact.per_example[k] - want).abs() < 1e-9, "image {k}: {} vs {want}", exact.per_example[k]);
    }
    let total: f64 = exact.per_example.iter().map(|l| l.exp()).sum();
    assert!((total - 1.0).abs() < 1e-9, "Σ_v p(v) = {total}");

    // AIS: the same −F(v), less one estimate of log Z for every image.
    let offset = exact.per_example[0] - ais.per_example[0];
    assert!(offset.abs() < 0.5, "AIS log Z is {offset} nats from the exact one");
    for k in 0..n {
        assert!((exact.per_example[k] - ais.per_example[k] - offset).abs() < 1e-9, "image {k}");
    }
    let estimate = family.log_partition(100, 7).unwrap();
    assert!((estimate.log_z - log_z - offset).abs() < 1e-9, "the row uses the kept estimate");

    // Images binarized at 0.5, as in training: grey images score as their binarizations.
    let grey: Vec<f32> = all[..64 * 16].iter().map(|&p| if p > 0.5 { 0.8 } else { 0.3 }).collect();
    let again = family.log_likelihood(&grey, 64, &[], 100, 99).unwrap();
    assert_eq!(again[0].per_example, exact.per_example[..64]);
    assert_eq!(again[1].per_example, ais.per_example[..64], "log Z is kept while the parameters stay");

    // burn's free energy (model.rs, f32) agrees with the host's f64 one.
    let machine = Rbm::from_values(w, b, c, &device);
    let f = free_energy(&machine, Tensor::<2>::from_data(TensorData::new(all[..256 * 16].to_vec(), [256, 16]), &device));
    for (k, f) in f.try_into_vec_as::<f32>().unwrap().into_iter().enumerate() {
        assert!((-(f as f64) - log_z - exact.per_example[k]).abs() < 1e-3, "image {k}");
    }
    assert!(family.log_likelihood(&all[..15], 1, &[], 100, 7).is_err(), "15 values are not one 16-pixel image");
}

#[test]
fn inpainting_keeps_the_visible_pixels_and_samples_the_conditional() {
    let (config, (w, b, c)) = small();
    let mut family = RbmFamily::from_parameters(config, w.clone(), b.clone(), c.clone(), &Device::flex()).unwrap();
    let hidden: Vec<bool> = (0..16).map(|p| p % 4 < 2).collect(); // the left half
    let mut rng = Rng::new(2);
    let image: Vec<f32> = (0..16).map(|_| rng.uniform() as f32).collect(); // grey, binarized by the RBM
    let n = 2000;
    let x: Vec<f32> = (0..n).flat_map(|_| image.iter().copied()).collect();
    let view = family.inpainter().unwrap();
    let out = view.inpaint(&x, n, &hidden, 21).unwrap();
    assert_eq!(out.len(), n * 16);
    for (k, (&given, &filled)) in x.iter().zip(&out).enumerate() {
        if hidden[k % 16] {
            assert!((0.0..=1.0).contains(&filled), "pixel {k}: {filled}");
        } else {
            assert_eq!(given.to_bits(), filled.to_bits(), "visible pixel {k} changed");
        }
    }
    let four = view.inpaint(&x[..64], 4, &hidden, 21).unwrap();
    assert_eq!(four, view.inpaint(&x[..64], 4, &hidden, 21).unwrap(), "the same seed, the same chains");
    assert_ne!(four, view.inpaint(&x[..64], 4, &hidden, 22).unwrap());
    assert!(view.inpaint(&x[..64], 4, &hidden[..15], 21).is_err(), "a 15-pixel mask for 16-pixel images");

    // Exact marginals: p(v_i = 1 | visible) over the 2^8 completions, p(v_i = 1) over all images.
    let binary: Vec<f32> = image.iter().map(|&p| if p > 0.5 { 1.0 } else { 0.0 }).collect();
    let marginals = |images: &[Vec<f32>]| -> Vec<f64> {
        let minus_f: Vec<f64> = images.iter().map(|im| minus_free_energy(im, 10, &w, &b, &c)).collect();
        let log_z = log_sum_exp(&minus_f);
        (0..16).map(|i| images.iter().zip(&minus_f).map(|(im, f)| im[i] as f64 * (f - log_z).exp()).sum::<f64>()).collect()
    };
    let holes: Vec<usize> = (0..16).filter(|&p| hidden[p]).collect();
    let completions: Vec<Vec<f32>> = (0..1usize << holes.len())
        .map(|k| {
            let mut im = binary.clone();
            for (bit, &p) in holes.iter().enumerate() {
                im[p] = ((k >> bit) & 1) as f32;
            }
            im
        })
        .collect();
    let conditional = marginals(completions.as_slice());
    let unconditional = marginals(every_image().chunks(16).map(|im| im.to_vec()).collect::<Vec<_>>().as_slice());
    assert!(holes.iter().any(|&p| (conditional[p] - unconditional[p]).abs() > 0.2), "the test must tell clamped from free chains");
    for &p in &holes {
        let mean = (0..n).map(|i| out[i * 16 + p] as f64).sum::<f64>() / n as f64;
        assert!((mean - conditional[p]).abs() < 0.05, "pixel {p}: chains' mean {mean}, p(v = 1 | visible) = {}", conditional[p]);
    }
}
