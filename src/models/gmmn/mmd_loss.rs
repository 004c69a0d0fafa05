//! MMD² on tensors, differentiable: the GMMN's loss. The same formulas as the evaluation's f64
//! reference (`crate::metrics::mmd`, Gretton et al. 2012, eq. 3) with the kernel sum
//! k(a, b) = Σ_σ exp(−‖a − b‖² / (2σ²)).

use burn::prelude::*;

/// Squared distances between every row of `a` and every row of `b`, through
/// ‖a‖² + ‖b‖² − 2 a·b (one matrix product), clamped at 0 against rounding.
///
/// # Shapes
/// a: [N, D], b: [M, D] → [N, M]
fn squared_distances(a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    let aa = a.clone().powf_scalar(2.0).sum_dim(1); // [N, 1]
    let bb = b.clone().powf_scalar(2.0).sum_dim(1).transpose(); // [1, M]
    (aa + bb - a.matmul(b.transpose()).mul_scalar(2.0)).clamp_min(0.0)
}

/// Σ_σ exp(−d² / (2σ²)) elementwise.
fn kernel(d2: Tensor<2>, bandwidths: &[f64]) -> Tensor<2> {
    let mut sum = d2.zeros_like();
    for &s in bandwidths {
        sum = sum + d2.clone().mul_scalar(-1.0 / (2.0 * s * s)).exp();
    }
    sum
}

/// The unbiased estimate (diagonals left out); it can be negative.
///
/// # Shapes
/// x: [N, D], y: [M, D] → [1]
pub fn mmd2_unbiased(x: Tensor<2>, y: Tensor<2>, bandwidths: &[f64]) -> Tensor<1> {
    let (n, m) = (x.dims()[0] as f64, y.dims()[0] as f64);
    // k(a, a) = one per bandwidth: the diagonal's sum is n · |σ|.
    let diag = bandwidths.len() as f64;
    let kxx = kernel(squared_distances(x.clone(), x.clone()), bandwidths).sum();
    let kyy = kernel(squared_distances(y.clone(), y.clone()), bandwidths).sum();
    let kxy = kernel(squared_distances(x, y), bandwidths).sum();
    kxx.sub_scalar(n * diag).div_scalar(n * (n - 1.0)) + kyy.sub_scalar(m * diag).div_scalar(m * (m - 1.0)) - kxy.mul_scalar(2.0 / (n * m))
}

/// The biased (V-statistic) estimate, diagonals kept: never negative.
///
/// # Shapes
/// x: [N, D], y: [M, D] → [1]
pub fn mmd2_biased(x: Tensor<2>, y: Tensor<2>, bandwidths: &[f64]) -> Tensor<1> {
    let (n, m) = (x.dims()[0] as f64, y.dims()[0] as f64);
    let kxx = kernel(squared_distances(x.clone(), x.clone()), bandwidths).sum().div_scalar(n * n);
    let kyy = kernel(squared_distances(y.clone(), y.clone()), bandwidths).sum().div_scalar(m * m);
    let kxy = kernel(squared_distances(x, y), bandwidths).sum().mul_scalar(2.0 / (n * m));
    kxx + kyy - kxy
}

/// The witness function f(p) = mean_i k(p, real_i) − mean_j k(p, fake_j) at each point p
/// (Gretton et al. 2012, §2.3): positive where the data has more mass than the generator,
/// negative where the generator puts too much. MMD is its norm.
///
/// # Shapes
/// points: [P, D], real: [N, D], fake: [M, D] → [P]
pub fn witness(points: Tensor<2>, real: Tensor<2>, fake: Tensor<2>, bandwidths: &[f64]) -> Tensor<1> {
    let to_real = kernel(squared_distances(points.clone(), real), bandwidths).mean_dim(1); // [P, 1]
    let to_fake = kernel(squared_distances(points, fake), bandwidths).mean_dim(1);
    (to_real - to_fake).flatten(0, 1)
}
