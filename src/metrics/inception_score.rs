//! The Inception-style score with genlab's classifier (Salimans et al. 2016, §4):
//!
//!   IS = exp( E_x KL( p(y|x) ‖ p(y) ) )
//!
//! computed per split (p(y) is the split's mean prediction) and reported as the mean and the
//! population standard deviation over splits, as torch-fidelity's `isc_features_to_metric`
//! (splits are contiguous here; torch-fidelity shuffles first by default).

use super::MetricResult;

#[derive(Clone, Debug, PartialEq)]
pub struct InceptionScore {
    pub mean: f64,
    pub std: f64,
    pub per_split: Vec<f64>,
}

/// Row-wise softmax of `n × classes` logits, in f64.
pub fn softmax_rows(logits: &[f64], classes: usize) -> Vec<f64> {
    let mut probs = Vec::with_capacity(logits.len());
    for row in logits.chunks(classes) {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = row.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = exps.iter().sum();
        probs.extend(exps.iter().map(|e| e / sum));
    }
    probs
}

/// IS from `n × classes` class probabilities (rows sum to 1), over `splits` contiguous splits.
pub fn inception_score(probs: &[f64], classes: usize, splits: usize) -> MetricResult<InceptionScore> {
    if classes == 0 || probs.len() % classes != 0 {
        return Err(format!("{} probabilities do not make rows of {classes} classes", probs.len()));
    }
    let n = probs.len() / classes;
    if splits == 0 || n < splits {
        return Err(format!("{n} samples cannot make {splits} splits (need at least one sample per split)"));
    }
    if probs.iter().any(|p| !p.is_finite() || *p < 0.0) {
        return Err("class probabilities must be finite and non-negative".into());
    }
    let per_split: Vec<f64> = (0..splits)
        .map(|s| {
            let rows = &probs[(s * n / splits) * classes..((s + 1) * n / splits) * classes];
            let count = (rows.len() / classes) as f64;
            let mut marginal = vec![0.0; classes];
            for row in rows.chunks(classes) {
                marginal.iter_mut().zip(row).for_each(|(m, p)| *m += p / count);
            }
            // KL(p(y|x) ‖ p(y)), with 0·log 0 = 0.
            let mean_kl: f64 = rows
                .chunks(classes)
                .map(|row| row.iter().zip(&marginal).filter(|(p, _)| **p > 0.0).map(|(p, m)| p * (p.ln() - m.ln())).sum::<f64>())
                .sum::<f64>()
                / count;
            mean_kl.exp()
        })
        .collect();
    let mean = per_split.iter().sum::<f64>() / splits as f64;
    let std = (per_split.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / splits as f64).sqrt();
    Ok(InceptionScore { mean, std, per_split })
}
