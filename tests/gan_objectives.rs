//! The GAN objectives against their closed forms on fixed logits. Expected values: the
//! fixture tests/fixtures/gan_losses.json (a copy of ../shared/reference/gan_losses.json,
//! numpy 2.4.6; each entry's `formula` cites the paper's equation: Goodfellow et al. 2014
//! eq. 1, Lim & Ye 2017, Mao et al. 2017 eq. 2, Arjovsky et al. 2017).

use burn::prelude::*;
use genlab::models::gan::Objective;

fn fixture() -> serde_json::Value {
    let path = format!("{}/tests/fixtures/gan_losses.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn tensor(v: &serde_json::Value) -> Tensor<1> {
    let values: Vec<f32> = v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), &Device::flex())
}

fn value(t: Tensor<1>) -> f64 {
    t.try_into_vec_as::<f32>().unwrap()[0] as f64
}

#[test]
fn each_objective_matches_its_closed_form() {
    let f = fixture();
    let (real, fake) = (tensor(&f["d_real_logits"]), tensor(&f["d_fake_logits"]));
    for (objective, key) in [
        (Objective::Minimax, "minimax"),
        (Objective::NonSaturating, "non_saturating"),
        (Objective::Hinge, "hinge"),
        (Objective::LeastSquares, "least_squares"),
        (Objective::Wgan, "wgan"),
    ] {
        let want = &f["losses"][key];
        let d = value(objective.d_loss(real.clone(), fake.clone(), 1.0));
        let g = value(objective.g_loss(fake.clone()));
        // f32 tensors against float64 numpy: 1e-5 relative.
        assert!((d - want["d"].as_f64().unwrap()).abs() <= 1e-5 * want["d"].as_f64().unwrap().abs(), "{key} D: {d} vs {}", want["d"]);
        assert!((g - want["g"].as_f64().unwrap()).abs() <= 1e-5 * want["g"].as_f64().unwrap().abs(), "{key} G: {g} vs {}", want["g"]);
    }
}

#[test]
fn one_sided_label_smoothing_moves_only_the_real_target() {
    // BCE with target 0.9 on a real logit r: −0.9 log σ(r) − 0.1 log σ(−r); fakes unchanged.
    let dev = Device::flex();
    let r = Tensor::<1>::from_data(TensorData::new(vec![2.0f32], [1]), &dev);
    let f = Tensor::<1>::from_data(TensorData::new(vec![-1.0f32], [1]), &dev);
    let sigma = |x: f64| 1.0 / (1.0 + (-x).exp());
    let want = -0.9 * sigma(2.0).ln() - 0.1 * (1.0 - sigma(2.0)).ln() - (1.0 - sigma(-1.0)).ln();
    let got = value(Objective::NonSaturating.d_loss(r, f, 0.9));
    assert!((got - want).abs() < 1e-6, "{got} vs {want}");
}
