//! Improved precision and recall (Kynkäänniemi et al. 2019) and density and coverage (Naeem
//! et al. 2020), from k-nearest-neighbour balls around each sample.
//!
//! With r_i the distance from real sample i to its k-th nearest other real sample, and
//! r̃_j the same among the generated samples:
//! - precision = (1/M) Σ_j 1[∃i: ‖Y_j − X_i‖ < r_i]        (Kynkäänniemi eq. 1–2, on the real manifold)
//! - recall    = (1/N) Σ_i 1[∃j: ‖X_i − Y_j‖ < r̃_j]        (the same, on the generated manifold)
//! - density   = 1/(kM) Σ_j Σ_i 1[‖Y_j − X_i‖ < r_i]        (Naeem eq. 3)
//! - coverage  = (1/N) Σ_i 1[∃j: ‖Y_j − X_i‖ < r_i]         (Naeem eq. 4)
//!
//! Strict "<" as prdc's `compute_prdc`; every distance comes from one GEMM per block of rows.

use super::distances::{kth_neighbour_radii, map_distance_blocks};
use super::features::check_same_dim;
use super::{Features, MetricResult};

pub const DEFAULT_K: usize = 5;

#[derive(Clone, Debug, PartialEq)]
pub struct Prdc {
    pub precision: f64,
    pub recall: f64,
    pub density: f64,
    pub coverage: f64,
    pub k: usize,
}

/// Per-block tallies, summed at the end.
struct BlockCounts {
    /// For each generated sample: how many real balls contain it (precision, density).
    fake_in_real_balls: Vec<u32>,
    /// Real samples inside at least one generated ball (recall).
    real_in_fake_ball: usize,
    /// Real samples whose own ball holds a generated sample (coverage).
    real_ball_covered: usize,
}

pub fn prdc(real: &Features, fake: &Features, k: usize) -> MetricResult<Prdc> {
    check_same_dim(real, fake)?;
    if k == 0 {
        return Err("k must be at least 1".into());
    }
    for (name, set) in [("real", real), ("generated", fake)] {
        if set.len() < k + 1 {
            return Err(format!(
                "{} {name} samples are too few for k = {k}: each needs k other samples for its neighbourhood radius (at least {})",
                set.len(),
                k + 1
            ));
        }
    }
    let real_radii = kth_neighbour_radii(real, k);
    let fake_radii = kth_neighbour_radii(fake, k);
    let real_r2: Vec<f64> = real_radii.iter().map(|r| r * r).collect();
    let fake_r2: Vec<f64> = fake_radii.iter().map(|r| r * r).collect();

    let blocks = map_distance_blocks(real, fake, |start, d2| {
        let mut counts = BlockCounts { fake_in_real_balls: vec![0; fake.len()], real_in_fake_ball: 0, real_ball_covered: 0 };
        let rows = d2.nrows();
        let mut in_fake_ball = vec![false; rows];
        let mut covered = vec![false; rows];
        let real_r2 = &real_r2[start..start + rows];
        // Column by column: the block is column-major, so each column is contiguous.
        for (j, (count, fr2)) in counts.fake_in_real_balls.iter_mut().zip(&fake_r2).enumerate() {
            for (r, &dist2) in d2.column(j).iter().enumerate() {
                if dist2 < real_r2[r] {
                    *count += 1;
                    covered[r] = true;
                }
                in_fake_ball[r] |= dist2 < *fr2;
            }
        }
        counts.real_in_fake_ball = in_fake_ball.iter().filter(|&&b| b).count();
        counts.real_ball_covered = covered.iter().filter(|&&b| b).count();
        counts
    });

    let mut fake_counts = vec![0u64; fake.len()];
    let (mut recall_hits, mut covered) = (0usize, 0usize);
    for b in &blocks {
        for (total, c) in fake_counts.iter_mut().zip(&b.fake_in_real_balls) {
            *total += *c as u64;
        }
        recall_hits += b.real_in_fake_ball;
        covered += b.real_ball_covered;
    }
    let (n, m) = (real.len() as f64, fake.len() as f64);
    Ok(Prdc {
        precision: fake_counts.iter().filter(|&&c| c > 0).count() as f64 / m,
        recall: recall_hits as f64 / n,
        density: fake_counts.iter().sum::<u64>() as f64 / (k as f64 * m),
        coverage: covered as f64 / n,
        k,
    })
}

/// The k-NN radii themselves (for tests and for drawing the balls in the 2-D lesson).
pub fn radii(set: &Features, k: usize) -> Vec<f64> {
    kth_neighbour_radii(set, k)
}
