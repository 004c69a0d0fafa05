//! RealNVP: the inverse undoes the forward map to 1e-5; the log-determinant equals the log of
//! a finite-difference Jacobian on 2-D; a fresh (identity) flow gives standard-normal data
//! exactly its closed-form NLL; the image path round-trips; checkpoints round-trip.

use burn::prelude::*;
use genlab::data::ToyKind;
use genlab::models::flow::{FlowConfig, FlowFamily};
use genlab::models::load_family;
use genlab::rng::Rng;
use genlab::train::{Batch, Family};
use genlab::views::Model;

fn trained_moons(steps: usize) -> FlowFamily {
    let (points, labels) = ToyKind::TwoMoons.sample(4096, &mut Rng::new(1));
    let x: Vec<f32> = points.iter().flatten().copied().collect();
    let mut family = FlowFamily::new(FlowConfig { learning_rate: 3e-3, ..FlowConfig::default() }, &Device::flex(), 0).unwrap();
    let mut rng = Rng::new(2);
    for _ in 0..steps {
        let s = rng.below(4096 - 256);
        family.train_step(&Batch { x: &x[2 * s..2 * (s + 256)], n: 256, dims: &[2], labels: &labels[s..s + 256] }).unwrap();
    }
    family
}

fn tensor(values: &[f32], n: usize, d: usize) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [n, d]), &Device::flex())
}

fn read<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.try_into_vec_as::<f32>().unwrap().into_iter().map(f64::from).collect()
}

#[test]
fn inverse_undoes_forward_and_log_det_matches_finite_differences() {
    let family = trained_moons(200);
    let (net, config) = (family.network().unwrap().valid(), family.config().clone());
    let mut rng = Rng::new(5);
    let x: Vec<f32> = (0..64).map(|_| rng.range(-1.5, 2.5) as f32).collect();
    let (z, log_det) = net.forward(tensor(&x, 32, 2), &config);
    let back = read(net.inverse(z.clone(), &config));
    let worst = back.iter().zip(&x).map(|(a, &b)| (a - b as f64).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-5, "inverse(forward(x)) is off by {worst}");
    let z = read(z);
    assert!(z.iter().zip(&x).any(|(a, &b)| (a - b as f64).abs() > 0.05), "the trained flow should not be the identity");
    // Finite differences of the forward map, in f64 arithmetic on f32 evaluations. The coupling
    // networks are ReLU MLPs: where a step crosses a kink, the map is not linear at that scale
    // and no difference quotient is right, so a point counts only where the forward and the
    // backward one-sided Jacobians agree.
    let log_det = read(log_det);
    let h = 1e-3f32;
    let z_at = |p: [f32; 2]| read(net.forward(tensor(&p, 1, 2), &config).0);
    let log_abs_det = |j: [[f64; 2]; 2]| (j[0][0] * j[1][1] - j[0][1] * j[1][0]).abs().ln();
    let mut checked = 0;
    for p in 0..32 {
        let at = [x[2 * p], x[2 * p + 1]];
        let centre = z_at(at);
        let (mut forward, mut backward) = ([[0.0f64; 2]; 2], [[0.0f64; 2]; 2]);
        for k in 0..2 {
            let (mut plus, mut minus) = (at, at);
            plus[k] += h;
            minus[k] -= h;
            let (zp, zm) = (z_at(plus), z_at(minus));
            for i in 0..2 {
                forward[i][k] = (zp[i] - centre[i]) / h as f64;
                backward[i][k] = (centre[i] - zm[i]) / h as f64;
            }
        }
        let (f, b) = (log_abs_det(forward), log_abs_det(backward));
        // One-sided quotients differ by O(h · curvature) where the map is smooth (a few 1e-3
        // here); a kink makes them differ by the change of slope.
        if (f - b).abs() > 2e-2 {
            continue; // a kink within h
        }
        let numeric = 0.5 * (f + b);
        // Within 1.5e-2: a wrong or missing term of the log-determinant is off by O(1); kinks just
        // past the filter and f32 rounding of z leave errors up to about 1e-2 at h = 1e-3.
        assert!((numeric - log_det[p]).abs() < 1.5e-2, "point {p}: log|det J| {numeric} by differences, {} tracked", log_det[p]);
        checked += 1;
    }
    assert!(checked >= 16, "only {checked} of 32 points were away from a kink");
}

#[test]
fn identity_flow_gives_the_closed_form_nll_of_standard_normal_data() {
    // A fresh flow is the identity (zero-initialised couplings), so −log p(x) = ½‖x‖² + log 2π.
    let mut family = FlowFamily::new(FlowConfig::default(), &Device::flex(), 1).unwrap();
    let mut rng = Rng::new(3);
    let x = rng.normal_vec(2 * 500);
    let ll = family.likelihood().unwrap().log_likelihood(&x, 500, &[], 1, 0).unwrap();
    assert!(ll[0].exact);
    let mut total = 0.0;
    for (i, got) in ll[0].per_example.iter().enumerate() {
        let (a, b) = (x[2 * i] as f64, x[2 * i + 1] as f64);
        let closed = -0.5 * (a * a + b * b) - (2.0 * std::f64::consts::PI).ln();
        assert!((got - closed).abs() < 1e-5, "example {i}: {got} vs {closed}");
        total -= got;
    }
    // The mean NLL of N(0, I) data is the entropy, 1 + log 2π ≈ 2.838 nats, up to sampling.
    assert!((total / 500.0 - (1.0 + (2.0 * std::f64::consts::PI).ln())).abs() < 0.15);
    let view = family.flow().unwrap();
    let grid = [[0.5f32, -1.0], [2.0, 0.25]];
    let layers = view.push_forward(&grid).unwrap();
    assert_eq!(layers.len(), 9, "the input and one set per coupling");
    assert!(layers.iter().all(|l| l == &grid.to_vec()));
}

#[test]
fn the_flow_fits_two_moons_and_checkpoints_round_trip() {
    let mut family = trained_moons(600);
    let (points, _) = ToyKind::TwoMoons.sample(1000, &mut Rng::new(9));
    let x: Vec<f32> = points.iter().flatten().copied().collect();
    let nll = -family.likelihood().unwrap().log_likelihood(&x, 1000, &[], 1, 0).unwrap()[0].per_example.iter().sum::<f64>() / 1000.0;
    // The untrained (identity) flow scores ½‖x‖² + log 2π on the same points: the reference
    // training has to beat, computed here rather than quoted.
    let identity = x.chunks(2).map(|p| 0.5 * (p[0] as f64).powi(2) + 0.5 * (p[1] as f64).powi(2)).sum::<f64>() / 1000.0
        + (2.0 * std::f64::consts::PI).ln();
    assert!(nll < identity - 0.7, "held-out NLL {nll} nats against the identity flow's {identity}");
    let dir = std::env::temp_dir().join(format!("genlab-test-flow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    family.save(&dir).unwrap();
    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "flow");
    assert_eq!(loaded.sample(20, 4, None).unwrap(), family.sample(20, 4, None).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn image_flow_round_trips_through_the_logit_transform() {
    let config = FlowConfig { couplings: 2, hidden: 16, ..FlowConfig::images(6, 6) };
    let mut family = FlowFamily::new(config, &Device::flex(), 2).unwrap();
    let x: Vec<f32> = (0..8 * 36).map(|i| ((i * 37) % 256) as f32 / 255.0).collect();
    for _ in 0..5 {
        let terms = family.train_step(&Batch { x: &x, n: 8, dims: &[1, 6, 6], labels: &[0; 8] }).unwrap();
        assert!(terms[0].1.is_finite() && terms[0].1 > 0.0, "{terms:?}");
    }
    let ll = family.likelihood().unwrap().log_likelihood(&x, 8, &[], 1, 0).unwrap();
    // Each 8-bit image has probability below 1: positive NLL.
    assert!(ll[0].per_example.iter().all(|&l| l < 0.0));
    let genlab::train::Samples::Images(s) = family.sample(4, 1, None).unwrap() else { panic!("images") };
    assert!(s.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
}
