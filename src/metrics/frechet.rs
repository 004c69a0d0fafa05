//! The Fréchet distance between two Gaussians fitted to feature sets (FID when the features
//! come from a classifier; Heusel et al. 2017, eq. 6):
//!
//!   d² = ‖μ_r − μ_g‖² + Tr(Σ_r) + Tr(Σ_g) − 2 Tr((Σ_r Σ_g)^½)
//!
//! Tr((Σ_r Σ_g)^½) is computed the numerically stable way: Σ_r Σ_g is similar to the
//! symmetric positive semi-definite S = Σ_r^½ Σ_g Σ_r^½, so the trace is Σ √λ_i(S), two
//! symmetric eigendecompositions (nalgebra's `SymmetricEigen`), tiny negative eigenvalues from
//! rounding clipped to 0. This equals scipy's `sqrtm` route of pytorch-fid to ~1e-13 (see
//! `cross_check_eigh` in tests/fixtures/fid.json).

use nalgebra::{DMatrix, SymmetricEigen};

use super::features::check_same_dim;
use super::{Features, MetricResult};

/// What pytorch-fid adds to both diagonals when a covariance is (near) singular.
pub const SINGULAR_EPS: f64 = 1e-6;

/// A covariance whose smallest eigenvalue is below this fraction of its largest is treated as
/// singular (its square root would lose most of its digits).
const SINGULAR_RATIO: f64 = 1e-10;

#[derive(Clone, Debug, PartialEq)]
pub struct Frechet {
    pub distance: f64,
    /// ‖μ_r − μ_g‖²
    pub mean_term: f64,
    pub trace_real: f64,
    pub trace_fake: f64,
    /// Tr((Σ_r Σ_g)^½)
    pub trace_sqrt_product: f64,
    /// Set when εI was added to the covariances; says why.
    pub warning: Option<String>,
}

/// The Fréchet distance between the Gaussians fitted to two feature sets (means and unbiased
/// covariances, as pytorch-fid's `calculate_activation_statistics`).
pub fn frechet_distance(real: &Features, fake: &Features) -> MetricResult<Frechet> {
    check_same_dim(real, fake)?;
    let d = real.dim();
    Ok(frechet_from_moments(&real.mean(), &real.covariance(), real.len(), &fake.mean(), &fake.covariance(), fake.len(), d))
}

/// The same from precomputed moments (row-major d × d covariances); `n_*` only feed the warning.
pub fn frechet_from_moments(mu_r: &[f64], cov_r: &[f64], n_r: usize, mu_g: &[f64], cov_g: &[f64], n_g: usize, d: usize) -> Frechet {
    let mut sr = DMatrix::from_row_slice(d, d, cov_r);
    let mut sg = DMatrix::from_row_slice(d, d, cov_g);
    let mut warning = None;
    let singular: Vec<String> = [("real", &sr, n_r), ("generated", &sg, n_g)]
        .into_iter()
        .filter_map(|(name, s, n)| {
            let eig = SymmetricEigen::new(s.clone()).eigenvalues;
            let (lo, hi) = (eig.min(), eig.max());
            (lo <= SINGULAR_RATIO * hi.max(f64::MIN_POSITIVE)).then(|| {
                format!("the {name} features' covariance is near-singular (smallest eigenvalue {lo:.2e}, {n} samples in {d} dimensions)")
            })
        })
        .collect();
    if !singular.is_empty() {
        // As pytorch-fid's calculate_frechet_distance does when sqrtm fails.
        sr += DMatrix::identity(d, d) * SINGULAR_EPS;
        sg += DMatrix::identity(d, d) * SINGULAR_EPS;
        warning = Some(format!(
            "{}; added {SINGULAR_EPS:e}·I to both covariances, as pytorch-fid does. More samples than dimensions give a trustworthy FID.",
            singular.join("; ")
        ));
    }
    let sqrt_r = psd_sqrt(&sr); // Σ_r^½
    let mut s = &sqrt_r * &sg * &sqrt_r;
    s = (&s + s.transpose()) * 0.5; // symmetric up to rounding; make it exactly so
    let trace_sqrt_product: f64 = SymmetricEigen::new(s).eigenvalues.iter().map(|&l| l.max(0.0).sqrt()).sum();
    let mean_term: f64 = mu_r.iter().zip(mu_g).map(|(a, b)| (a - b) * (a - b)).sum();
    let (trace_real, trace_fake) = (sr.trace(), sg.trace());
    Frechet {
        distance: mean_term + trace_real + trace_fake - 2.0 * trace_sqrt_product,
        mean_term,
        trace_real,
        trace_fake,
        trace_sqrt_product,
        warning,
    }
}

/// The symmetric square root V diag(√λ) Vᵀ of a symmetric positive semi-definite matrix.
fn psd_sqrt(m: &DMatrix<f64>) -> DMatrix<f64> {
    let eig = SymmetricEigen::new(m.clone());
    let roots = eig.eigenvalues.map(|l| l.max(0.0).sqrt());
    let v = &eig.eigenvectors;
    v * DMatrix::from_diagonal(&roots) * v.transpose()
}
