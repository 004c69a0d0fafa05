//! Area under the ROC curve of an anomaly score: how well it tells an out-of-distribution set
//! from an in-distribution one, without choosing a threshold.
//!
//! Convention: a **higher score means more anomalous** (a negative log-likelihood, say), and
//! the out-of-distribution set is the positive class. The AUROC is then the probability that a
//! random out-of-distribution example scores higher than a random in-distribution one, a tie
//! counting as half: the Mann–Whitney U statistic divided by n_in · n_out (Hanley & McNeil
//! 1982, "The meaning and use of the area under a ROC curve"), which equals the trapezoidal area under the ROC curve below and
//! scikit-learn's `roc_auc_score` with the out-of-distribution set labelled 1. 1 separates
//! perfectly, 0.5 is chance, 0 separates perfectly the wrong way round.

use super::MetricResult;

/// One point of the ROC curve: every example scoring at least `threshold` is flagged as
/// out-of-distribution; `fpr` is the fraction of the in-distribution set flagged, `tpr` the
/// fraction of the out-of-distribution set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RocPoint {
    /// +∞ for the first point, (0, 0), where nothing is flagged.
    pub threshold: f64,
    pub fpr: f64,
    pub tpr: f64,
}

/// The AUROC of `outside` (positive, out-of-distribution) against `inside` (in-distribution),
/// higher score = more anomalous, ties counted as half. O(n log n): one sort of both sets.
pub fn auroc(inside: &[f64], outside: &[f64]) -> MetricResult<f64> {
    let pooled = pooled_sorted(inside, outside)?;
    // U = #{(i, o): s_o > s_i} + ½ #{(i, o): s_o = s_i}, counted in whole halves (2U) so the
    // only rounding is the final division (the rank-sum form R_out − n_out(n_out + 1)/2 with
    // mid-ranks for ties is the same number).
    let mut twice_u: u128 = 0;
    let mut inside_below: u128 = 0;
    for group in tied_groups(&pooled) {
        let (ins, outs) = counts(group);
        twice_u += 2 * outs * inside_below + outs * ins;
        inside_below += ins;
    }
    Ok(twice_u as f64 / (2 * inside.len() as u128 * outside.len() as u128) as f64)
}

/// The ROC curve of the same scores: one point per distinct score, from the highest down,
/// after the point (0, 0); the last is (1, 1). Tied examples enter together, so the curve's
/// trapezoidal area is `auroc` exactly. The points of scikit-learn's `roc_curve` with
/// `drop_intermediate=False`.
pub fn roc_curve(inside: &[f64], outside: &[f64]) -> MetricResult<Vec<RocPoint>> {
    let pooled = pooled_sorted(inside, outside)?;
    let (n_in, n_out) = (inside.len() as f64, outside.len() as f64);
    let mut points = vec![RocPoint { threshold: f64::INFINITY, fpr: 0.0, tpr: 0.0 }];
    let (mut ins_above, mut outs_above) = (0u128, 0u128);
    for group in tied_groups(&pooled).rev() {
        let (ins, outs) = counts(group);
        ins_above += ins;
        outs_above += outs;
        points.push(RocPoint { threshold: group[0].0, fpr: ins_above as f64 / n_in, tpr: outs_above as f64 / n_out });
    }
    Ok(points)
}

/// Both sets as (score, is out-of-distribution), sorted by score ascending; an error names
/// an empty set or a score that is NaN (which has no place in an order).
fn pooled_sorted(inside: &[f64], outside: &[f64]) -> MetricResult<Vec<(f64, bool)>> {
    for (set, what) in [(inside, "in-distribution"), (outside, "out-of-distribution")] {
        if set.is_empty() {
            return Err(format!("the {what} set has no scores: an AUROC needs at least one example on each side"));
        }
        if let Some(i) = set.iter().position(|s| s.is_nan()) {
            return Err(format!("the {what} score at index {i} is not a number, so it cannot be ranked"));
        }
    }
    // `+ 0.0` turns −0.0 into +0.0, which `total_cmp` would otherwise order apart.
    let mut pooled: Vec<(f64, bool)> = inside.iter().map(|&s| (s + 0.0, false)).chain(outside.iter().map(|&s| (s + 0.0, true))).collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(pooled)
}

/// Runs of equal scores in a sorted pool.
fn tied_groups(pooled: &[(f64, bool)]) -> impl DoubleEndedIterator<Item = &[(f64, bool)]> {
    pooled.chunk_by(|a, b| a.0 == b.0)
}

/// (in-distribution, out-of-distribution) examples in a group.
fn counts(group: &[(f64, bool)]) -> (u128, u128) {
    let outs = group.iter().filter(|e| e.1).count() as u128;
    (group.len() as u128 - outs, outs)
}
