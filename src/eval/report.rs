//! What an evaluation found, as one serialisable record: the CLI prints it (or its JSON), the
//! Compare tab tabulates it, and the checkpoint's cache keeps it.

use serde::{Deserialize, Serialize};

use crate::metrics::LikelihoodSummary;

/// Sample-based metrics of one set of samples against the real reference set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleMetrics {
    pub n_real: usize,
    pub n_fake: usize,
    pub fid: f64,
    pub precision: f64,
    pub recall: f64,
    pub density: f64,
    pub coverage: f64,
    pub k: usize,
    /// Inception-style score (mean, std over splits); images only.
    pub inception_score: Option<(f64, f64)>,
    /// MMD² (unbiased, RBF mixture); 2-D points only.
    pub mmd2: Option<f64>,
    /// 2-D mixtures only: (modes covered, modes, fraction of high-quality samples).
    pub modes: Option<(usize, usize, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub checkpoint: String,
    pub family: String,
    pub description: String,
    pub num_params: usize,
    pub step: u64,
    pub dataset: String,
    /// What the sample metrics were computed on, said plainly (e.g. which classifier).
    pub feature_space: String,
    pub seed: u64,
    pub samples: SampleMetrics,
    /// Real training images (or points) against the same reference: the best a model could do.
    pub baseline: SampleMetrics,
    pub likelihood: Vec<LikelihoodSummary>,
    pub sample_ms_per_image: f64,
    pub warnings: Vec<String>,
}

impl EvalReport {
    /// A plain-text table for the terminal.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        out += &format!("checkpoint: {} ({}, step {})\n", self.checkpoint, self.description, self.step);
        out += &format!("data: {}   features: {}\n", self.dataset, self.feature_space);
        out += &format!(
            "{} samples (seed {}) against {} real test examples; k = {}\n\n",
            self.samples.n_fake, self.seed, self.samples.n_real, self.samples.k
        );
        out += &format!("{:<26} {:>12} {:>12}\n", "metric", "model", "real (train)");
        let rows: [(&str, f64, f64); 5] = [
            ("FID", self.samples.fid, self.baseline.fid),
            ("precision", self.samples.precision, self.baseline.precision),
            ("recall", self.samples.recall, self.baseline.recall),
            ("density", self.samples.density, self.baseline.density),
            ("coverage", self.samples.coverage, self.baseline.coverage),
        ];
        for (name, model, real) in rows {
            out += &format!("{name:<26} {model:>12.4} {real:>12.4}\n");
        }
        if let (Some((m, s)), Some((rm, rs))) = (self.samples.inception_score, self.baseline.inception_score) {
            out += &format!("{:<26} {:>12} {:>12}\n", "IS (mean ± std)", format!("{m:.3}±{s:.3}"), format!("{rm:.3}±{rs:.3}"));
        }
        if let (Some(m), Some(r)) = (self.samples.mmd2, self.baseline.mmd2) {
            out += &format!("{:<26} {m:>12.5} {r:>12.5}\n", "MMD² (unbiased)");
        }
        if let (Some((c, t, hq)), Some((rc, rt, rhq))) = (self.samples.modes, self.baseline.modes) {
            out += &format!("{:<26} {:>12} {:>12}\n", "modes covered", format!("{c}/{t}"), format!("{rc}/{rt}"));
            out += &format!("{:<26} {:>11.1}% {:>11.1}%\n", "high-quality samples", 100.0 * hq, 100.0 * rhq);
        }
        for l in &self.likelihood {
            let kind = match (l.exact, l.name.contains("estimate")) {
                (true, _) => "NLL",
                (false, true) => "NLL estimate",
                (false, false) => "−bound",
            };
            out += &format!(
                "{:<26} {:>12.3} nats/image ({:.4} bits/dim, ±{:.3}, {} test examples)\n",
                format!("{kind}: {}", l.name),
                l.nll_nats,
                l.bits_per_dim,
                l.std_error,
                l.examples
            );
        }
        out += &format!("{:<26} {:>12.4} ms\n", "sampling time per image", self.sample_ms_per_image);
        out += &format!("{:<26} {:>12}\n", "parameters", self.num_params);
        for w in &self.warnings {
            out += &format!("warning: {w}\n");
        }
        out
    }
}
