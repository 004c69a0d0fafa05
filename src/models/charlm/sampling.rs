//! Drawing the next token from a model's logits: temperature, then top-k, then top-p
//! (nucleus, Holtzman et al. 2020), in the order of transformers' logits warpers. Pure
//! functions on plain slices, so the GUI redraws the bars as a slider moves without asking
//! the model again.

pub use crate::views::tokens::SamplingSettings;

/// Temperatures below this are treated as 0 (greedy): dividing by them overflows.
const GREEDY_BELOW: f64 = 1e-4;

/// softmax(logits / T) in f64; T = 0 puts all the mass on the first largest logit.
pub fn softmax_with_temperature(logits: &[f32], temperature: f64) -> Vec<f64> {
    if logits.is_empty() {
        return Vec::new();
    }
    if temperature < GREEDY_BELOW {
        let best = argmax(logits.iter().map(|&v| v as f64));
        return (0..logits.len()).map(|i| if i == best { 1.0 } else { 0.0 }).collect();
    }
    let scaled: Vec<f64> = logits.iter().map(|&v| v as f64 / temperature).collect();
    let max = scaled.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = scaled.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

fn argmax(values: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

fn renormalise(probs: &mut [f64]) {
    let sum: f64 = probs.iter().sum();
    if sum > 0.0 {
        probs.iter_mut().for_each(|p| *p /= sum);
    }
}

/// Zeroes every probability below the k-th largest and renormalises. Like transformers'
/// `TopKLogitsWarper`, tokens tied with the k-th largest all stay. k = 0 or k ≥ n: no change.
pub fn top_k_filter(probs: &mut [f64], k: usize) {
    if k == 0 || k >= probs.len() {
        return;
    }
    let mut sorted = probs.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let kth = sorted[k - 1];
    probs.iter_mut().filter(|p| **p < kth).for_each(|p| *p = 0.0);
    renormalise(probs);
}

/// Nucleus filtering: a token stays iff the mass of the tokens ranked strictly above it is
/// below p, so the token that crosses p stays and the most probable token always does
/// (Holtzman et al. 2020, eq. 2; ../shared/reference/sampling.json states the same rule).
pub fn top_p_filter(probs: &mut [f64], p: f64) {
    if p >= 1.0 {
        return;
    }
    let mut order: Vec<usize> = (0..probs.len()).collect();
    // Most probable first; equal probabilities in index order.
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
    let mut above = 0.0;
    let mut keep = vec![false; probs.len()];
    for &i in &order {
        keep[i] = above < p;
        above += probs[i];
    }
    for (q, kept) in probs.iter_mut().zip(keep) {
        if !kept {
            *q = 0.0;
        }
    }
    renormalise(probs);
}

/// The distribution the sampler draws from: temperature, then top-k, then top-p.
pub fn next_token_distribution(logits: &[f32], settings: &SamplingSettings) -> Vec<f64> {
    let mut probs = softmax_with_temperature(logits, settings.temperature);
    top_k_filter(&mut probs, settings.top_k);
    top_p_filter(&mut probs, settings.top_p);
    probs
}

/// The token whose cumulative-probability interval holds `u` ∈ [0, 1) (inverse-CDF sampling).
/// Never returns a token of probability 0.
pub fn draw(probs: &[f64], u: f64) -> usize {
    let mut cumulative = 0.0;
    let mut last = 0;
    for (i, &p) in probs.iter().enumerate() {
        if p <= 0.0 {
            continue;
        }
        cumulative += p;
        last = i;
        if u < cumulative {
            return i;
        }
    }
    // u beyond the rounding of the total: the last token that has mass.
    last
}
