//! The likelihood view: log p(x), or bounds on it, per example. The trait itself lives with
//! the metric that averages it (`metrics::likelihood`), so the metrics need nothing from here;
//! this file adds the question that measures it on a run's test set.

pub use crate::metrics::likelihood::{LikelihoodModel, LogLikelihood};
use crate::metrics::{LikelihoodSummary, evaluate_likelihood, evaluate_text_likelihood};
use crate::train::{Question, TrainData};

use super::ask;

/// Test-set likelihood estimates (nats per example, bits per dimension) at a training step.
#[derive(Clone, Debug, PartialEq)]
pub struct Likelihoods {
    pub step: u64,
    pub rows: Vec<LikelihoodSummary>,
}

/// Estimates the test-set likelihood on up to `max_examples` test examples;
/// `importance_samples` is k of a bound that has one.
pub fn likelihood(max_examples: usize, importance_samples: usize) -> Question<dyn super::Model> {
    ask(move |model, context| {
        let step = context.step;
        let data = context.data().clone();
        let view = model.likelihood().ok_or("this family has no likelihood to measure")?;
        let rows = match &data {
            TrainData::Images(images) => evaluate_likelihood(view, &images.test, max_examples, importance_samples, 0, &mut |_, _| true)?,
            TrainData::Text { text, window } => evaluate_text_likelihood(view, &text.test, *window, max_examples)?,
            TrainData::Points { .. } => return Err("a likelihood on the test set needs image or text data".into()),
        };
        Ok(Likelihoods { step, rows })
    })
}
