//! Running a family's likelihood over a set of images, in batches, with one estimate for every
//! set, and the marginal over the classes of a class-conditional model.

use crate::data::ImageSet;
use crate::eval::ProgressFn;
use crate::metrics::{LikelihoodModel, LogLikelihood};

/// Runs the family's likelihood over sets of images in batches, with one estimate for all.
pub(super) struct Scorer<'a> {
    pub(super) model: &'a mut dyn LikelihoodModel,
    /// For a class-conditional model: its classes. No set but the test split has labels (and
    /// using them would tell the model the answer), so every set is scored by the marginal
    /// p(x) = (1/C) Σ_y p(x | y) under a uniform prior on the classes.
    pub(super) classes: Option<usize>,
    pub(super) k: usize,
    pub(super) seed: u64,
    /// The estimate scored (index in the family's list, name, exact), fixed by the first batch.
    pub(super) chosen: Option<(usize, String, bool)>,
}

impl Scorer<'_> {
    /// log p(x) (or the bound) of every image of `set`, nats.
    pub(super) fn log_likelihoods(&mut self, name: &str, set: &ImageSet, progress: ProgressFn) -> Result<Vec<f64>, String> {
        let (n, d) = (set.len(), set.pixels_per_image());
        // As `metrics::evaluate_likelihood`: fewer rows for larger k (rows × k decoder passes).
        let batch = (4096 / self.k.max(1)).clamp(1, 256);
        let stage = format!("scoring {name}");
        let mut out = Vec::with_capacity(n);
        for start in (0..n).step_by(batch) {
            let rows = batch.min(n - start);
            let x = &set.pixels[start * d..(start + rows) * d];
            // The same draws for every set, so sets differ only in their images.
            let seed = self.seed.wrapping_add(start as u64);
            let per_class: Vec<Vec<f64>> = match self.classes {
                None => vec![self.estimate(x, rows, &vec![0; rows], seed)?],
                Some(c) => (0..c).map(|y| self.estimate(x, rows, &vec![y as u8; rows], seed)).collect::<Result<_, _>>()?,
            };
            out.extend((0..rows).map(|i| log_mean_exp(&per_class.iter().map(|v| v[i]).collect::<Vec<f64>>())));
            if !progress(stage.as_str(), (start + rows) as f64 / n as f64) {
                return Err("cancelled".into());
            }
        }
        Ok(out)
    }

    /// The chosen estimate for one batch.
    fn estimate(&mut self, x: &[f32], rows: usize, labels: &[u8], seed: u64) -> Result<Vec<f64>, String> {
        let estimates = self.model.log_likelihood(x, rows, labels, self.k, seed)?;
        if self.chosen.is_none() {
            let index = pick_estimate(&estimates, self.k);
            let e = estimates.get(index).ok_or("the model returned no likelihood estimate")?;
            self.chosen = Some((index, e.name.clone(), e.exact));
        }
        let index = self.chosen.as_ref().map_or(0, |c| c.0);
        let e = estimates.into_iter().nth(index).ok_or("the model returned fewer likelihood estimates than before")?;
        if e.per_example.len() != rows {
            return Err(format!("the model returned {} likelihoods for {rows} images", e.per_example.len()));
        }
        Ok(e.per_example)
    }
}

/// The estimate to score by: the first the family returns (the exact log p(x) of a PixelCNN or
/// a flow, the VAE's ELBO), except that with k > 1 importance samples the importance-weighted
/// bound (Burda et al. 2016, eq. 8), which is tighter than the ELBO, when the family gives one.
fn pick_estimate(estimates: &[LogLikelihood], k: usize) -> usize {
    estimates.iter().position(|e| k > 1 && e.name.starts_with("IWAE")).unwrap_or(0)
}

/// log((1/C) Σ e^{v_i}), stable for large |v|; the value itself for one term, and NaN when a
/// term is (so the AUROC names the image rather than ranking it).
fn log_mean_exp(v: &[f64]) -> f64 {
    if v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + (v.iter().map(|x| (x - max).exp()).sum::<f64>() / v.len() as f64).ln()
}
