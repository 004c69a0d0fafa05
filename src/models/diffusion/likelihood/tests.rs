use super::*;
use crate::models::diffusion::process::Prediction;
use crate::models::diffusion::sampler::ddpm_step;
use crate::models::diffusion::{Schedule, ScheduleKind};

fn assert_close(got: f64, want: f64, rel: f64, what: &str) {
    assert!((got - want).abs() <= rel * want.abs(), "{what}: {got} against {want}");
}

#[test]
fn normal_cdf_logs_match_mpmath() {
    // mpmath 1.3 at 60 digits, rounded to f64: log(ncdf(z)) for z < 0 and
    // log1p(−ncdf(−z)) for z ≥ 0; log(ncdf(b) − ncdf(a)), or log(ncdf(−a) − ncdf(−b)) when
    // a ≥ 0 (so that upper tails do not cancel in 1 − Φ).
    for (z, want) in [
        (-40.0, -804.6084420137538),
        (-5.0, -15.064998393988725),
        (-1.0, -1.8410216450092636),
        (0.0, -0.6931471805599453),
        (1.5, -0.06914345561223398),
        (10.0, -7.619853024160525e-24),
    ] {
        assert_close(ln_normal_cdf(z), want, 1e-12, &format!("ln Φ({z})"));
    }
    assert_eq!(ln_normal_cdf(f64::NEG_INFINITY), f64::NEG_INFINITY);
    assert_eq!(ln_normal_cdf(f64::INFINITY), 0.0);
    for (a, b, want) in [
        (f64::NEG_INFINITY, -0.3, -0.9621028181688507),
        (0.2, 0.5, -2.1874477600364584),
        (-0.4, 0.9, -0.7521297167771315),
        (30.0, 30.5, -454.3212442218851),
        (-31.0, -30.2, -460.3478739114085),
        (5.0, f64::INFINITY, -15.064998393988725),
    ] {
        assert_close(ln_normal_interval(a, b), want, 1e-12, &format!("ln(Φ({b}) − Φ({a}))"));
    }
}

#[test]
fn discretized_decoder_matches_mpmath_and_sums_to_one() {
    // mpmath 1.3 at 60 digits, rounded to f64: x = 2k/255 − 1, edges (x ± 1/255 − mean)/std,
    // ±∞ at k = 0 and 255, the bin's mass as in `normal_cdf_logs_match_mpmath`. (Ho et al.'s
    // tanh approximation gives −1.03497 for the second case and its floor, −27.63, for the
    // fourth.)
    for (level, mean, std, want) in [
        (0u8, -0.99, 0.0074, -1.5813049524787859),
        (128, 0.0, 0.0074, -1.0345080468477332),
        (255, 0.97, 0.0074, -8.456794365464294),
        (200, 0.2, 0.05, -29.894512740712223),
        (3, 0.5, 0.01, -10847.914225496963),
        (255, -1.0, 0.0074, -36386.43883889577),
    ] {
        assert_close(discretized_gaussian_log_likelihood(level, mean, std), want, 1e-12, &format!("level {level}"));
    }
    // The 256 bins partition the line: their masses add up to 1 wherever the Gaussian sits.
    for (mean, std) in [(0.3, 0.05), (-1.2, 0.0074), (0.999, 0.5)] {
        let total: f64 = (0..=255u8).map(|k| discretized_gaussian_log_likelihood(k, mean, std).exp()).sum();
        assert!((total - 1.0).abs() < 1e-12, "mean {mean}, std {std}: {total}");
    }
}

#[test]
fn gaussian_kls_match_torch() {
    // torch 2.15, float64: kl_divergence(Normal(m_q, √v_q), Normal(m_p, √v_p)).item().
    assert_close(gaussian_kl(0.3, 0.5, -0.2, 2.0), 0.3806471805599453, 1e-14, "KL");
    assert_close(gaussian_kl(1.0, 1e-4, 1.001, 1e-4), 0.004999999999998894, 1e-12, "equal variances");
    assert_eq!(gaussian_kl(0.0, 1.0, 0.0, 1.0), 0.0);
    // The same with Normal(√ᾱ x₀, √(1 − ᾱ)) against Normal(0, 1); the last also by mpmath
    // from ½ (ᾱ x₀² − ᾱ − ln(1 − ᾱ)): 5.000025000166669e-6 (torch's 5.000025000143912e-6
    // loses digits in ln(1 − ᾱ)).
    for (alpha_bar, x0, want) in [(0.81, 0.6, 0.5711656034108257), (0.5, -1.0, 0.34657359027997264), (1e-5, 1.0, 5.000025000166669e-6)] {
        assert_close(prior_kl(alpha_bar, x0), want, 1e-12, &format!("prior, ᾱ = {alpha_bar}"));
    }
    let general = gaussian_kl(0.81f64.sqrt() * 0.6, 1.0 - 0.81, 0.0, 1.0);
    assert_close(prior_kl(0.81, 0.6), general, 1e-14, "prior against the general KL");
}

#[test]
fn posterior_is_eqs_6_7_and_the_ddpm_samplers_step() {
    // By hand in float64 from eqs. 6-7, ᾱ_t = 0.8, ᾱ_{t−1} = 0.9.
    let q = Posterior::new(0.8, 0.9);
    assert_close(q.coef_x0, 0.5270462766947297, 1e-14, "c₀");
    assert_close(q.coef_xt, 0.4714045207910316, 1e-14, "c_t");
    assert_close(q.variance, 0.055555555555555525, 1e-13, "β̃");
    // The last step (ᾱ_{−1} = 1): the mean is x₀ itself and no variance is left.
    let last = Posterior::new(0.5, 1.0);
    assert_eq!((last.coef_x0, last.coef_xt, last.variance), (1.0, 0.0, 0.0));
    // The DDPM sampler's step from t to t − 1 with the model's x̂₀ (x₀-prediction, no
    // clamping) draws from N(c₀ x̂₀ + c_t x_t, β̃_t): its mean with z = 0 and its spread
    // between z = 0 and z = 1. f32 there, so to 1e-5.
    let schedule = Schedule::new(ScheduleKind::Linear, 1000, 1e-4, 0.02).unwrap();
    let t = 500;
    let q = Posterior::new(schedule.alpha_bar(t as i64) as f64, schedule.alpha_bar(t as i64 - 1) as f64);
    let (x_t, x0_hat) = ([0.4f32, -1.3], [0.9f32, -0.2]);
    let step = |z: f32| ddpm_step(&schedule, Prediction::Sample, t, t as i64 - 1, &x_t, &x0_hat, &[z, z], false).prev_sample;
    let (mean, shifted) = (step(0.0), step(1.0));
    for i in 0..2 {
        assert_close(mean[i] as f64, q.mean(x0_hat[i] as f64, x_t[i] as f64), 1e-5, "mean");
        assert_close(((shifted[i] - mean[i]) as f64).powi(2), q.variance, 1e-4, "variance");
    }
}

#[test]
fn strata_cover_every_middle_term_once() {
    for (timesteps, k) in [(1000, 64), (1000, 999), (1000, 5000), (20, 3), (20, 19), (20, 1), (2, 7), (1000, 0)] {
        let s = strata(timesteps, k);
        assert_eq!(s.len(), k.clamp(1, timesteps - 1), "T = {timesteps}, k = {k}");
        assert_eq!(s[0].start, 1);
        assert_eq!(s.last().unwrap().end, timesteps);
        assert!(s.windows(2).all(|w| w[0].end == w[1].start), "T = {timesteps}, k = {k}: {s:?}");
        let (lo, hi) = (s.iter().map(|r| r.len()).min().unwrap(), s.iter().map(|r| r.len()).max().unwrap());
        assert!(lo >= 1 && hi - lo <= 1, "T = {timesteps}, k = {k}: sizes {lo}-{hi}");
    }
    assert_eq!(strata(1000, 64)[0], 1..16, "⌊999/64⌋ = 15 terms in the first stratum");
    assert!(estimate_name(1000, 64).contains("64 of 999 middle terms"));
    assert!(estimate_name(20, 19).contains("all 20 timesteps"));
}

#[test]
fn pixels_round_to_8_bit_levels() {
    assert_eq!([0.0, 1.0 / 255.0, 0.5, 0.999, 1.0, -0.2, 1.7].map(pixel_level), [0, 1, 128, 255, 255, 0, 255]);
    assert_eq!(level_value(0), -1.0);
    assert_eq!(level_value(255), 1.0);
}
