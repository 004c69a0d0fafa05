//! Flow matching: the training target against values worked by hand, the two ODE solvers on a
//! linear field against their formulas and the exact solution, a short run on the ring (its
//! PyTorch twin: `python3 bench/flow_matching_reference.py --ring 1500`), the step-through,
//! checkpoints, the image model, `genlab train` / `genlab sample` as a user runs them, the
//! straightness of paths against hand-worked runs, and reflow (Liu et al. 2023, §2.2).

use std::path::PathBuf;
use std::process::Command;

use burn::prelude::*;
use genlab::data::ToyKind;
use genlab::models::flow_matching::ode::{Solver, euler_step, heun_step, integrate};
use genlab::models::flow_matching::path::{interpolate, predicted_data, predicted_noise, target_velocity};
use genlab::models::flow_matching::reflow::MAX_REFLOW_PAIRS;
use genlab::models::flow_matching::{Coupling, FlowMatchingConfig, FlowMatchingFamily};
use genlab::models::load_family;
use genlab::rng::Rng;
use genlab::train::{Batch, Family, KnobKind, KnobValue, Samples};
use genlab::views::straightness::{PathTally, of_trajectory};
use genlab::views::{Model, Trajectory, TrajectoryStep};

fn points(s: Samples) -> Vec<[f32; 2]> {
    match s {
        Samples::Points(p) => p,
        other => panic!("expected points, got {other:?}"),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("genlab-flow-matching-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_training_target_is_a_point_of_the_straight_line_and_its_velocity() {
    // Worked by hand from x_t = (1 − t) x₀ + t x₁ and u = x₁ − x₀ (Lipman et al. 2023, eqs.
    // 20-21 with σ_min = 0), two rows of 2 values; every number is exact in f32.
    //   row 0, t = 0.25: x_t = 0.75·(0.5, −1) + 0.25·(2, 0) = (0.875, −0.75), u = (1.5, 1)
    //   row 1, t = 1:    x_t = x₁ = (−3, 4),                                   u = (−4, 2)
    let x0 = [0.5, -1.0, 1.0, 2.0];
    let x1 = [2.0, 0.0, -3.0, 4.0];
    assert_eq!(interpolate(&x0, &x1, &[0.25, 1.0], 2), vec![0.875, -0.75, -3.0, 4.0]);
    assert_eq!(target_velocity(&x0, &x1), vec![1.5, 1.0, -4.0, 2.0]);
    // At t = 0 the point is the noise itself.
    assert_eq!(interpolate(&x0, &x1, &[0.0, 0.0], 2), x0.to_vec());
    // Moving with its own line's velocity, row 0 ends at x₁ and started at x₀: what the
    // step-through shows beside each x_t (0.875 + 0.75·1.5 = 2, 0.875 − 0.25·1.5 = 0.5).
    assert_eq!(predicted_data(&[0.875, -0.75], &[1.5, 1.0], 0.25), vec![2.0, 0.0]);
    assert_eq!(predicted_noise(&[0.875, -0.75], &[1.5, 1.0], 0.25), vec![0.5, -1.0]);
}

/// A = [[−0.5, −1], [1, −0.5]] = −I/2 + J, J the generator of rotations.
const A: [[f32; 2]; 2] = [[-0.5, -1.0], [1.0, -0.5]];

/// v(x, t) = A x on rows of 2 values.
fn linear_field(x: &[f32]) -> Vec<f32> {
    x.chunks(2).flat_map(|p| [A[0][0] * p[0] + A[0][1] * p[1], A[1][0] * p[0] + A[1][1] * p[1]]).collect()
}

/// The exact flow of dx/dt = A x: expm(A h) x = e^{−h/2} R(h) x, R(h) the rotation by h (−I/2
/// and J commute).
fn exact(x: [f64; 2], h: f64) -> [f64; 2] {
    let (c, s, d) = (h.cos(), h.sin(), (-0.5 * h).exp());
    [d * (c * x[0] - s * x[1]), d * (s * x[0] + c * x[1])]
}

fn distance(a: &[f32], b: [f64; 2]) -> f64 {
    ((a[0] as f64 - b[0]).powi(2) + (a[1] as f64 - b[1]).powi(2)).sqrt()
}

#[test]
fn euler_and_heun_on_a_linear_field_follow_their_formulas_and_their_orders() {
    let field = |x: &[f32], _t: f32| Ok::<_, String>(linear_field(x));
    // One step each at x = (1, 2), h = 1/4, in numbers exact in f32 (multiples of 1/128):
    // A x = (−2.5, 0), so Euler gives x + h A x = (0.375, 2); A (x + h A x) = (−2.1875, −0.625),
    // so Heun gives x + h/2 (A x + A (x + h A x)) = (1 − 0.125·4.6875, 2 − 0.125·0.625).
    let x = [1.0f32, 2.0];
    assert_eq!(euler_step(field, &x, 0.0, 0.25).unwrap(), vec![0.375, 2.0]);
    assert_eq!(heun_step(field, &x, 0.0, 0.25).unwrap(), vec![0.4140625, 1.921875]);

    // The local error against expm(A h) x: O(h²) for Euler, O(h³) for Heun, so halving h
    // divides it by about 4 and 8. numpy in f32 gives 3.97 and 7.95 (h = 0.1 against 0.05).
    let local = |solver: Solver, h: f32| {
        let step = match solver {
            Solver::Euler => euler_step(field, &x, 0.0, h),
            Solver::Heun => heun_step(field, &x, 0.0, h),
        };
        distance(&step.unwrap(), exact([1.0, 2.0], h as f64))
    };
    for (solver, order) in [(Solver::Euler, 4.0), (Solver::Heun, 8.0)] {
        let (coarse, fine) = (local(solver, 0.1), local(solver, 0.05));
        let ratio = coarse / fine;
        let why = format!("{solver:?}: local error {coarse:e} at h = 0.1, {fine:e} at h = 0.05: ratio {ratio:.2}");
        assert!((ratio - order).abs() < 0.1 * order, "{why}");
    }

    // Over the whole of [0, 1] the errors add up to O(h) and O(h²): 10 steps against 20 give
    // ratios of about 2 and 4 (numpy in f32: 2.05 and 4.07). `integrate` visits each step's
    // start time once.
    for (solver, order) in [(Solver::Euler, 2.0), (Solver::Heun, 4.0)] {
        let mut errors = Vec::new();
        for steps in [10, 20] {
            let mut times = Vec::new();
            let end = integrate(solver, steps, x.to_vec(), field, |t, _, _| times.push(t)).unwrap();
            let want: Vec<f32> = (0..steps).map(|k| (k as f64 / steps as f64) as f32).collect();
            assert_eq!(times, want, "{solver:?}, {steps} steps");
            errors.push(distance(&end, exact([1.0, 2.0], 1.0)));
        }
        let ratio = errors[0] / errors[1];
        assert!((ratio - order).abs() < 0.15 * order, "{solver:?}: global errors {errors:?}: ratio {ratio:.2}");
    }
}

/// The mean distance from each sample to the nearest of the ring's eight modes.
fn mean_distance_to_modes(samples: &[[f32; 2]]) -> f64 {
    let (modes, _) = ToyKind::Ring8.modes().unwrap();
    let nearest = |p: &[f32; 2]| modes.iter().map(|m| ((p[0] - m[0]).powi(2) + (p[1] - m[1]).powi(2)).sqrt()).fold(f32::MAX, f32::min);
    samples.iter().map(|p| nearest(p) as f64).sum::<f64>() / samples.len() as f64
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn a_short_run_on_the_ring_lowers_the_loss_and_brings_the_samples_onto_the_modes() {
    // The PyTorch twin of this model (bench/flow_matching_reference.py --ring 1500, seeds 0, 1
    // and 2) goes from a mean distance to the nearest mode of 0.96 untrained to 0.083-0.098
    // with Euler-50 and 0.084-0.096 with Heun-25 after 1,500 steps at batch 256; its loss from
    // 2.6 over the first 50 steps to 1.70 over the last 50 (it cannot reach 0: many lines
    // cross each point). The bounds leave room for burn's other initial weights.
    let mut model = FlowMatchingFamily::new(FlowMatchingConfig::default(), &Device::flex(), 0).unwrap();
    let untrained = mean_distance_to_modes(&points(model.sample(1000, 5, None).unwrap()));
    let (pts, labels) = ToyKind::Ring8.sample(20_000, &mut Rng::new(1));
    let x: Vec<f32> = pts.iter().flatten().copied().collect();
    let mut rng = Rng::new(2);
    let mut losses = Vec::new();
    for _ in 0..1500 {
        let s = rng.below(pts.len() - 256);
        let terms = model.train_step(&Batch { x: &x[2 * s..2 * (s + 256)], n: 256, dims: &[2], labels: &labels[s..s + 256] }).unwrap();
        assert_eq!(terms[0].0, "loss");
        assert!(terms[0].1.is_finite(), "{terms:?}");
        losses.push(terms[0].1);
    }
    let (first, last) = (mean(&losses[..20]), mean(&losses[losses.len() - 100..]));
    assert!(last < 0.8 * first, "the loss went from {first:.3} (first 20 steps) to {last:.3} (last 100)");
    for (solver, steps) in [(Solver::Euler, 50), (Solver::Heun, 25)] {
        model.set_knob("solver", KnobValue::choice_of(&Solver::ALL, solver)).unwrap();
        model.set_knob("sample_steps", KnobValue::Whole(steps)).unwrap();
        let trained = mean_distance_to_modes(&points(model.sample(1000, 5, None).unwrap()));
        assert!(
            trained < 0.25 && trained < untrained / 3.0,
            "{solver:?}-{steps}: mean distance to the nearest mode {trained:.3} after 1,500 steps, {untrained:.3} untrained"
        );
    }
    // The loss by time t has a value in every tenth of [0, 1] after 1,500 batches of 256.
    let buckets = model.denoising().unwrap().loss_by_t();
    assert!(buckets.len() == 10 && buckets.iter().all(|b| b.loss.is_finite() && b.loss > 0.0), "{buckets:?}");
}

#[test]
fn the_step_through_keeps_every_solver_step_and_ends_at_the_samples() {
    let mut model = FlowMatchingFamily::new(FlowMatchingConfig::default(), &Device::flex(), 3).unwrap();
    model.set_knob("sample_steps", KnobValue::Whole(8)).unwrap();
    let noise = Rng::new(9).normal_vec(40);
    let noise: Vec<[f32; 2]> = noise.chunks(2).map(|p| [p[0], p[1]]).collect();
    for solver in Solver::ALL {
        model.set_knob("solver", KnobValue::choice_of(&Solver::ALL, solver)).unwrap();
        let samples = model.sample(20, 9, None).unwrap();
        let view = model.denoising().expect("flow matching offers the step-through");
        assert_eq!(view.timesteps(), 1000, "t is counted in thousandths");
        let run = view.trajectory(20, 9, None).unwrap();
        let ts: Vec<usize> = run.steps.iter().map(|s| s.t).collect();
        assert_eq!(ts, [0, 125, 250, 375, 500, 625, 750, 875], "{solver:?}: from noise up, one entry a step");
        assert_eq!(run.result, samples, "{solver:?}: the run ends at the samples of the same seed");
        assert_eq!(points(run.steps[0].x_t.clone()), noise, "{solver:?}: it starts at the seeded N(0, I) draw");
    }
    // The knobs: Adam's step size, the solver by name, and the step count; bad values are
    // refused naming the knob.
    let knobs = model.knobs();
    let names: Vec<&str> = knobs.iter().map(|k| k.name).collect();
    assert_eq!(names, ["learning_rate", "solver", "sample_steps"]);
    assert_eq!(knobs[1].kind, KnobKind::Choice { options: vec!["Euler", "Heun"] });
    assert!(model.set_knob("sample_steps", KnobValue::Whole(0)).unwrap_err().contains("sampling steps"));
    assert!(model.set_knob("solver", KnobValue::Choice(2)).unwrap_err().contains("ODE solver"));

    // A long solve keeps at most MAX_RECORDED evenly spaced steps, still ending at the samples.
    model.set_knob("sample_steps", KnobValue::Whole(1000)).unwrap();
    let samples = model.sample(4, 2, None).unwrap();
    let run = model.denoising().unwrap().trajectory(4, 2, None).unwrap();
    let max = genlab::models::flow_matching::family::MAX_RECORDED;
    assert!(run.steps.len() <= max && run.steps.len() >= max / 2, "{} steps kept of 1,000", run.steps.len());
    assert!(run.steps.windows(2).all(|w| w[1].t - w[0].t == 5), "evenly spaced: every 5th thousandth");
    assert_eq!(run.result, samples);
}

#[test]
fn a_checkpoint_round_trips_to_the_same_samples() {
    let mut model = FlowMatchingFamily::new(FlowMatchingConfig::default(), &Device::flex(), 4).unwrap();
    let (pts, labels) = ToyKind::Ring8.sample(256, &mut Rng::new(5));
    let x: Vec<f32> = pts.iter().flatten().copied().collect();
    for _ in 0..30 {
        model.train_step(&Batch { x: &x, n: 256, dims: &[2], labels: &labels }).unwrap();
    }
    // The sampler's settings are part of the checkpoint.
    model.set_knob("solver", KnobValue::choice_of(&Solver::ALL, Solver::Heun)).unwrap();
    model.set_knob("sample_steps", KnobValue::Whole(12)).unwrap();
    let before = model.sample(200, 11, None).unwrap();
    let dir = temp_dir("checkpoint");
    std::fs::create_dir_all(&dir).unwrap();
    model.save(&dir).unwrap();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(json["family"], "flow-matching");
    assert_eq!(json["config"]["solver"], "heun");
    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "flow-matching");
    assert_eq!(loaded.knobs(), model.knobs());
    assert_eq!(loaded.sample(200, 11, None).unwrap(), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_checkpoint_asking_for_a_bad_network_is_refused_naming_the_field() {
    let cases = [
        (serde_json::json!({ "hidden": 100_000_000 }), "hidden"),
        (serde_json::json!({ "sample_steps": 0 }), "sample_steps"),
        (serde_json::json!({ "solver": "rk4" }), "solver"),
        (serde_json::json!({ "arch": "unet", "data_dim": 784, "width": 28, "height": 28, "channels": 12 }), "multiple of 8"),
    ];
    for (i, (config, says)) in cases.into_iter().enumerate() {
        let dir = temp_dir(&format!("bad-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let json = serde_json::json!({ "family": "flow-matching", "config": config });
        std::fs::write(dir.join("config.json"), json.to_string()).unwrap();
        let err = load_family(&dir, &Device::flex()).err().unwrap_or_else(|| panic!("{json} was loaded"));
        assert!(err.contains(says) && err.contains("config.json"), "{json}: {err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn the_image_model_trains_and_samples_images_in_the_unit_range() {
    // The diffusion family's UNet at its smallest (8×8 images, width 8), two Heun steps.
    let config = FlowMatchingConfig { channels: 8, time_dim: 32, sample_steps: 2, ..FlowMatchingConfig::images(8, 8) };
    let mut model = FlowMatchingFamily::new(config, &Device::flex(), 1).unwrap();
    let mut rng = Rng::new(3);
    let x: Vec<f32> = (0..4 * 64).map(|_| rng.uniform() as f32).collect();
    let labels = [0u8; 4];
    let terms = model.train_step(&Batch { x: &x, n: 4, dims: &[1, 8, 8], labels: &labels }).unwrap();
    assert!(terms[0].1.is_finite() && terms[0].1 > 0.0, "{terms:?}");
    let Samples::Images(batch) = model.sample(3, 5, None).unwrap() else { panic!("an image model samples images") };
    assert_eq!((batch.n, batch.width, batch.height, batch.pixels.len()), (3, 8, 8, 192));
    assert!(batch.pixels.iter().all(|p| (0.0..=1.0).contains(p)), "pixels are mapped back from [−1, 1] to [0, 1]");
    // Data of another size is refused with a sentence, not a panic.
    let err = model.train_step(&Batch { x: &x[..8], n: 4, dims: &[2], labels: &labels }).unwrap_err();
    assert!(err.contains("values per example"), "{err}");
}

fn genlab() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_genlab"));
    cmd.arg("--device").arg("cpu");
    cmd
}

#[test]
fn genlab_trains_then_samples_a_flow_matching_model() {
    let out = temp_dir("cli");
    let run =
        genlab().args(["train", "--family", "flow-matching", "--dataset", "ring8", "--steps", "50", "--out"]).arg(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("flow matching on straight paths"), "the model is described: {stderr}");
    let csv = std::fs::read_to_string(out.join("losses.csv")).unwrap();
    assert!(csv.starts_with("step,loss\n"), "{csv}");
    assert_eq!(csv.lines().count(), 51);
    for file in ["samples.png", "velocity.bpk", "config.json", "progress.json"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }

    // Sampling sets the step count (the --steps of diffusion's samplers) and writes the run
    // step by step as a GIF, as for diffusion.
    let (png, gif) = (out.join("more.png"), out.join("steps.gif"));
    let run = genlab()
        .args(["sample", "--n", "100", "--steps", "10", "--seed", "3", "--checkpoint"])
        .arg(&out)
        .arg("--out")
        .arg(&png)
        .arg("--gif")
        .arg(&gif)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (480, 480), "a scatter plot of the samples");
    assert!(gif.is_file());

    // Diffusion's samplers are not ODE solvers: --sampler is refused, named.
    let never = out.join("never.png");
    let run = genlab().args(["sample", "--sampler", "ddim", "--out"]).arg(&never).arg("--checkpoint").arg(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success() && stderr.contains("--sampler"), "{stderr}");
    // So is a training flag the family does not take, naming the ones it does.
    let bad = temp_dir("cli-bad");
    let args = ["train", "--family", "flow-matching", "--dataset", "ring8", "--timesteps", "10", "--out"];
    let run = genlab().args(args).arg(&bad).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success() && stderr.contains("--timesteps") && stderr.contains("--hidden"), "{stderr}");
    let _ = std::fs::remove_dir_all(&out);
}

/// A run kept step by step as a step-through keeps it: `states[k]` holds every path's point at
/// step k, the last state being the result.
fn run_of(states: &[Vec<[f32; 2]>]) -> Trajectory {
    let (result, steps) = states.split_last().expect("at least one state");
    let step = |(k, x): (usize, &Vec<[f32; 2]>)| TrajectoryStep { t: k, x_t: Samples::Points(x.clone()), x0: Samples::Points(x.clone()) };
    Trajectory { steps: steps.iter().enumerate().map(step).collect(), result: Samples::Points(result.clone()) }
}

#[test]
fn a_straight_run_has_straightness_0_and_length_ratio_1() {
    // Two straight lines at constant speed in 4 equal steps (Δτ = 1/4), through the one-pass
    // form S = Σ ‖Δx‖²/Δτ − ‖c‖² of `views::straightness`:
    //   (0, 0) → (4, −2) by (1, −0.5) a step: 4 · 1.25 / 0.25 − 20 = 0, length 4·√1.25 = √20;
    //   (1, 1) → (1, 9) by (0, 2) a step:     4 · 4 / 0.25 − 64 = 0, length 8 = chord.
    let states: Vec<Vec<[f32; 2]>> = (0..=4).map(|k| k as f32).map(|k| vec![[k, -0.5 * k], [1.0, 1.0 + 2.0 * k]]).collect();
    let s = of_trajectory(&run_of(&states)).unwrap();
    assert_eq!(s.paths, 2);
    assert!(s.straightness.abs() < 1e-9 && (s.length_ratio - 1.0).abs() < 1e-9, "{s:?}");
    // Straight, but not at constant speed: (0, 0) → (3, 0) → (4, 0) in two equal steps, velocities
    // (6, 0) then (2, 0) against c = (4, 0): S = ½·(4 − 6)² + ½·(4 − 2)² = 4, while the ratio
    // 4 / 4 = 1 cannot see speed.
    let s = of_trajectory(&run_of(&[vec![[0.0, 0.0]], vec![[3.0, 0.0]], vec![[4.0, 0.0]]])).unwrap();
    assert!((s.straightness - 4.0).abs() < 1e-9 && (s.length_ratio - 1.0).abs() < 1e-9, "{s:?}");
}

#[test]
fn a_bent_run_has_the_straightness_worked_by_hand() {
    // Path 0 turns a right angle, (0, 0) → (1, 0) → (1, 1) in two equal steps (Δτ = 1/2):
    // velocities d₁ = (2, 0), d₂ = (0, 2) against the chord c = (1, 1), so
    //   S₀ = ½‖(1, 1) − (2, 0)‖² + ½‖(1, 1) − (0, 2)‖² = ½·2 + ½·2 = 2, length 2, chord √2.
    // Path 1 is straight at constant speed, (0, 0) → (0, −1) → (0, −2): S₁ = 0, length 2 = chord.
    // Mean S = (2 + 0) / 2 = 1; length ratio (2 + 2) / (√2 + 2) = 4 − 2√2 ≈ 1.1716.
    let run = run_of(&[vec![[0.0, 0.0], [0.0, 0.0]], vec![[1.0, 0.0], [0.0, -1.0]], vec![[1.0, 1.0], [0.0, -2.0]]]);
    let s = of_trajectory(&run).unwrap();
    assert!((s.straightness - 1.0).abs() < 1e-9, "{s:?}");
    assert!((s.length_ratio - (4.0 - 2.0 * 2f64.sqrt())).abs() < 1e-9, "{s:?}");

    // Path 0 timed unevenly: the corner at t = 0.25, so d₁ = (4, 0) for a quarter of the run and
    // d₂ = (0, 4/3) for three quarters:
    //   S = ¼‖(1, 1) − (4, 0)‖² + ¾‖(1, 1) − (0, 4/3)‖² = ¼·10 + ¾·(1 + 1/9) = 5/2 + 5/6 = 10/3,
    // and by the one-pass form 1/0.25 + 1/0.75 − 2 = 10/3 too; the ratio stays √2. The times
    // need not start at 0: the run is rescaled to [0, 1].
    let path: [(f64, [f32; 2]); 3] = [(2.0, [0.0, 0.0]), (2.5, [1.0, 0.0]), (4.0, [1.0, 1.0])];
    let mut tally = PathTally::new(1, 2).unwrap();
    for (t, x) in path {
        tally.visit(t, &x).unwrap();
    }
    let s = tally.finish().unwrap();
    assert!((s.straightness - 10.0 / 3.0).abs() < 1e-9 && (s.length_ratio - 2f64.sqrt()).abs() < 1e-9, "{s:?}");

    // Refused with a sentence: one state, times that do not increase, a state of another size,
    // no paths, a run with no steps, text.
    let mut tally = PathTally::new(1, 2).unwrap();
    tally.visit(0.5, &[0.0, 0.0]).unwrap();
    assert!(tally.finish().unwrap_err().contains("two states"));
    assert!(tally.visit(0.5, &[1.0, 0.0]).unwrap_err().contains("increase"));
    assert!(tally.visit(0.7, &[1.0]).is_err());
    assert!(PathTally::new(0, 2).is_err());
    assert!(of_trajectory(&Trajectory { steps: Vec::new(), result: Samples::Points(vec![[0.0, 0.0]]) }).is_err());
    let text = Samples::Text(vec!["ab".into()]);
    let step = TrajectoryStep { t: 0, x_t: text.clone(), x0: text.clone() };
    assert!(of_trajectory(&Trajectory { steps: vec![step], result: text }).unwrap_err().contains("text"));
}

#[test]
fn the_models_straightness_is_read_from_its_own_solver_run() {
    // Euler with 50 steps: the step-through keeps every step, evenly spaced, so the view's run
    // measured by `of_trajectory` and the solver's own states give one number; both start from
    // the seeded noise of `sample(300, 4)`.
    let mut model = FlowMatchingFamily::new(FlowMatchingConfig::default(), &Device::flex(), 6).unwrap();
    let own = model.straightness(300, 4).unwrap();
    let viewed = of_trajectory(&model.denoising().unwrap().trajectory(300, 4, None).unwrap()).unwrap();
    assert_eq!((own.paths, viewed.paths), (300, 300));
    assert!((own.straightness - viewed.straightness).abs() <= 1e-6 * (1.0 + own.straightness), "{own:?} against {viewed:?}");
    assert!((own.length_ratio - viewed.length_ratio).abs() <= 1e-6 * own.length_ratio, "{own:?} against {viewed:?}");
    assert!(own.straightness >= 0.0 && own.length_ratio >= 1.0, "{own:?}");
    assert!(model.straightness(0, 4).is_err(), "no paths");
}

#[test]
fn reflow_trains_on_the_models_own_pairs_of_noise_and_sample() {
    let mut model = FlowMatchingFamily::new(FlowMatchingConfig::default(), &Device::flex(), 8).unwrap();
    let (pts, labels) = ToyKind::Ring8.sample(256, &mut Rng::new(5));
    let x: Vec<f32> = pts.iter().flatten().copied().collect();
    for _ in 0..100 {
        model.train_step(&Batch { x: &x, n: 256, dims: &[2], labels: &labels }).unwrap();
    }
    assert_eq!((model.coupling(), model.reflow_pairs()), (Coupling::Independent, None));

    model.reflow(300, 21).unwrap();
    assert_eq!(model.coupling(), Coupling::Reflow);
    let pairs = model.reflow_pairs().unwrap().clone();
    assert_eq!((pairs.len(), pairs.dim), (300, 2));
    // Each pair starts at the seeded noise z that `sample(300, 21)` starts from and ends at the
    // model's own sample from it: x₁ = ODE(z).
    assert_eq!(pairs.x0, Rng::new(21).normal_vec(600));
    let samples: Vec<f32> = points(model.sample(300, 21, None).unwrap()).into_iter().flatten().collect();
    assert_eq!(pairs.x1, samples);
    assert_eq!(pairs.x1, model.solve(&pairs.x0).unwrap());

    // Training now regresses along those pairs and leaves the batch's data unused: on points far
    // off at (50, 50) the loss stays that of the pairs (the ring's scale, under 10), where
    // independent pairs ask for velocities near (50, 50) − x₀, a loss near 50² = 2,500.
    let far = vec![50.0f32; 512];
    let off = Batch { x: &far, n: 256, dims: &[2], labels: &labels };
    for _ in 0..5 {
        let loss = model.train_step(&off).unwrap()[0].1;
        assert!(loss < 10.0, "on reflow pairs: loss {loss}");
    }
    assert_eq!(model.reflow_pairs(), Some(&pairs), "the pairs stay fixed while training");
    model.set_knob("coupling", KnobValue::Choice(0)).unwrap();
    assert_eq!((model.coupling(), model.reflow_pairs()), (Coupling::Independent, None));
    let loss = model.train_step(&off).unwrap()[0].1;
    assert!(loss > 500.0, "on independent pairs: loss {loss}");
}

#[test]
fn reflow_refuses_a_bad_number_of_pairs_and_image_models_with_a_sentence() {
    let mut model = FlowMatchingFamily::new(FlowMatchingConfig::default(), &Device::flex(), 2).unwrap();
    for count in [0, MAX_REFLOW_PAIRS + 1, usize::MAX] {
        let err = model.reflow(count, 1).unwrap_err();
        assert!(err.contains("pairs") && err.contains(&MAX_REFLOW_PAIRS.to_string()), "{count}: {err}");
    }
    // The tab's button reaches the model through two settings its knobs do not list.
    for m in [0, -3, MAX_REFLOW_PAIRS as i64 + 1] {
        let err = model.set_knob("reflow_pairs", KnobValue::Whole(m)).unwrap_err();
        assert!(err.contains(&format!("not {m}")), "{m}: {err}");
    }
    assert!(model.set_knob("reflow_pairs", KnobValue::Real(10.0)).is_err());
    assert!(model.set_knob("coupling", KnobValue::Choice(2)).is_err());
    assert!(model.reflow_pairs().is_none(), "a refusal changes nothing");
    model.set_knob("reflow_pairs", KnobValue::Whole(64)).unwrap();
    model.set_knob("coupling", KnobValue::Choice(1)).unwrap();
    assert_eq!(model.reflow_pairs().map(|p| p.len()), Some(64), "choosing reflow pairs again keeps the ones drawn");
    assert!(model.knobs().iter().all(|k| k.name != "reflow_pairs" && k.name != "coupling"));

    // Each pair is a whole ODE run: image models are refused, with the reason.
    let config = FlowMatchingConfig { channels: 8, time_dim: 32, sample_steps: 2, ..FlowMatchingConfig::images(8, 8) };
    let mut images = FlowMatchingFamily::new(config, &Device::flex(), 1).unwrap();
    let err = images.reflow(16, 1).unwrap_err();
    assert!(err.contains("2-D"), "{err}");
    assert!(images.set_knob("reflow_pairs", KnobValue::Whole(16)).is_err() && images.reflow_pairs().is_none());
}
