//! The 2-D GAN family on the CPU: the game runs under every objective, WGAN keeps its critic
//! clipped, the game can be switched live, and checkpoints round-trip exactly. (Mode coverage
//! on the ring, the acceptance test, comes with the GAN lab: see the issue note.)

use burn::tensor::Device;
use genlab::data::ToyKind;
use genlab::models::gan::{GanConfig, GanFamily, Objective};
use genlab::models::load_family;
use genlab::rng::Rng;
use genlab::train::checkpoint::{save, Progress};
use genlab::train::{Batch, Family, Samples};

fn steps(gan: &mut GanFamily, n: usize, seed: u64) -> Vec<(String, f64)> {
    let mut rng = Rng::new(seed);
    let mut terms = Vec::new();
    for _ in 0..n {
        let (pts, labels) = ToyKind::Ring8.sample(64, &mut rng);
        let x: Vec<f32> = pts.iter().flat_map(|p| [p[0], p[1]]).collect();
        terms = gan.train_step(&Batch { x: &x, n: 64, dims: &[2], labels: &labels }).unwrap();
    }
    terms
}

#[test]
fn every_objective_plays_a_finite_game_and_can_be_switched_live() {
    let mut gan = GanFamily::new(GanConfig { hidden: 32, ..GanConfig::default() }, &Device::flex(), 0).unwrap();
    for (i, objective) in Objective::ALL.iter().enumerate() {
        gan.set_hyper("objective", i as f64).unwrap();
        assert_eq!(gan.config().objective, *objective);
        let terms = steps(&mut gan, 20, i as u64);
        let names: Vec<&str> = terms.iter().map(|t| t.0.as_str()).collect();
        let d = if objective.is_probabilistic() { "D" } else { "critic" };
        assert_eq!(names, ["D loss", "G loss", &format!("{d}(real)"), &format!("{d}(fake)")]);
        assert!(terms.iter().all(|t| t.1.is_finite()), "{objective:?}: {terms:?}");
        if objective.is_probabilistic() {
            // D(real), D(fake) are mean probabilities.
            assert!(terms[2..].iter().all(|t| (0.0..=1.0).contains(&t.1)), "{terms:?}");
        }
    }
    assert!(gan.set_hyper("objective", 9.0).is_err());
    assert!(gan.set_hyper("label_smoothing", 0.7).is_err(), "ε ≥ 0.5 is refused");
}

#[test]
fn wgan_clips_every_critic_weight() {
    // After steps with a large learning rate, |critic(x)| stays within what weights in [−c, c]
    // allow. With c = 0.01, |x| ≤ 3 and width 16: layer 1 ≤ 2·3c + c = 0.07, layer 2 ≤
    // 16c·0.07 + c ≈ 0.021, output ≤ 16c·0.021 + c ≈ 0.013. Unclipped, the critic reaches O(1).
    let config = GanConfig { objective: Objective::Wgan, hidden: 16, layers: 2, lr_d: 0.05, ..GanConfig::default() };
    let mut gan = GanFamily::new(config, &Device::flex(), 3).unwrap();
    let terms = steps(&mut gan, 10, 1);
    let (real, fake) = (terms[2].1, terms[3].1);
    assert!(real.abs() < 0.05 && fake.abs() < 0.05, "critic outputs {real}, {fake} exceed what clipped weights allow");
}

#[test]
fn checkpoint_round_trip_gives_identical_samples() {
    let dir = std::env::temp_dir().join(format!("genlab-gan-ckpt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut gan = GanFamily::new(GanConfig { hidden: 32, ..GanConfig::default() }, &Device::flex(), 7).unwrap();
    steps(&mut gan, 30, 2);
    save(&gan, &Progress::default(), &dir).unwrap();
    let mut loaded = load_family(&dir, &Device::flex()).unwrap();
    assert_eq!(loaded.family_name(), "gan");
    let (a, b) = (gan.sample(100, 5, None).unwrap(), loaded.sample(100, 5, None).unwrap());
    match (a, b) {
        (Samples::Points(a), Samples::Points(b)) => assert_eq!(a, b),
        _ => panic!("a 2-D GAN draws points"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn generator_pull_equals_finite_differences_of_the_discriminator() {
    // On a tiny network, −∂ℓ_G/∂x from autodiff against central differences of ℓ_G computed
    // from D's output: ℓ = −ln D(x) for the non-saturating game (Goodfellow et al. 2014, §3),
    // ℓ = −critic(x) for WGAN (Arjovsky et al. 2017).
    for objective in [Objective::NonSaturating, Objective::Wgan] {
        // A loose clip (c = 1) so that the WGAN critic has gradients worth comparing.
        let config = GanConfig { hidden: 4, layers: 1, objective, clip: 1.0, ..GanConfig::default() };
        let mut gan = GanFamily::new(config, &Device::flex(), 11).unwrap();
        steps(&mut gan, 5, 4);
        let z = [0.3f32, -0.7, 1.1, 0.2, -0.5, -1.3];
        let view = gan.game().expect("a 2-D GAN has the game view");
        let (points, pull) = view.generator_pull(&z, 3).unwrap();
        let loss = |view: &mut dyn genlab::train::GameView, p: [f32; 2]| -> f64 {
            let d = view.critic_field(&[p]).unwrap()[0] as f64;
            if objective == Objective::Wgan { -d } else { -d.ln() }
        };
        assert!(pull.iter().any(|g| g[0].abs() + g[1].abs() > 1e-3), "a vanishing pull would make this test empty: {pull:?}");
        let h = 1e-2f32;
        for (p, g) in points.iter().zip(&pull) {
            for axis in 0..2 {
                let (mut plus, mut minus) = (*p, *p);
                plus[axis] += h;
                minus[axis] -= h;
                let numeric = -(loss(view, plus) - loss(view, minus)) / (2.0 * h as f64);
                assert!(
                    (numeric - g[axis] as f64).abs() < 1e-3 + 1e-2 * numeric.abs(),
                    "{objective:?} at {p:?}, axis {axis}: autodiff {} vs finite difference {numeric}",
                    g[axis]
                );
            }
        }
    }
}
