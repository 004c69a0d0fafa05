//! The diffusion process against diffusers: schedules, sampler timesteps, single DDIM and DDPM
//! steps and q(x_t | x₀). Expected values: tests/fixtures/diffusion.json, a copy of
//! ../shared/reference/diffusion.json, made with diffusers 0.42.1 (`DDPMScheduler`,
//! `DDIMScheduler`, torch 2.15 float32) on fixed inputs stored in the file; its README entry
//! says how. The statistics test at the end checks eq. 4 of Ho et al. 2020 by drawing.

use genlab::models::diffusion::process::add_noise;
use genlab::models::diffusion::sampler::{ddim_step, ddpm_step, previous_timestep, timesteps};
use genlab::models::diffusion::{Prediction, SamplerKind, Schedule, ScheduleKind, Spacing};
use genlab::rng::Rng;
use serde_json::Value;

fn fixture() -> Value {
    let path = format!("{}/tests/fixtures/diffusion.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn ints(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

/// |a − b| ≤ tol · max(1, |b|) element-wise, with the worst offender named.
fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let (i, err) = got
        .iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / w.abs().max(1.0))
        .enumerate()
        .fold((0, 0.0f32), |best, (i, e)| if e > best.1 { (i, e) } else { best });
    assert!(err <= tol, "{what}: element {i} is {} but diffusers has {} (relative error {err:e})", got[i], want[i]);
}

fn linear() -> Schedule {
    Schedule::new(ScheduleKind::Linear, 1000, 1e-4, 0.02).unwrap()
}

#[test]
fn schedules_equal_diffusers_to_1e_6() {
    // In fact bit for bit: the same float32 linspace and float64-accumulated cumprod as torch.
    let f = fixture();
    for (kind, key) in [(ScheduleKind::Linear, "linear"), (ScheduleKind::Cosine, "cosine")] {
        let s = Schedule::new(kind, 1000, 1e-4, 0.02).unwrap();
        let want = &f["schedules"][key];
        assert_close(&format!("{key} betas"), &s.betas, &floats(&want["betas"]), 1e-6);
        assert_close(&format!("{key} alphas_cumprod"), &s.alphas_cumprod, &floats(&want["alphas_cumprod"]), 1e-6);
        assert_eq!(s.alphas_cumprod, floats(&want["alphas_cumprod"]), "{key}: not bit-identical");
    }
    // The cosine schedule's cap bites at the last index only (the fixture's `clipped_indices`).
    let cosine = Schedule::new(ScheduleKind::Cosine, 1000, 1e-4, 0.02).unwrap();
    assert_eq!(cosine.betas[999], 0.999);
    assert!(cosine.betas[998] < 0.999);
}

#[test]
fn sampler_timesteps_equal_diffusers_for_every_spacing() {
    let f = &fixture()["ddim_timesteps"];
    assert_eq!(timesteps(1000, 50, Spacing::Leading, 0), ints(&f["leading"]));
    assert_eq!(timesteps(1000, 50, Spacing::Leading, 1), ints(&f["leading_steps_offset_1"]));
    assert_eq!(timesteps(1000, 50, Spacing::Trailing, 0), ints(&f["trailing"]));
    assert_eq!(timesteps(1000, 50, Spacing::Linspace, 0), ints(&f["linspace"]));
    // DDIM steps to t − T//N whatever the spacing; DDPM to the next listed step.
    let list = ints(&f["linspace"]);
    assert_eq!(previous_timestep(SamplerKind::Ddim, &list, 0, 1000), list[0] as i64 - 20);
    assert_eq!(previous_timestep(SamplerKind::Ddpm, &list, 0, 1000), list[1] as i64);
    assert_eq!(previous_timestep(SamplerKind::Ddpm, &list, 49, 1000), -1);
}

#[test]
fn ddim_steps_equal_diffusers() {
    let f = fixture();
    let (x_t, eps, noise) = (floats(&f["inputs"]["sample"]), floats(&f["inputs"]["model_output"]), floats(&f["inputs"]["noise"]));
    let s = linear();
    let cases = f["ddim_steps"]["steps"].as_array().unwrap();
    assert_eq!(cases.len(), 11);
    for case in cases {
        let t = case["timestep"].as_u64().unwrap() as usize;
        let prev = case["prev_timestep"].as_i64().unwrap();
        let eta = case["eta"].as_f64().unwrap();
        let clip = case["clip_sample"].as_bool().unwrap();
        let to_one = case["set_alpha_to_one"].as_bool().unwrap();
        let out = ddim_step(&s, Prediction::Epsilon, t, prev, &x_t, &eps, eta, &noise, clip, to_one);
        let what = format!("DDIM t={t} η={eta} clip={clip} alpha_to_one={to_one}");
        // float32 throughout, as diffusers; x̂₀ at t = 980 is ~580 in size, so compare relatively.
        assert_close(&format!("{what} x̂₀"), &out.pred_original_sample, &floats(&case["pred_original_sample"]), 2e-6);
        assert_close(&format!("{what} x_prev"), &out.prev_sample, &floats(&case["prev_sample"]), 2e-6);
    }
}

#[test]
fn ddpm_steps_equal_diffusers() {
    let f = fixture();
    let (x_t, eps, noise) = (floats(&f["inputs"]["sample"]), floats(&f["inputs"]["model_output"]), floats(&f["inputs"]["noise"]));
    let zeros = vec![0.0; noise.len()];
    let s = linear();
    let cases = f["ddpm_steps"]["steps"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let t = case["timestep"].as_u64().unwrap() as usize;
        let prev = case["prev_timestep"].as_i64().unwrap();
        let clip = case["clip_sample"].as_bool().unwrap();
        let what = format!("DDPM t={t} clip={clip}");
        let out = ddpm_step(&s, Prediction::Epsilon, t, prev, &x_t, &eps, &noise, clip);
        assert_close(&format!("{what} x̂₀"), &out.pred_original_sample, &floats(&case["pred_original_sample"]), 2e-6);
        assert_close(&format!("{what} x_prev"), &out.prev_sample, &floats(&case["prev_sample"]), 2e-6);
        // With z = 0 the step is the posterior mean μ̃ (Ho et al. 2020, eq. 7).
        let mean = ddpm_step(&s, Prediction::Epsilon, t, prev, &x_t, &eps, &zeros, clip).prev_sample;
        assert_close(&format!("{what} μ̃"), &mean, &floats(&case["posterior_mean"]), 2e-6);
    }
}

#[test]
fn add_noise_equals_diffusers() {
    let f = fixture();
    let s = linear();
    let ts = ints(&f["add_noise"]["timesteps_per_batch_element"]);
    let a: Vec<f32> = ts.iter().map(|&t| s.alpha_bar(t as i64)).collect();
    let got = add_noise(&floats(&f["inputs"]["sample"]), &floats(&f["inputs"]["model_output"]), &a, 16);
    assert_close("add_noise", &got, &floats(&f["add_noise"]["noisy_samples"]), 1e-6);
}

#[test]
fn forward_process_has_the_closed_form_mean_and_variance() {
    // q(x_t | x₀) = N(√ᾱ_t x₀, (1 − ᾱ_t) I) (Ho et al. 2020, eq. 4), checked by drawing 40,000
    // noisy copies of three values at three noise levels. The sample mean's standard error is
    // √((1 − ᾱ)/n) ≤ 0.005 and the variance's √(2/n)(1 − ᾱ) ≤ 0.0071 of it: 5 standard errors.
    let s = Schedule::new(ScheduleKind::Cosine, 1000, 1e-4, 0.02).unwrap();
    let x0 = [0.9f32, -0.3, 0.0];
    let n = 40_000;
    let mut rng = Rng::new(11);
    for t in [10usize, 500, 990] {
        let a = s.alpha_bar(t as i64);
        let xs: Vec<f32> = x0.iter().copied().cycle().take(3 * n).collect();
        let noise = rng.normal_vec(3 * n);
        let x_t = add_noise(&xs, &noise, &vec![a; n], 3);
        for (j, &x) in x0.iter().enumerate() {
            let vals: Vec<f64> = x_t.iter().skip(j).step_by(3).map(|&v| v as f64).collect();
            let mean = vals.iter().sum::<f64>() / n as f64;
            let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let (want_mean, want_var) = ((a as f64).sqrt() * x as f64, 1.0 - a as f64);
            let se_mean = (want_var / n as f64).sqrt();
            let se_var = (2.0 / n as f64).sqrt() * want_var;
            assert!((mean - want_mean).abs() < 5.0 * se_mean, "t={t}, x₀={x}: mean {mean} vs {want_mean}");
            assert!((var - want_var).abs() < 5.0 * se_var, "t={t}, x₀={x}: variance {var} vs {want_var}");
        }
    }
}

#[test]
fn the_three_predictions_describe_the_same_step() {
    // Given x_t and ᾱ, an ε-, x₀- or v-prediction made from the same (x₀, ε) gives back that
    // x₀ and ε (Salimans & Ho 2022, §4 for v).
    let (x0, eps, a) = ([0.5f32, -0.8], [1.2f32, 0.3], 0.3f32);
    let x_t = add_noise(&x0, &eps, &[a], 2);
    for p in Prediction::ALL {
        let out: Vec<f32> = x0.iter().zip(&eps).map(|(&x, &e)| p.target(a, x, e)).collect();
        let parts = p.parts(a, &x_t, &out);
        assert_close(&format!("{p:?} x₀"), &parts.x0, &x0, 1e-6);
        assert_close(&format!("{p:?} ε"), &parts.eps, &eps, 1e-6);
    }
}

#[test]
fn min_snr_weights_follow_the_paper() {
    // Hang et al. 2023, eq. 8, in the form diffusers' training scripts use
    // (`min(snr, γ) / snr` for ε, `/ (snr + 1)` for v, plain `min(snr, γ)` for x₀), with
    // SNR = ᾱ/(1 − ᾱ): ᾱ = 0.9 gives SNR 9 (clipped at γ = 5), ᾱ = 0.5 gives SNR 1 (not clipped).
    use genlab::models::diffusion::process::min_snr_weight;
    let close = |a: f32, b: f64| (a as f64 - b).abs() < 1e-6;
    assert!(close(min_snr_weight(Prediction::Epsilon, 0.9, 5.0), 5.0 / 9.0));
    assert!(close(min_snr_weight(Prediction::Epsilon, 0.5, 5.0), 1.0));
    assert!(close(min_snr_weight(Prediction::Sample, 0.9, 5.0), 5.0));
    assert!(close(min_snr_weight(Prediction::Sample, 0.5, 5.0), 1.0));
    assert!(close(min_snr_weight(Prediction::V, 0.9, 5.0), 5.0 / 10.0));
    assert!(close(min_snr_weight(Prediction::V, 0.5, 5.0), 0.5));
}
