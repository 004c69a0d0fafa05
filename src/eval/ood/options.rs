//! What a run compares: the in-distribution set, the sets to tell from it, how many images of
//! each and the likelihood's options, checked before anything is loaded.

use crate::eval::run::MAX_IMPORTANCE_SAMPLES;
use crate::limits::check_range;

use super::sets::OodSet;

/// Images per set unless `--n` says otherwise: an AUROC near 0.5 from n images a side has a
/// standard error of √((2n + 1) / 12n²) (the Mann–Whitney variance), 0.013 at n = 1000.
pub const DEFAULT_EXAMPLES: usize = 1000;
/// The most images per set (`--n`): 50,000, as `genlab eval --n` (MNIST's test split has
/// 10,000); each image costs one likelihood evaluation per class of a conditional model.
pub const MAX_EXAMPLES: usize = 50_000;
/// The most sets one run compares with the in-distribution set (`--vs`): 16, every kind
/// genlab makes with room for several folders.
pub const MAX_SETS: usize = 16;

#[derive(Clone, Debug, PartialEq)]
pub struct OodOptions {
    /// The in-distribution set: a dataset's test split (`Test`: the checkpoint's own).
    pub inside: OodSet,
    /// The sets to tell from it.
    pub against: Vec<OodSet>,
    /// Images per set (all of a set that has fewer).
    pub n: usize,
    /// k of an importance-weighted bound (the VAE's); for diffusion, the timesteps sampled per
    /// image of its variational bound.
    pub importance_samples: usize,
    pub seed: u64,
    /// The images of the `Drawn` set, each the size of the in-distribution set's images.
    pub drawn: Vec<f32>,
}

impl Default for OodOptions {
    fn default() -> Self {
        Self { inside: OodSet::Test, against: Vec::new(), n: DEFAULT_EXAMPLES, importance_samples: 64, seed: 0, drawn: Vec::new() }
    }
}

/// Checks the options before anything is loaded; the message names the flag and the limit.
pub fn check_options(options: &OodOptions) -> Result<(), String> {
    check_range("--n", options.n, 1, MAX_EXAMPLES)?;
    check_range("--importance-samples", options.importance_samples, 1, MAX_IMPORTANCE_SAMPLES)?;
    if options.against.is_empty() {
        return Err("name at least one set to tell from the in-distribution set, e.g. --vs noise".into());
    }
    check_range("the number of --vs sets", options.against.len(), 1, MAX_SETS)?;
    if options.inside.is_synthetic() || options.inside == OodSet::Drawn {
        return Err(format!(
            "--in {}: the in-distribution set must be real data (test, mnist, fashion, shapes or folder:PATH); \
             noise, constant, flipped and inverted are for --vs",
            options.inside
        ));
    }
    for (i, set) in options.against.iter().enumerate() {
        if *set == options.inside {
            return Err(format!("--vs {set} is the in-distribution set itself"));
        }
        if options.against[..i].contains(set) {
            return Err(format!("--vs {set} is named twice"));
        }
        if *set == OodSet::Drawn && options.drawn.is_empty() {
            return Err("the drawn set holds no drawing yet: draw on the pad and add it to the set".into());
        }
    }
    Ok(())
}
