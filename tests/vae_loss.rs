//! The VAE's loss terms against reference values.
//!
//! Inputs and expected numbers are copied from ../shared/reference/vae.json (fixture "vae",
//! seed 1505), made with numpy 2.4.6 and cross-checked with torch 2.15.0:
//! `torch.distributions.kl_divergence`, `binary_cross_entropy_with_logits(reduction="none").sum(1)`
//! and `Normal(m, σ).log_prob(x).sum(-1)`.

use burn::prelude::*;
use genlab::models::vae::loss::{bernoulli_nll, gaussian_nll, kl_to_standard_normal};

fn tensor(rows: &[&[f64]]) -> Tensor<2> {
    let cols = rows[0].len();
    let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().map(|&v| v as f32)).collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), cols]), &Device::flex())
}

fn values(t: Tensor<1>) -> Vec<f64> {
    t.try_into_vec_as::<f32>().unwrap().into_iter().map(f64::from).collect()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol * w.abs().max(1.0), "got {got:?}, want {want:?}");
    }
}

#[test]
fn kl_matches_closed_form_fixture() {
    let mu = tensor(&[&[-1.3647, 0.4453, 0.0623, 1.6174], &[0.7756, 0.0157, -0.0686, 0.7841], &[0.4252, 0.251, 0.7585, -0.5769]]);
    let logvar = tensor(&[&[0.2642, -0.8427, -1.0954, -0.1297], &[-1.1659, 0.1979, 0.3356, -0.7157], &[0.5105, 1.0306, -0.0914, 0.5389]]);
    // vae.json kl.per_sample
    assert_close(&values(kl_to_standard_normal(mu, logvar)), &[2.714931036051687, 0.9937661899399296, 1.129487898259344], 1e-5);
}

#[test]
fn bernoulli_nll_matches_bce_with_logits() {
    let logits = || tensor(&[&[0.257, -2.3548, -1.3917, -1.1917, -1.3484, -0.0541], &[-0.9286, -1.0216, -0.8817, 0.4174, 1.3676, 2.7644]]);
    let binary = tensor(&[&[1.0, 1.0, 0.0, 1.0, 0.0, 0.0], &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]]);
    // vae.json bce_with_logits.binary_targets.per_sample_sum
    assert_close(&values(bernoulli_nll(logits(), binary)), &[5.59463089104611, 1.7810344041453017], 1e-5);
    let fractional = tensor(&[&[0.648, 0.912, 0.406, 0.769, 0.022, 0.578], &[0.981, 0.221, 0.127, 0.757, 0.836, 0.679]]);
    // vae.json bce_with_logits.fractional_targets.per_sample_sum
    assert_close(&values(bernoulli_nll(logits(), fractional)), &[5.82855459104611, 4.242827504145302], 1e-5);
}

#[test]
fn gaussian_nll_matches_normal_log_prob() {
    let x = tensor(&[&[-0.5751, 0.7847, 0.208, 1.2712, -1.5354, -0.7757], &[-1.0155, 0.2756, 0.2007, 2.4198, 1.3688, 0.8592]]);
    let mean = tensor(&[&[1.1502, -0.1717, -0.8083, -2.6544, -0.0448, -1.9378], &[-1.1178, -0.7425, 0.886, -0.3365, -0.3696, 1.0568]]);
    // vae.json gaussian_loglik.per_sample is log p; the NLL is its negative.
    assert_close(&values(gaussian_nll(mean, x, 0.5)), &[49.16860185586837, 25.70454611586836], 1e-5);
}

#[test]
fn the_one_log_sigmoid_form_equals_the_plain_two_term_form() {
    // bernoulli_nll uses Σ (1 − x)·l − log σ(l); the plain path is −Σ [x log σ(l) + (1 − x) log σ(−l)].
    // Equal to 1e-5 relative on logits from −30 to 30 and grey targets (issue 7: every
    // optimised op against the plain path).
    use burn::tensor::activation::log_sigmoid;
    let mut rng = genlab::rng::Rng::new(4);
    let rows: Vec<Vec<f64>> = (0..6).map(|_| (0..50).map(|_| rng.range(-30.0, 30.0)).collect()).collect();
    let targets: Vec<Vec<f64>> = (0..6).map(|_| (0..50).map(|_| rng.uniform()).collect()).collect();
    let (row_refs, target_refs): (Vec<&[f64]>, Vec<&[f64]>) =
        (rows.iter().map(|r| r.as_slice()).collect(), targets.iter().map(|r| r.as_slice()).collect());
    let (l, x) = (tensor(&row_refs), tensor(&target_refs));
    let plain = (x.clone() * log_sigmoid(l.clone()) + x.clone().neg().add_scalar(1.0) * log_sigmoid(l.clone().neg()))
        .sum_dim(1)
        .neg()
        .flatten(0, 1);
    assert_close(&values(bernoulli_nll(l, x)), &values(plain), 1e-5);
}
