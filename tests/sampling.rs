//! Temperature, top-k and top-p against the reference: tests/fixtures/sampling.json is a copy
//! of ../shared/reference/sampling.json (numpy float64, checked there against transformers'
//! TemperatureLogitsWarper, TopKLogitsWarper and TopPLogitsWarper).

use genlab::models::charlm::{SamplingSettings, draw, next_token_distribution, softmax_with_temperature, top_k_filter, top_p_filter};

fn fixture() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sampling.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn close(a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{a:?} vs {b:?}");
    }
}

#[test]
fn the_issue_numbers_at_t1_and_t_half() {
    // The issue's own rounding of softmax([2, 1, 0.5] / T).
    let logits = [2.0f32, 1.0, 0.5];
    close(&softmax_with_temperature(&logits, 1.0), &[0.628, 0.231, 0.140], 1e-3);
    close(&softmax_with_temperature(&logits, 0.5), &[0.844, 0.114, 0.042], 1e-3);
}

#[test]
fn temperature_top_k_and_top_p_match_the_fixture() {
    let f = fixture();
    let logits: Vec<f32> = floats(&f["logits"]).into_iter().map(|v| v as f32).collect();
    let k = f["top_k"].as_u64().unwrap() as usize;
    for case in f["cases"].as_array().unwrap() {
        let t = case["temperature"].as_f64().unwrap();
        let probs = softmax_with_temperature(&logits, t);
        // f32 logits in, f64 arithmetic: the fixture's logits are exact in f32.
        close(&probs, &floats(&case["probs"]), 1e-12);
        let mut top_k = probs.clone();
        top_k_filter(&mut top_k, k);
        close(&top_k, &floats(&case["top_k_2"]), 1e-12);
        for p in floats(&f["top_p"]) {
            let key = format!("top_p_{p}");
            let mut top_p = probs.clone();
            top_p_filter(&mut top_p, p);
            close(&top_p, &floats(&case[&key]), 1e-12);
            let kept: Vec<usize> = top_p.iter().enumerate().filter(|(_, q)| **q > 0.0).map(|(i, _)| i).collect();
            let expected: Vec<usize> =
                case[format!("{key}_kept_indices")].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
            assert_eq!(kept, expected, "T = {t}, {key}");
            // Through the combined function too (temperature first, then the filter).
            let settings = SamplingSettings { temperature: t, top_k: 0, top_p: p };
            close(&next_token_distribution(&logits, &settings), &floats(&case[&key]), 1e-12);
        }
    }
}

#[test]
fn top_p_tie_follows_the_stated_rule() {
    // The fixture's boundary case: probabilities 0.5, 0.25, 0.125, 0.125 at p = 0.75 keep
    // {0, 1} under "mass strictly above < p" (`rule_kept_indices`).
    let f = fixture();
    let ties = &f["boundary_behaviour"]["top_p_ties"];
    let mut probs = vec![0.5, 0.25, 0.125, 0.125];
    for case in ties["cases"].as_array().unwrap() {
        let p = case["top_p"].as_f64().unwrap();
        let mut q = probs.clone();
        top_p_filter(&mut q, p);
        let kept: Vec<u64> = q.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(i, _)| i as u64).collect();
        let rule: Vec<u64> = case["rule_kept_indices"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert_eq!(kept, rule, "p = {p}");
    }
    // transformers keeps every token tied with the k-th largest.
    probs = vec![0.2, 0.4, 0.4, 0.0];
    top_k_filter(&mut probs, 1);
    assert_eq!(probs, vec![0.0, 0.5, 0.5, 0.0]);
}

#[test]
fn greedy_and_inverse_cdf_draws() {
    let logits = [0.1f32, 3.0, 2.9];
    assert_eq!(softmax_with_temperature(&logits, 0.0), vec![0.0, 1.0, 0.0]);
    let probs = [0.2, 0.0, 0.5, 0.3];
    assert_eq!(draw(&probs, 0.0), 0);
    assert_eq!(draw(&probs, 0.19), 0);
    assert_eq!(draw(&probs, 0.2), 2, "a zero-probability token is never drawn");
    assert_eq!(draw(&probs, 0.69), 2);
    assert_eq!(draw(&probs, 0.71), 3);
    assert_eq!(draw(&probs, 0.999_999_999_999), 3);
}
