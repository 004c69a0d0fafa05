//! Squared maximum mean discrepancy with a sum of Gaussian RBF kernels (Gretton et al. 2012,
//! eq. 3 for the unbiased estimator; the kernel mixture of GMMN, Li et al. 2015):
//!
//!   k(a, b) = Σ_s exp(−‖a − b‖² / (2 s²))
//!   MMD²_u = Σ_{i≠j} k(x_i, x_j) / (n(n−1)) + Σ_{i≠j} k(y_i, y_j) / (m(m−1)) − 2/(nm) Σ_{i,j} k(x_i, y_j)
//!
//! The biased (V-statistic) version keeps the diagonals and divides by n², m². The GMMN
//! family's training loss is the same formula on tensors; this is the f64 reference.

use super::distances::map_distance_blocks;
use super::features::check_same_dim;
use super::{Features, MetricResult};

#[derive(Clone, Debug, PartialEq)]
pub struct Mmd {
    pub unbiased: f64,
    pub biased: f64,
}

/// Σ_{i,j} k(a_i, b_j) over all pairs.
fn kernel_sums(a: &Features, b: &Features, bandwidths: &[f64]) -> f64 {
    let inv: Vec<f64> = bandwidths.iter().map(|s| 1.0 / (2.0 * s * s)).collect();
    map_distance_blocks(a, b, |_, d2| d2.iter().map(|&d| inv.iter().map(|c| (-d * c).exp()).sum::<f64>()).sum::<f64>()).iter().sum()
}

pub fn mmd2(x: &Features, y: &Features, bandwidths: &[f64]) -> MetricResult<Mmd> {
    check_same_dim(x, y)?;
    if bandwidths.is_empty() || bandwidths.iter().any(|s| !(*s > 0.0 && s.is_finite())) {
        return Err("RBF bandwidths must be positive numbers (at least one)".into());
    }
    let (n, m) = (x.len() as f64, y.len() as f64);
    if x.len() < 2 || y.len() < 2 {
        return Err("the unbiased MMD needs at least two samples in each set".into());
    }
    // k(a, a) = number of bandwidths (exp 0 = 1 per kernel).
    let diag = bandwidths.len() as f64;
    let (kxx, kyy, kxy) = (kernel_sums(x, x, bandwidths), kernel_sums(y, y, bandwidths), kernel_sums(x, y, bandwidths));
    let cross = 2.0 * kxy / (n * m);
    Ok(Mmd {
        unbiased: (kxx - n * diag) / (n * (n - 1.0)) + (kyy - m * diag) / (m * (m - 1.0)) - cross,
        biased: kxx / (n * n) + kyy / (m * m) - cross,
    })
}
