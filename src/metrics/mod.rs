//! Sample-quality and likelihood metrics, one per file, each citing its paper's equation.
//! They work on plain f64 feature sets (`Features`), so the same code serves classifier
//! features of images, raw 2-D points, and the feature CSVs of `genlab metrics`.

pub mod auroc;
pub mod distances;
pub mod features;
pub mod frechet;
pub mod inception_score;
pub mod likelihood;
pub mod mmd;
pub mod mode_coverage;
pub mod prdc;

pub use auroc::{RocPoint, auroc, roc_curve};
pub use features::Features;
pub use frechet::{Frechet, frechet_distance};
pub use inception_score::{InceptionScore, inception_score, softmax_rows};
pub use likelihood::{LikelihoodModel, LikelihoodSummary, LogLikelihood, evaluate_likelihood, evaluate_text_likelihood};
pub use mmd::{Mmd, mmd2};
pub use mode_coverage::{ModeCoverage, mode_coverage};
pub use prdc::{DEFAULT_K, Prdc, prdc};

/// Metric errors are sentences for a person (they name the set and the problem).
pub type MetricResult<T> = Result<T, String>;
