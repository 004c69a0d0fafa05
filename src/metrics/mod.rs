//! Sample-quality and likelihood metrics, one per file, each citing its paper's equation.
//! They work on plain f64 feature sets (`Features`), so the same code serves classifier
//! features of images, raw 2-D points, and the feature CSVs of `genlab metrics`.

pub mod distances;
pub mod features;
pub mod frechet;
pub mod inception_score;
pub mod likelihood;
pub mod mmd;
pub mod mode_coverage;
pub mod prdc;

pub use features::Features;
pub use frechet::{frechet_distance, Frechet};
pub use inception_score::{inception_score, softmax_rows, InceptionScore};
pub use likelihood::{evaluate_likelihood, evaluate_text_likelihood, LikelihoodModel, LikelihoodSummary, LogLikelihood};
pub use mmd::{mmd2, Mmd};
pub use mode_coverage::{mode_coverage, ModeCoverage};
pub use prdc::{prdc, Prdc, DEFAULT_K};

/// Metric errors are sentences for a person (they name the set and the problem).
pub type MetricResult<T> = Result<T, String>;
