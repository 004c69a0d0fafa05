//! The metrics against reference values from trusted libraries. The fixtures in
//! tests/fixtures/ are copies of ../shared/reference/{fid,prdc,mmd,inception_score}.json,
//! made by pytorch-fid 0.3.0, prdc 0.2, numpy 2.4.6 and torch-fidelity 0.4.0 (each file's
//! `libraries`, `method` and `formula` fields say exactly how).

use genlab::metrics::frechet::frechet_from_moments;
use genlab::metrics::{Features, frechet_distance, inception_score, mmd2, mode_coverage, prdc, softmax_rows};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn matrix(v: &Value, what: &str) -> Features {
    let rows: Vec<Vec<f64>> =
        v.as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()).collect();
    Features::from_rows(&rows, what).unwrap()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn assert_rel(actual: f64, expected: f64, tol: f64, what: &str) {
    let err = (actual - expected).abs() / expected.abs().max(1e-12);
    assert!(err <= tol, "{what}: got {actual}, expected {expected} (relative error {err:e})");
}

#[test]
fn frechet_distance_equals_pytorch_fid() {
    let f = fixture("fid.json");
    let case = &f["cases"][0];
    let (real, fake) = (matrix(&case["real"], "real"), matrix(&case["fake"], "fake"));
    // The moments first: np.mean and np.cov(rowvar=False).
    for (got, want) in real.mean().iter().zip(case["real_mean"].as_array().unwrap()) {
        assert!((got - num(want)).abs() < 1e-12);
    }
    let cov: Vec<f64> = case["fake_cov"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(num)).collect();
    for (got, want) in fake.covariance().iter().zip(&cov) {
        assert!((got - want).abs() < 1e-12);
    }
    let fid = frechet_distance(&real, &fake).unwrap();
    // pytorch_fid.fid_score.calculate_frechet_distance: 9.821495846820241
    assert_rel(fid.distance, num(&case["fid"]), 1e-10, "FID");
    let parts = &case["parts"];
    assert_rel(fid.mean_term, num(&parts["mean_sq_diff"]), 1e-10, "‖μ_r − μ_g‖²");
    assert_rel(fid.trace_sqrt_product, num(&parts["trace_sqrt_cov_product_scipy"]), 1e-10, "Tr sqrt(Σ_r Σ_g)");
    assert!(fid.warning.is_none(), "a well-conditioned case must not add εI");
}

#[test]
fn one_dimensional_fid_example() {
    // N(0, 1) vs N(0.5, 1.44): 0.5² + 1 + 1.44 − 2·√1.44 = 0.29 (fid.json, one_d_example).
    let f = fixture("fid.json");
    let ex = &f["one_d_example"];
    let fid = frechet_from_moments(&[0.0], &[1.0], 1000, &[0.5], &[1.44], 1000, 1);
    assert_rel(fid.distance, num(&ex["fid_closed_form"]), 1e-12, "1-D FID");
    assert_rel(fid.distance, 0.29, 1e-12, "1-D FID");
}

#[test]
fn identical_sets_give_zero_fid_and_perfect_precision_recall() {
    let f = fixture("prdc.json");
    let real = matrix(&f["cases"][0]["real"], "real");
    let fid = frechet_distance(&real, &real).unwrap();
    assert!(fid.distance.abs() < 1e-9, "FID of a set with itself: {}", fid.distance);
    let p = prdc(&real, &real, 5).unwrap();
    assert_eq!((p.precision, p.recall, p.coverage), (1.0, 1.0, 1.0));
}

#[test]
fn far_apart_sets_have_zero_recall_and_precision() {
    let f = fixture("prdc.json");
    let real = matrix(&f["cases"][0]["real"], "real");
    let shifted: Vec<f64> = real.data().iter().map(|v| v + 100.0).collect();
    let fake = Features::new(real.len(), real.dim(), shifted, "fake").unwrap();
    let p = prdc(&real, &fake, 5).unwrap();
    assert_eq!((p.precision, p.recall, p.density, p.coverage), (0.0, 0.0, 0.0, 0.0));
    // Each coordinate's mean moved by 100: FID ≥ 8 · 100².
    assert!(frechet_distance(&real, &fake).unwrap().distance > 8.0 * 1e4 - 1.0);
}

#[test]
fn precision_recall_density_coverage_equal_prdc() {
    let f = fixture("prdc.json");
    let case = &f["cases"][0];
    let (real, fake) = (matrix(&case["real"], "real"), matrix(&case["fake"], "fake"));
    let k = case["nearest_k"].as_u64().unwrap() as usize;
    // prdc.compute_prdc: precision 0.685, recall 0.965, density 0.452, coverage 0.7075.
    let p = prdc(&real, &fake, k).unwrap();
    assert_rel(p.precision, num(&case["precision"]), 1e-4, "precision");
    assert_rel(p.recall, num(&case["recall"]), 1e-4, "recall");
    assert_rel(p.density, num(&case["density"]), 1e-4, "density");
    assert_rel(p.coverage, num(&case["coverage"]), 1e-4, "coverage");
    let radii = genlab::metrics::prdc::radii(&real, k);
    for (got, want) in radii.iter().zip(case["real_radii"].as_array().unwrap()) {
        assert_rel(*got, num(want), 1e-9, "k-NN radius");
    }
}

#[test]
fn inception_score_equals_the_fixture() {
    let f = fixture("inception_score.json");
    let probs: Vec<f64> = f["probs"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(num)).collect();
    let logits: Vec<f64> = f["logits"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(num)).collect();
    // numpy / torch-fidelity isc_features_to_metric(shuffle=False): 2.4536448059292884, 1 split.
    let is = inception_score(&probs, 10, 1).unwrap();
    assert_rel(is.mean, num(&f["inception_score_mean"]), 1e-10, "IS from probabilities");
    assert_eq!(is.std, 0.0);
    let from_logits = inception_score(&softmax_rows(&logits, 10), 10, 1).unwrap();
    assert_rel(from_logits.mean, num(&f["inception_score_mean"]), 1e-6, "IS from logits");
    // Two splits: each split's score is itself a valid IS between 1 and the class count.
    let two = inception_score(&probs, 10, 2).unwrap();
    assert!(two.per_split.iter().all(|&v| (1.0..=10.0).contains(&v)) && two.std > 0.0);
}

#[test]
fn mmd_equals_the_fixture() {
    let f = fixture("mmd.json");
    let (x, y) = (matrix(&f["x"], "x"), matrix(&f["y"], "y"));
    let case = &f["cases"][0];
    let bandwidths: Vec<f64> = case["bandwidths"].as_array().unwrap().iter().map(num).collect();
    // numpy/scipy, Gretton et al. 2012 eq. 3: unbiased 0.1587559574958628, biased 0.20416985657515418.
    let m = mmd2(&x, &y, &bandwidths).unwrap();
    assert_rel(m.unbiased, num(&case["mmd2_unbiased"]), 1e-8, "MMD² unbiased");
    assert_rel(m.biased, num(&case["mmd2_biased"]), 1e-8, "MMD² biased");
    for single in case["per_bandwidth"].as_array().unwrap() {
        let m = mmd2(&x, &y, &[num(&single["bandwidth"])]).unwrap();
        assert_rel(m.unbiased, num(&single["mmd2_unbiased"]), 1e-8, "MMD² unbiased, one bandwidth");
        assert_rel(m.biased, num(&single["mmd2_biased"]), 1e-8, "MMD² biased, one bandwidth");
    }
}

#[test]
fn mode_coverage_counts_modes_and_high_quality_samples() {
    let modes: Vec<[f32; 2]> = (0..8).map(|i| [i as f32, 0.0]).collect();
    // 600 samples on modes 0..6 (100 each, 2σ off-centre: high quality), 100 far away.
    let mut samples: Vec<[f32; 2]> = (0..600).map(|i| [(i % 6) as f32, 0.04]).collect();
    samples.extend((0..100).map(|_| [3.5, 5.0]));
    let m = mode_coverage(&samples, &modes, 0.02).unwrap();
    assert_eq!((m.modes_covered, m.modes_total), (6, 8));
    assert!((m.high_quality - 600.0 / 700.0).abs() < 1e-12);
    // A mode with a single stray sample is not covered (PacGAN's threshold: a fifth of n/modes).
    samples.push([7.0, 0.0]);
    assert_eq!(mode_coverage(&samples, &modes, 0.02).unwrap().modes_covered, 6);
}

#[test]
fn near_singular_covariance_gets_epsilon_and_a_warning() {
    // 5 samples in 8 dimensions: the covariance has rank ≤ 4.
    let f = fixture("prdc.json");
    let real = matrix(&f["cases"][0]["real"], "real").head(5);
    let fake = matrix(&f["cases"][0]["fake"], "fake").head(5);
    let fid = frechet_distance(&real, &fake).unwrap();
    let warning = fid.warning.expect("a singular covariance must be reported");
    assert!(warning.contains("near-singular") && warning.contains("1e-6"), "{warning}");
    assert!(fid.distance.is_finite());
}

#[test]
fn bad_inputs_are_explained_not_panics() {
    let a = Features::new(10, 3, vec![0.5; 30], "a").unwrap();
    let b = Features::new(10, 4, vec![0.5; 40], "b").unwrap();
    assert!(frechet_distance(&a, &b).unwrap_err().contains("dimensions"));
    assert!(prdc(&a, &b, 5).unwrap_err().contains("dimensions"));
    let small = Features::new(5, 3, vec![0.1; 15], "small").unwrap();
    assert!(prdc(&a, &small, 5).unwrap_err().contains("too few"));
    let mut nan = vec![0.0; 6];
    nan[4] = f64::NAN;
    let err = Features::new(2, 3, nan, "features.csv").unwrap_err();
    assert!(err.contains("features.csv") && err.contains("row 2") && err.contains("NaN"), "{err}");
    assert!(Features::parse_csv("", "empty.csv").unwrap_err().contains("no feature rows"));
    let ragged = Features::parse_csv("1,2,3\n4,5\n", "ragged.csv").unwrap_err();
    assert!(ragged.contains("ragged.csv") && ragged.contains("line 2"), "{ragged}");
    assert!(Features::parse_csv("1,2\nx,3\n", "bad.csv").unwrap_err().contains("\"x\" is not a number"));
    // A header line is allowed.
    let with_header = Features::parse_csv("f0,f1\n1,2\n3,4\n", "h.csv").unwrap();
    assert_eq!((with_header.len(), with_header.dim()), (2, 2));
    assert!(inception_score(&[0.5, 0.5], 2, 3).is_err());
}

#[test]
fn the_mode_dropping_lesson_shows_the_metrics_disagreeing() {
    let lesson = genlab::eval::lesson::mode_dropping_lesson(1000, 0).unwrap();
    let [sharp, dropped, blurred] = [&lesson.cases[0].metrics, &lesson.cases[1].metrics, &lesson.cases[2].metrics];
    assert!(sharp.precision > 0.9 && sharp.recall > 0.9 && sharp.fid < 0.05, "{sharp:?}");
    // Mode dropping: realistic samples, half the data missed.
    assert!(dropped.precision > 0.9 && (0.4..0.6).contains(&dropped.recall), "{dropped:?}");
    assert!(blurred.recall > 0.9 && blurred.precision < 0.8, "{blurred:?}");
    // FID prefers the blurred generator; precision prefers the one that dropped a mode.
    assert!(blurred.fid < dropped.fid && blurred.precision < dropped.precision);
}
