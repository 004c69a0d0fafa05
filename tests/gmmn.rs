//! GMMN: the training loss is the MMD² of tests/fixtures/mmd.json (a copy of
//! ../shared/reference/mmd.json: numpy/scipy float64, Gretton et al. 2012 eq. 3 with a sum of
//! RBF kernels), the witness function points the right way, training pulls the generator onto
//! the ring, and checkpoints round-trip.

use burn::prelude::*;
use genlab::data::ToyKind;
use genlab::models::gmmn::{GmmnConfig, GmmnFamily, mmd2_biased, mmd2_unbiased, witness};
use genlab::models::load_family;
use genlab::rng::Rng;
use genlab::train::{Batch, Family, Samples};

fn fixture() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mmd.json")).unwrap()).unwrap()
}

fn rows(v: &serde_json::Value) -> (Vec<f32>, usize) {
    let rows = v.as_array().unwrap();
    (rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32)).collect(), rows.len())
}

fn tensor(values: Vec<f32>, n: usize) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [n, 2]), &Device::flex())
}

fn scalar(t: Tensor<1>) -> f64 {
    t.try_into_vec_as::<f32>().unwrap()[0] as f64
}

#[test]
fn loss_matches_the_mmd_fixture() {
    let f = fixture();
    let (x, n) = rows(&f["x"]);
    let (y, m) = rows(&f["y"]);
    for case in f["cases"].as_array().unwrap() {
        let bandwidths: Vec<f64> = case["bandwidths"].as_array().unwrap().iter().map(|b| b.as_f64().unwrap()).collect();
        let unbiased = scalar(mmd2_unbiased(tensor(x.clone(), n), tensor(y.clone(), m), &bandwidths));
        let biased = scalar(mmd2_biased(tensor(x.clone(), n), tensor(y.clone(), m), &bandwidths));
        // f32 sums of a few thousand kernel values.
        assert!((unbiased - case["mmd2_unbiased"].as_f64().unwrap()).abs() < 2e-5, "unbiased {unbiased} vs {}", case["mmd2_unbiased"]);
        assert!((biased - case["mmd2_biased"].as_f64().unwrap()).abs() < 2e-5, "biased {biased} vs {}", case["mmd2_biased"]);
        for single in case["per_bandwidth"].as_array().unwrap() {
            let s = [single["bandwidth"].as_f64().unwrap()];
            let u = scalar(mmd2_unbiased(tensor(x.clone(), n), tensor(y.clone(), m), &s));
            assert!((u - single["mmd2_unbiased"].as_f64().unwrap()).abs() < 2e-5, "σ = {}: {u}", s[0]);
        }
    }
}

#[test]
fn witness_is_positive_near_the_data_and_negative_near_the_generator() {
    let real = tensor(vec![0.0, 0.0, 0.1, 0.0, 0.0, 0.1], 3);
    let fake = tensor(vec![3.0, 3.0, 3.1, 3.0, 3.0, 3.1], 3);
    let points = tensor(vec![0.05, 0.05, 3.05, 3.05, 1.5, 1.5], 3);
    let w = witness(points, real, fake, &[0.5]).try_into_vec_as::<f32>().unwrap();
    assert!(w[0] > 0.5 && w[1] < -0.5 && w[2].abs() < 1e-3, "{w:?}");
}

#[test]
fn training_pulls_the_generator_onto_the_ring_and_checkpoints_round_trip() {
    let (points, labels) = ToyKind::Ring8.sample(4096, &mut Rng::new(1));
    let x: Vec<f32> = points.iter().flatten().copied().collect();
    let mut family = GmmnFamily::new(GmmnConfig::default(), &Device::flex(), 0).unwrap();
    let mut rng = Rng::new(2);
    let mut first = None;
    let mut last = 0.0;
    for _ in 0..400 {
        let s = rng.below(4096 - 256);
        let terms = family.train_step(&Batch { x: &x[2 * s..2 * (s + 256)], n: 256, dims: &[2], labels: &labels[s..s + 256] }).unwrap();
        assert_eq!(terms[0].0, "MMD²");
        first.get_or_insert(terms[0].1);
        last = terms[0].1;
    }
    let first = first.unwrap();
    assert!(last < first / 5.0, "MMD² {first} → {last}");
    let a = family.sample(50, 7, None).unwrap();
    assert_eq!(a, family.sample(50, 7, None).unwrap());
    let Samples::Points(p) = &a else { panic!("points") };
    // Most samples near the ring of radius 2.
    let near = p.iter().filter(|q| ((q[0] * q[0] + q[1] * q[1]).sqrt() - 2.0).abs() < 0.5).count();
    assert!(near > 35, "{near} of 50 samples near the ring");
    let dir = std::env::temp_dir().join(format!("genlab-test-gmmn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    family.save(&dir).unwrap();
    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "gmmn");
    assert_eq!(loaded.sample(50, 7, None).unwrap(), a);
    let _ = std::fs::remove_dir_all(&dir);
}
