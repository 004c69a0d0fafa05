//! The built-in lesson on mode dropping: three "generators" on a mixture of two sharp 2-D
//! clusters, chosen so that the metrics disagree (as in Kynkäänniemi et al. 2019, Fig. 1 and
//! Naeem et al. 2020, §3):
//! - **both clusters, sharp**: the real distribution itself; every metric near its best.
//! - **one cluster only**: every sample is realistic (precision ≈ 1) but half of the real
//!   data has no samples near it (recall ≈ 0.5): mode dropping.
//! - **both clusters, blurred**: all of the data is covered (recall ≈ 1) but many samples
//!   land where no real data is (precision drops).
//!
//! FID folds both failures into one number: here it scores the blurred generator far better
//! than the one that dropped a mode, while precision ranks them the other way round. One
//! number cannot say *which* way a model fails; precision and recall can.

use crate::metrics::Features;
use crate::rng::Rng;

use super::EvalOptions;
use super::report::SampleMetrics;
use super::run::sample_metrics;

/// The two cluster centres and their standard deviation.
pub const CENTRES: [[f64; 2]; 2] = [[-2.0, 0.0], [2.0, 0.0]];
pub const SIGMA: f64 = 0.35;
/// How much wider the blurred generator's clusters are.
pub const BLUR: f64 = 2.5;

pub struct LessonCase {
    pub name: &'static str,
    pub explanation: &'static str,
    pub points: Vec<[f32; 2]>,
    pub metrics: SampleMetrics,
}

pub struct Lesson {
    pub real: Vec<[f32; 2]>,
    pub cases: Vec<LessonCase>,
}

fn cluster_points(n: usize, clusters: &[usize], sigma: f64, rng: &mut Rng) -> Vec<[f32; 2]> {
    (0..n)
        .map(|_| {
            let c = CENTRES[clusters[rng.below(clusters.len())]];
            [(c[0] + sigma * rng.normal()) as f32, (c[1] + sigma * rng.normal()) as f32]
        })
        .collect()
}

/// Draws `n` real points and `n` points from each generator and measures them (k = 5).
pub fn mode_dropping_lesson(n: usize, seed: u64) -> Result<Lesson, String> {
    let mut rng = Rng::new(seed);
    let real = cluster_points(n, &[0, 1], SIGMA, &mut rng);
    let cases = [
        ("Both clusters, sharp", "Samples from the real distribution itself: precision and recall near 1, FID near 0.", vec![0, 1], SIGMA),
        (
            "One cluster only",
            "Mode dropping: every sample looks real (high precision), but half the real data has nothing near it (recall about 0.5).",
            vec![1],
            SIGMA,
        ),
        (
            "Both clusters, blurred",
            "Every real point has samples near it (high recall), but many samples fall where no real data is (lower precision).",
            vec![0, 1],
            SIGMA * BLUR,
        ),
    ];
    let options = EvalOptions::default();
    let real_features = Features::from_points(&real, "the real points")?;
    let cases = cases
        .into_iter()
        .map(|(name, explanation, clusters, sigma)| {
            let points = cluster_points(n, &clusters, sigma, &mut rng);
            let fake = Features::from_points(&points, name)?;
            let (metrics, _) = sample_metrics(&real_features, &fake, None, None, &options)?;
            Ok(LessonCase { name, explanation, points, metrics })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Lesson { real, cases })
}
