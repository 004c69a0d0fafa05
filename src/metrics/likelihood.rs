//! Test-set likelihood through the families' `LikelihoodModel` view, summarised in nats per
//! image and bits per dimension (NLL / (D ln 2)), the units of the likelihood literature
//! (e.g. Burda et al. 2016, Table 1; van den Oord et al. 2016).

use crate::data::ImageSet;

use super::MetricResult;

/// One per-example log-likelihood estimate, in nats.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLikelihood {
    /// What it is, e.g. "ELBO" or "IWAE bound (k = 64)".
    pub name: String,
    /// Exact log p(x) (flows, PixelCNN) rather than a lower bound on it (VAE).
    pub exact: bool,
    pub per_example: Vec<f64>,
}

/// Families with a likelihood: the evaluation's NLL column. Later families (PixelCNN, flows)
/// return one exact estimate; the VAE returns its ELBO and an importance-weighted bound.
pub trait LikelihoodModel {
    /// log p(x) or lower bounds on it for `n` examples, each estimate named.
    /// `importance_samples` is k of the importance-weighted bound (ignored when exact); the
    /// diffusion family's bound visits k of its timesteps instead.
    fn log_likelihood(
        &mut self,
        x: &[f32],
        n: usize,
        labels: &[u8],
        importance_samples: usize,
        seed: u64,
    ) -> Result<Vec<LogLikelihood>, String>;

    /// The most test examples one measurement of the test set should take, for a family whose
    /// estimate costs many network passes per example (diffusion: k + 1); `None`: no limit.
    /// The summary's `examples` says how many were used.
    fn examples_limit(&self) -> Option<usize> {
        None
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LikelihoodSummary {
    /// E.g. "ELBO", "IWAE bound (k = 64)", "exact".
    pub name: String,
    pub exact: bool,
    /// Mean negative log-likelihood (or the bound's negative), nats per image (per character
    /// for text).
    pub nll_nats: f64,
    /// Bits per dimension (per character for text).
    pub bits_per_dim: f64,
    /// Standard error of the mean, nats.
    pub std_error: f64,
    pub examples: usize,
}

/// Runs `model` over the first `max_examples` images of `set` in batches. `progress(done,
/// total)` is called after each batch; returning `false` from it cancels (an `Err` saying so).
pub fn evaluate_likelihood(
    model: &mut dyn LikelihoodModel,
    set: &ImageSet,
    max_examples: usize,
    importance_samples: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> MetricResult<Vec<LikelihoodSummary>> {
    let n = max_examples.min(set.len()).min(model.examples_limit().unwrap_or(usize::MAX));
    if n == 0 {
        return Err("the test set is empty: no likelihood to estimate".into());
    }
    let d = set.width * set.height;
    // Fewer rows per batch for larger k: the batch holds rows × k decoder passes.
    let batch = (4096 / importance_samples.max(1)).clamp(1, 256);
    let mut names: Vec<(String, bool)> = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    let mut start = 0;
    while start < n {
        let rows = batch.min(n - start);
        let x = &set.pixels[start * d..(start + rows) * d];
        let labels = &set.labels[start..start + rows];
        let estimates = model.log_likelihood(x, rows, labels, importance_samples, seed.wrapping_add(start as u64))?;
        if names.is_empty() {
            names = estimates.iter().map(|e| (e.name.clone(), e.exact)).collect();
            values = vec![Vec::with_capacity(n); estimates.len()];
        }
        for (v, e) in values.iter_mut().zip(estimates) {
            v.extend(e.per_example);
        }
        start += rows;
        if !progress(start, n) {
            return Err("cancelled".into());
        }
    }
    Ok(names
        .into_iter()
        .zip(values)
        .map(|((name, exact), ll)| {
            let (mean, std_error) = mean_and_std_error(&ll);
            LikelihoodSummary {
                name,
                exact,
                nll_nats: -mean,
                bits_per_dim: -mean / (d as f64 * std::f64::consts::LN_2),
                std_error,
                examples: ll.len(),
            }
        })
        .collect())
}

/// The mean of `values` and its standard error (the sample standard deviation over √n).
fn mean_and_std_error(values: &[f64]) -> (f64, f64) {
    let count = values.len() as f64;
    let mean = values.iter().sum::<f64>() / count;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (count - 1.0).max(1.0);
    (mean, (var / count).sqrt())
}

/// Test-set likelihood of a text model: the test tokens cut into up to `max_windows`
/// consecutive windows of `window` tokens, each predicting its last `window − 1` tokens from
/// those before. Summarised per character: nats and bits per character.
pub fn evaluate_text_likelihood(
    model: &mut dyn LikelihoodModel,
    test: &[u32],
    window: usize,
    max_windows: usize,
) -> MetricResult<Vec<LikelihoodSummary>> {
    if window < 2 {
        return Err("a text window needs at least 2 characters".into());
    }
    let step = window - 1;
    // Windows overlap by one token so every test character after the first is predicted once.
    let starts: Vec<usize> = (0..test.len().saturating_sub(window - 1)).step_by(step).take(max_windows).collect();
    if starts.is_empty() {
        return Err(format!("the test text has {} characters, fewer than one window of {window}", test.len()));
    }
    let mut per_char = Vec::new();
    let mut name = (String::new(), true);
    for chunk in starts.chunks(64) {
        let x: Vec<f32> = chunk.iter().flat_map(|&s| test[s..s + window].iter().map(|&t| t as f32)).collect();
        let estimates = model.log_likelihood(&x, chunk.len(), &[], 1, 0)?;
        let Some(first) = estimates.into_iter().next() else { return Err("the model returned no estimate".into()) };
        name = (first.name, first.exact);
        per_char.extend(first.per_example.into_iter().map(|ll| ll / step as f64));
    }
    let (mean, std_error) = mean_and_std_error(&per_char);
    Ok(vec![LikelihoodSummary {
        name: name.0.replace("per window", "per character"),
        exact: name.1,
        nll_nats: -mean,
        bits_per_dim: -mean / std::f64::consts::LN_2,
        std_error,
        examples: per_char.len() * step,
    }])
}
