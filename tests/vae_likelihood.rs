//! The VAE's likelihood bounds against log p(x) computed by quadrature. With a 1-d latent,
//! log p(x) = log ∫ p(x|z) N(z; 0, 1) dz is a 1-d integral that a fine grid evaluates to many
//! digits, so it is an independent reference for the bounds: ELBO ≤ log p(x), and the
//! importance-weighted bound L_k approaches log p(x) as k grows (Burda et al. 2016, Theorem 1).

use burn::tensor::Device;
use genlab::models::vae::{VaeConfig, VaeFamily};
use genlab::rng::Rng;
use genlab::views::Model;
use genlab::views::{LatentModel, LikelihoodModel};

/// log p(x) of a Bernoulli decoder with a 1-d latent, by the trapezoid rule on [−10, 10].
fn log_px_by_quadrature(vae: &mut VaeFamily, x: &[f32]) -> f64 {
    let points = 8001;
    let (lo, hi) = (-10.0f64, 10.0f64);
    let h = (hi - lo) / (points - 1) as f64;
    let z: Vec<f32> = (0..points).map(|i| (lo + i as f64 * h) as f32).collect();
    let means = vae.decode(&z, points, &[]).unwrap();
    let log_terms: Vec<f64> = (0..points)
        .map(|i| {
            let zi = z[i] as f64;
            let p = means.image(i);
            let log_lik: f64 = p
                .iter()
                .zip(x)
                .map(|(&p, &x)| {
                    let p = (p as f64).clamp(1e-12, 1.0 - 1e-12);
                    x as f64 * p.ln() + (1.0 - x as f64) * (1.0 - p).ln()
                })
                .sum();
            let weight = if i == 0 || i == points - 1 { 0.5 } else { 1.0 };
            log_lik - 0.5 * zi * zi - 0.5 * (2.0 * std::f64::consts::PI).ln() + (weight * h).ln()
        })
        .collect();
    let max = log_terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + log_terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln()
}

#[test]
fn bounds_sandwich_the_quadrature_likelihood() {
    // A small untrained VAE: 8×8 binary images, 1-d latent. Untrained, q(z|x) is far from the
    // posterior, so the ELBO is visibly loose and the IWAE bound has work to do.
    let config = VaeConfig { latent_dim: 1, hidden: 32, width: 8, height: 8, ..VaeConfig::default() };
    let mut vae = VaeFamily::new(config, &Device::flex(), 3).unwrap();
    let mut rng = Rng::new(9);
    let n = 4;
    let x: Vec<f32> = (0..n * 64).map(|_| if rng.uniform() < 0.3 { 1.0 } else { 0.0 }).collect();
    let small = vae.log_likelihood(&x, n, &[], 1, 5).unwrap();
    let large = vae.log_likelihood(&x, n, &[], 4096, 5).unwrap();
    assert_eq!(small[0].name, "ELBO");
    assert!(large[1].name.contains("4096"), "{}", large[1].name);
    for i in 0..n {
        let exact = log_px_by_quadrature(&mut vae, &x[i * 64..(i + 1) * 64]);
        let (elbo, iwae) = (large[0].per_example[i], large[1].per_example[i]);
        assert!(elbo < exact, "ELBO {elbo} must lie below log p(x) = {exact}");
        assert!((iwae - exact).abs() < 0.02, "IWAE (k = 4096) {iwae} vs quadrature {exact}");
        assert!(iwae > elbo, "the k = 4096 bound {iwae} must be tighter than the ELBO {elbo}");
    }
}

#[test]
fn vae_offers_the_likelihood_view() {
    let mut vae = VaeFamily::new(VaeConfig { latent_dim: 2, hidden: 16, ..VaeConfig::default() }, &Device::flex(), 0).unwrap();
    let view = vae.likelihood().expect("the VAE has a likelihood view");
    let err = view.log_likelihood(&[0.0; 10], 1, &[], 4, 0).unwrap_err();
    assert!(err.contains("784"), "a wrong image size is explained: {err}");
}
