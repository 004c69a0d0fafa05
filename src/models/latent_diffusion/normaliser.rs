//! The latents put on the scale the diffusion process expects. The forward process mixes the
//! data with unit Gaussian noise, so the data should have about unit spread: a latent space
//! spread far wider than 1 is still recognisable at t = T, one far narrower is drowned early.
//! Rombach et al. 2022 (§4.3.2 and Appendix D.1; `scale_by_std` in the CompVis code) rescale
//! their KL-regularised latents by 1/σ̂, one number estimated over every component of the
//! first training batch. Here each latent dimension gets its own mean and standard deviation,
//! measured on the first training batch (not at build time: a model is built before it sees
//! data), because a plain autoencoder's codes need not be centred at 0 nor equally spread in
//! every direction, and a VAE's inactive dimensions have far smaller spread than its active
//! ones. The measurement is saved in the configuration, so a loaded model keeps it.

/// The smallest standard deviation a dimension is divided by: a dimension that does not vary
/// (a collapsed one, or a batch of equal images) is shifted but not blown up.
pub const MIN_STD: f32 = 1e-4;

/// Each latent dimension's mean and standard deviation.
#[derive(Clone, Debug, PartialEq)]
pub struct Normaliser {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Normaliser {
    /// Leaves latents of `dim` values as they are (mean 0, standard deviation 1): what a model
    /// uses before its first batch has been measured.
    pub fn identity(dim: usize) -> Self {
        Self { mean: vec![0.0; dim], std: vec![1.0; dim] }
    }

    /// Measured on `n` latents of `dim` values each (row after row): per dimension the mean
    /// and the standard deviation with Bessel's correction, Σ(z − z̄)² / (n − 1) (as torch's
    /// `std`, which `scale_by_std` calls), at least `MIN_STD`. Sums in f64. `None` for fewer
    /// than two latents, or a value that is not finite.
    pub fn measure(z: &[f32], n: usize, dim: usize) -> Option<Self> {
        if n < 2 || dim == 0 || z.len() != n * dim || z.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut mean = vec![0.0f64; dim];
        for row in z.chunks(dim) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut squares = vec![0.0f64; dim];
        for row in z.chunks(dim) {
            for ((s, &v), m) in squares.iter_mut().zip(row).zip(&mean) {
                *s += (v as f64 - m).powi(2);
            }
        }
        let std = squares.iter().map(|s| ((s / (n - 1) as f64).sqrt() as f32).max(MIN_STD)).collect();
        Some(Self { mean: mean.into_iter().map(|m| m as f32).collect(), std })
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// (z − mean) / std for each value of rows of `dim()` values: the latents as the
    /// diffusion process sees them.
    pub fn normalise(&self, z: &[f32]) -> Vec<f32> {
        let dim = self.dim().max(1);
        z.iter().enumerate().map(|(i, &v)| (v - self.mean[i % dim]) / self.std[i % dim]).collect()
    }

    /// u · std + mean: values the process drew, back in the autoencoder's latent space.
    pub fn restore(&self, u: &[f32]) -> Vec<f32> {
        let dim = self.dim().max(1);
        u.iter().enumerate().map(|(i, &v)| v * self.std[i % dim] + self.mean[i % dim]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand on three latents of two values: dimension 0 holds 1, 2, 6 (mean 3,
    /// squared deviations 4 + 1 + 9 = 14, over n − 1 = 2 gives 7, std √7); dimension 1 holds
    /// 5 three times (mean 5, spread 0, so `MIN_STD`).
    #[test]
    fn measures_each_dimension_with_bessels_correction() {
        let m = Normaliser::measure(&[1.0, 5.0, 2.0, 5.0, 6.0, 5.0], 3, 2).unwrap();
        assert_eq!(m.mean, vec![3.0, 5.0]);
        assert!((m.std[0] - 7f32.sqrt()).abs() < 1e-6, "{:?}", m.std);
        assert_eq!(m.std[1], MIN_STD);
        // (6 − 3)/√7 and back.
        let u = m.normalise(&[6.0, 5.0]);
        assert!((u[0] - 3.0 / 7f32.sqrt()).abs() < 1e-6 && u[1] == 0.0, "{u:?}");
        let z = m.restore(&u);
        assert!((z[0] - 6.0).abs() < 1e-5 && z[1] == 5.0, "{z:?}");
        assert!(Normaliser::measure(&[1.0, 2.0], 1, 2).is_none(), "one latent has no spread to measure");
        assert!(Normaliser::measure(&[1.0, f32::NAN, 2.0, 3.0], 2, 2).is_none());
    }
}
