//! The RBM against a 3 × 2 machine worked by hand: the free energy equals
//! −bᵀv − Σ_j log(1 + e^{c_j + (vW)_j}) and agrees with brute-force marginalisation of the
//! energy over every hidden state; one CD-1 update with fixed uniform draws equals the update
//! written out element by element (Hinton 2002, eq. 5; Hinton 2010, §3–4); checkpoints and
//! Gibbs chains are reproducible.

use burn::prelude::*;
use genlab::models::load_family;
use genlab::models::rbm::{Rbm, RbmConfig, RbmFamily, cd_update, free_energy};
use genlab::train::{Batch, Family, KnobValue};
use genlab::views::Model;

const W: [[f64; 2]; 3] = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]];
const B: [f64; 3] = [0.1, -0.1, 0.2];
const C: [f64; 2] = [-0.3, 0.2];

fn machine() -> Rbm {
    let w: Vec<f32> = W.iter().flatten().map(|&v| v as f32).collect();
    Rbm::from_values(w, B.iter().map(|&v| v as f32).collect(), C.iter().map(|&v| v as f32).collect(), &Device::flex())
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn energy(v: &[f64; 3], h: &[f64; 2]) -> f64 {
    let mut e = 0.0;
    for i in 0..3 {
        e -= B[i] * v[i];
        for j in 0..2 {
            e -= v[i] * W[i][j] * h[j];
        }
    }
    e - C[0] * h[0] - C[1] * h[1]
}

fn read(t: Tensor<1>) -> Vec<f64> {
    t.try_into_vec_as::<f32>().unwrap().into_iter().map(f64::from).collect()
}

#[test]
fn free_energy_of_a_three_by_two_machine() {
    // v = (1, 0, 1): vW = (0.1 − 0.5, −0.2 + 0.6) = (−0.4, 0.4); c + vW = (−0.7, 0.6);
    // F = −(0.1 + 0.2) − ln(1 + e^−0.7) − ln(1 + e^0.6).
    let by_hand = -(0.1 + 0.2) - (1.0 + (-0.7f64).exp()).ln() - (1.0 + 0.6f64.exp()).ln();
    assert!((by_hand - -1.740_674).abs() < 1e-6, "{by_hand}");
    let all: Vec<[f64; 3]> = (0..8).map(|k| [(k & 1) as f64, ((k >> 1) & 1) as f64, ((k >> 2) & 1) as f64]).collect();
    let v: Vec<f32> = all.iter().flatten().map(|&x| x as f32).collect();
    let f = read(free_energy(&machine(), Tensor::from_data(TensorData::new(v, [8, 3]), &Device::flex())));
    assert!((f[5] - by_hand).abs() < 1e-5, "F(1, 0, 1) = {}", f[5]);
    // e^{−F(v)} = Σ_h e^{−E(v, h)} for every v.
    for (k, v) in all.iter().enumerate() {
        let brute: f64 = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]].iter().map(|h| (-energy(v, h)).exp()).sum();
        assert!((-f[k] - brute.ln()).abs() < 1e-5, "v = {v:?}: F = {}, −ln Σ_h e^−E = {}", f[k], -brute.ln());
    }
}

#[test]
fn one_cd1_update_by_hand() {
    let v0 = [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]];
    // Fixed draws: first for h₀ (2 × 2), then for v₁ (2 × 3).
    let u_h = [[0.3, 0.9], [0.6, 0.2]];
    let u_v = [[0.5, 0.5, 0.1], [0.9, 0.2, 0.7]];
    let lr = 0.1;
    // Written out: h₀ ~ p(h | v₀), v₁ ~ p(v | h₀), then the probabilities p(h | v₁).
    let hp = |v: &[f64; 3]| -> [f64; 2] { [0, 1].map(|j| sigmoid(C[j] + (0..3).map(|i| v[i] * W[i][j]).sum::<f64>())) };
    let vp = |h: &[f64; 2]| -> [f64; 3] { [0, 1, 2].map(|i| sigmoid(B[i] + (0..2).map(|j| h[j] * W[i][j]).sum::<f64>())) };
    let mut dw = [[0.0; 2]; 3];
    let (mut db, mut dc) = ([0.0; 3], [0.0; 2]);
    for r in 0..2 {
        let h0p = hp(&v0[r]);
        let h0 = [0, 1].map(|j| if h0p[j] > u_h[r][j] { 1.0 } else { 0.0 });
        let v1p = vp(&h0);
        let v1 = [0, 1, 2].map(|i| if v1p[i] > u_v[r][i] { 1.0 } else { 0.0 });
        let h1p = hp(&v1);
        for i in 0..3 {
            for j in 0..2 {
                dw[i][j] += lr * (v0[r][i] * h0p[j] - v1[i] * h1p[j]) / 2.0;
            }
            db[i] += lr * (v0[r][i] - v1[i]) / 2.0;
        }
        for j in 0..2 {
            dc[j] += lr * (h0p[j] - h1p[j]) / 2.0;
        }
    }
    let device = Device::flex();
    let mut draws = vec![u_h.iter().flatten().copied().collect::<Vec<f64>>(), u_v.iter().flatten().copied().collect()].into_iter();
    let mut uniforms = |shape: [usize; 2]| {
        let values: Vec<f32> = draws.next().expect("two draws").into_iter().map(|v| v as f32).collect();
        assert_eq!(values.len(), shape[0] * shape[1]);
        Tensor::<2>::from_data(TensorData::new(values, shape), &device)
    };
    let v: Vec<f32> = v0.iter().flatten().map(|&x| x as f32).collect();
    let step = cd_update(&machine(), Tensor::from_data(TensorData::new(v, [2, 3]), &device), None, 1, lr, &mut uniforms);
    let w = step.rbm.weights.val().try_into_vec_as::<f32>().unwrap();
    for i in 0..3 {
        for j in 0..2 {
            assert!((w[i * 2 + j] as f64 - (W[i][j] + dw[i][j])).abs() < 1e-6, "W[{i}][{j}]");
        }
    }
    let b = read(step.rbm.visible_bias.val());
    let c = read(step.rbm.hidden_bias.val());
    for i in 0..3 {
        assert!((b[i] - (B[i] + db[i])).abs() < 1e-6, "b[{i}]");
    }
    for j in 0..2 {
        assert!((c[j] - (C[j] + dc[j])).abs() < 1e-6, "c[{j}]");
    }
}

#[test]
fn training_lowers_the_reconstruction_error_and_checkpoints_round_trip() {
    let config = RbmConfig { width: 6, height: 6, hidden: 8, ..RbmConfig::default() };
    let mut family = RbmFamily::new(config, &Device::flex(), 3).unwrap();
    // Two patterns: the left half or the top half lit.
    let x: Vec<f32> =
        (0..32).flat_map(|k| (0..36).map(move |p| if (k % 2 == 0 && p % 6 < 3) || (k % 2 == 1 && p < 18) { 1.0 } else { 0.0 })).collect();
    let labels = vec![0u8; 32];
    let first = family.train_step(&Batch { x: &x, n: 32, dims: &[1, 6, 6], labels: &labels }).unwrap();
    assert_eq!(first.len(), 4);
    let mut last = first.clone();
    family.set_knob("learning_rate", KnobValue::Real(0.1)).unwrap();
    for _ in 0..300 {
        last = family.train_step(&Batch { x: &x, n: 32, dims: &[1, 6, 6], labels: &labels }).unwrap();
    }
    assert!(last[0].1 < 0.6 * first[0].1, "reconstruction error {} → {}", first[0].1, last[0].1);
    let view = family.gibbs().unwrap();
    let chain = view.gibbs_chain(None, 4, 20, 5, 9).unwrap();
    assert_eq!(chain.len(), 5, "the start and every 5th of 20 steps");
    assert_eq!(chain, view.gibbs_chain(None, 4, 20, 5, 9).unwrap());
    assert_eq!(view.filters(8).unwrap().n, 8);
    let dir = std::env::temp_dir().join(format!("genlab-test-rbm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    family.save(&dir).unwrap();
    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "rbm");
    assert_eq!(loaded.sample(3, 1, None).unwrap(), family.sample(3, 1, None).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
