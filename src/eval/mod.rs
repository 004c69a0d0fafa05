//! Evaluating a checkpoint on the same footing as every other: samples from a fixed seed,
//! features from genlab's classifier (or the 2-D points themselves), the metrics of
//! `crate::metrics` against the real test set, the test-set likelihood where the family has
//! one, and the same metrics for real training data as a baseline.

pub mod cache;
pub mod lesson;
pub mod ood;
pub mod report;
pub mod run;
pub mod text;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::data::DatasetId;

pub use report::{EvalReport, SampleMetrics};
pub use run::{RealReference, evaluate, real_features};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalOptions {
    /// Generated samples (and at most this many real training examples for the baseline).
    pub n: usize,
    /// k of the k-NN balls of precision/recall/density/coverage.
    pub k: usize,
    /// Splits of the Inception-style score.
    pub splits: usize,
    /// k of the importance-weighted likelihood bound.
    pub importance_samples: usize,
    /// Test examples for the likelihood (all of them when larger than the test set).
    pub likelihood_examples: usize,
    pub seed: u64,
    /// Overrides the dataset recorded in the checkpoint.
    pub dataset: Option<DatasetId>,
    /// A classifier written by `genlab train-classifier --out` instead of the shipped one.
    pub classifier: Option<PathBuf>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            n: 10_000,
            k: crate::metrics::DEFAULT_K,
            splits: 10,
            importance_samples: 64,
            likelihood_examples: 10_000,
            seed: 0,
            dataset: None,
            classifier: None,
        }
    }
}

/// Reports how far an evaluation has got: (stage, fraction of that stage done). Returning
/// `false` cancels the evaluation.
pub type ProgressFn<'a> = &'a mut dyn FnMut(&str, f64) -> bool;
