//! What a run found: each image's scores, each set's means and AUROCs, the ROC curves and the
//! most and least typical images, written as a table or as CSV.

use serde::Serialize;

use crate::metrics::{MetricResult, RocPoint, roc_curve};

/// One image's scores.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ExampleScore {
    /// −log p(x) in nats (the negative of the bound, for a bound).
    pub nll_nats: f64,
    /// L(x): the length of the image as a PNG, in bits.
    pub complexity_bits: f64,
    /// S(x) = −log₂ p(x) − L(x), in bits.
    pub corrected_bits: f64,
}

/// One set's scores and, for an out-of-distribution set, how well they tell it from the
/// in-distribution set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetScores {
    /// As `--in` / `--vs` name it.
    pub name: String,
    /// Where the images came from.
    pub source: String,
    pub n: usize,
    pub mean_nll_nats: f64,
    /// The mean NLL per pixel in bits: mean_nll_nats / (D ln 2).
    pub bits_per_dim: f64,
    pub mean_complexity_bits: f64,
    pub mean_corrected_bits: f64,
    /// AUROC of the NLL against the in-distribution set (none for that set itself).
    pub auroc_raw: Option<f64>,
    /// AUROC of S(x) against the in-distribution set.
    pub auroc_corrected: Option<f64>,
    /// Per image, in the set's order (not in the JSON; `genlab ood --csv` writes them).
    #[serde(skip)]
    pub scores: Vec<ExampleScore>,
    /// The most and the least typical images of the set by the raw score (for the window).
    #[serde(skip)]
    pub extremes: Extremes,
}

/// How many of a set's most and least typical images a report keeps.
pub const EXTREMES: usize = 8;

/// A set's `EXTREMES` images with the lowest and the highest negative log-likelihood.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extremes {
    pub width: usize,
    pub height: usize,
    /// (index in the set, NLL in nats, pixels), lowest NLL first.
    pub most_typical: Vec<(usize, f64, Vec<f32>)>,
    /// (index in the set, NLL in nats, pixels), highest NLL first.
    pub least_typical: Vec<(usize, f64, Vec<f32>)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OodReport {
    pub checkpoint: String,
    /// The family's label, e.g. "PixelCNN".
    pub family: String,
    pub step: u64,
    /// The likelihood estimate scored, as the family names it ("exact NLL (binarized)",
    /// "IWAE bound (k = 64)").
    pub estimate: String,
    /// Exact log p(x), not a bound.
    pub exact: bool,
    /// How L(x) was measured.
    pub complexity: String,
    /// For a class-conditional model: the classes p(x) = (1/C) Σ_y p(x | y) sums over.
    pub classes_marginalised: Option<usize>,
    pub seed: u64,
    pub inside: SetScores,
    pub sets: Vec<SetScores>,
}

/// `--csv`'s first line; a file that starts with it is one genlab ood wrote.
pub const CSV_HEADER: &str = "set,index,nll_nats,complexity_bits,corrected_bits";

impl OodReport {
    /// The ROC curve of out-of-distribution set `set` (an index into `sets`) against the
    /// in-distribution set, by the NLL or (`corrected`) by S(x).
    pub fn roc(&self, set: usize, corrected: bool) -> MetricResult<Vec<RocPoint>> {
        let other = self.sets.get(set).ok_or_else(|| format!("no set {set}: the report has {}", self.sets.len()))?;
        let pick = |s: &SetScores| -> Vec<f64> { s.scores.iter().map(|e| if corrected { e.corrected_bits } else { e.nll_nats }).collect() };
        roc_curve(&pick(&self.inside), &pick(other))
    }

    pub fn to_table(&self) -> String {
        let mut out = format!("checkpoint: {} ({}, step {})\n", self.checkpoint, self.family, self.step);
        out += &format!("score: −log p(x) by the model's {}, seed {}", self.estimate, self.seed);
        if let Some(c) = self.classes_marginalised {
            out += &format!(", p(x) = mean of p(x | y) over its {c} classes");
        }
        out += &format!("\ncomplexity L(x): {}\n", self.complexity);
        out += "AUROC: the chance an out-of-distribution image scores as more anomalous than an in-distribution one \
                (ties half; 1 separates, 0.5 is chance); raw: the NLL; S: −log₂ p(x) − L(x) (Serrà et al. 2020)\n\n";
        let width = std::iter::once(&self.inside).chain(&self.sets).map(|s| s.name.chars().count() + 5).max().unwrap_or(0).max(10);
        out += &format!(
            "{:<width$} {:>6} {:>11} {:>9} {:>10} {:>10} {:>9} {:>9}\n",
            "set", "n", "NLL nats", "bits/dim", "L(x) bits", "S bits", "AUROC raw", "AUROC S"
        );
        let auroc_cell = |a: Option<f64>| a.map_or("—".to_string(), |a| format!("{a:.4}"));
        for (set, name) in
            std::iter::once((&self.inside, format!("{} (in)", self.inside.name))).chain(self.sets.iter().map(|s| (s, s.name.clone())))
        {
            out += &format!(
                "{name:<width$} {:>6} {:>11.3} {:>9.4} {:>10.1} {:>10.1} {:>9} {:>9}\n",
                set.n,
                set.mean_nll_nats,
                set.bits_per_dim,
                set.mean_complexity_bits,
                set.mean_corrected_bits,
                auroc_cell(set.auroc_raw),
                auroc_cell(set.auroc_corrected)
            );
        }
        out += "\nsources:\n";
        for set in std::iter::once(&self.inside).chain(&self.sets) {
            out += &format!("  {}: {}\n", set.name, set.source);
        }
        out
    }

    /// Every image's scores, one row each: the in-distribution set first, then the others.
    pub fn to_csv(&self) -> String {
        let mut out = format!("{CSV_HEADER}\n");
        for set in std::iter::once(&self.inside).chain(&self.sets) {
            let name = csv_field(&set.name);
            for (i, s) in set.scores.iter().enumerate() {
                out += &format!("{name},{i},{},{},{}\n", s.nll_nats, s.complexity_bits, s.corrected_bits);
            }
        }
        out
    }
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break (a folder's
/// path may).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}
