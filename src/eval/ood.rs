//! Out-of-distribution detection with a model's likelihood: score sets of images by their
//! negative log-likelihood and ask how well that tells them from the model's own test set.
//!
//! Likelihood models are known to fail at this in a particular way: they give simple images
//! (MNIST under a Fashion-MNIST model, SVHN under a CIFAR-10 model, a constant image) *higher*
//! likelihood than their own data (Nalisnick et al. 2019, "Do deep generative models know what
//! they don't know?"). Beside the raw score this module reports the remedy of Serrà et al. 2020
//! ("Input complexity and out-of-distribution detection with likelihood-based generative
//! models", ICLR): subtract the image's complexity, estimated by a lossless compressor,
//!
//!   S(x) = −log₂ p(x) − L(x),   L(x) = the length in bits of x compressed,
//!
//! a likelihood ratio between the model and a universal image coder (Serrà et al. write both
//! terms per dimension; every image here has the same size, so totals rank alike). They try PNG,
//! JPEG2000 and FLIF as the coder and report mainly FLIF, the strongest; genlab uses PNG (the
//! `image` crate's encoder at its best compression, adaptive filtering), the one of the three
//! it can write with its own dependencies. L(x) must code the image the model scores: the
//! 8-bit image, or for a likelihood of binarized images (the PixelCNN's) the binarized one.
//!
//! Every score follows `metrics::auroc`'s convention: higher = more anomalous.

use std::f64::consts::LN_2;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use burn::tensor::Device;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use serde::Serialize;

use crate::data::folder::load_image_folder;
use crate::data::images::find_idx_files;
use crate::data::{DatasetId, IdxDataset, ImageDatasetId, ImageSet, load_images};
use crate::limits::{check_alloc, check_range};
use crate::metrics::{LikelihoodModel, LogLikelihood, MetricResult, RocPoint, auroc, roc_curve};
use crate::models::pixelcnn::BINARIZE_THRESHOLD;
use crate::models::{FamilyKind, checkpoint_family, checkpoint_label_classes, checkpoint_values_per_sample, load_family};
use crate::rng::Rng;
use crate::train::checkpoint::read_progress;

use super::ProgressFn;
use super::run::{MAX_IMPORTANCE_SAMPLES, checkpoint_data_dir};

/// Images per set unless `--n` says otherwise: an AUROC near 0.5 from n images a side has a
/// standard error of √((2n + 1) / 12n²) (the Mann–Whitney variance), 0.013 at n = 1000.
pub const DEFAULT_EXAMPLES: usize = 1000;
/// The most images per set (`--n`): 50,000, as `genlab eval --n` (MNIST's test split has
/// 10,000); each image costs one likelihood evaluation per class of a conditional model.
pub const MAX_EXAMPLES: usize = 50_000;
/// The most sets one run compares with the in-distribution set (`--vs`): 16, every kind
/// genlab makes with room for several folders.
pub const MAX_SETS: usize = 16;
/// The families whose checkpoints give a likelihood of images (their `likelihood()` view), by
/// registry name: for the message to a user who brings another.
pub const LIKELIHOOD_FAMILIES: [&str; 5] = ["vae", "pixelcnn", "flow", "rbm", "diffusion"];
/// The levels of the `constant` set: 0, 0.1, …, 1, in turn.
const CONSTANT_LEVELS: usize = 11;
/// Mixed into the seed for the `noise` set, so it differs from the likelihood's own draws.
const NOISE_SALT: u64 = 0x0015_E000;

/// A set of images to score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OodSet {
    /// The test split of the checkpoint's own dataset.
    Test,
    /// The test split of MNIST, Fashion-MNIST or the built-in shapes.
    Mnist,
    Fashion,
    Shapes,
    /// Uniform random 8-bit pixels (seeded).
    Noise,
    /// Every pixel one level, the levels 0, 0.1, …, 1 in turn (rounded to 8 bits).
    Constant,
    /// The in-distribution images mirrored left to right.
    Flipped,
    /// The in-distribution images with every pixel x replaced by 1 − x.
    Inverted,
    /// The user's images (train and test splits together), read as `genlab train --dataset
    /// folder` reads them.
    Folder(PathBuf),
    /// Images drawn by hand on the window's drawing pad (`OodOptions::drawn`); the command
    /// line has no pad, so `--vs` does not take it.
    Drawn,
}

impl OodSet {
    /// What `--in` and `--vs` take, for messages.
    pub const CHOICES: &'static str = "test, mnist, fashion, shapes, noise, constant, flipped, inverted or folder:PATH";

    /// Sets made from the in-distribution images or from nothing: not data a model trains on.
    fn is_synthetic(&self) -> bool {
        matches!(self, OodSet::Noise | OodSet::Constant | OodSet::Flipped | OodSet::Inverted)
    }
}

impl fmt::Display for OodSet {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            OodSet::Test => f.write_str("test"),
            OodSet::Mnist => f.write_str("mnist"),
            OodSet::Fashion => f.write_str("fashion"),
            OodSet::Shapes => f.write_str("shapes"),
            OodSet::Noise => f.write_str("noise"),
            OodSet::Constant => f.write_str("constant"),
            OodSet::Flipped => f.write_str("flipped"),
            OodSet::Inverted => f.write_str("inverted"),
            OodSet::Folder(path) => write!(f, "folder:{}", path.display()),
            OodSet::Drawn => f.write_str("drawn"),
        }
    }
}

impl FromStr for OodSet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(path) = s.strip_prefix("folder:") {
            if path.is_empty() {
                return Err("folder: needs the folder after the colon, e.g. folder:my-images".into());
            }
            return Ok(OodSet::Folder(PathBuf::from(path)));
        }
        match s.to_ascii_lowercase().as_str() {
            "test" => Ok(OodSet::Test),
            "mnist" => Ok(OodSet::Mnist),
            "fashion" => Ok(OodSet::Fashion),
            "shapes" => Ok(OodSet::Shapes),
            "noise" => Ok(OodSet::Noise),
            "constant" => Ok(OodSet::Constant),
            "flipped" => Ok(OodSet::Flipped),
            "inverted" => Ok(OodSet::Inverted),
            _ => Err(format!("\"{s}\" is not a set genlab ood makes: use {}", Self::CHOICES)),
        }
    }
}

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

/// Why a checkpoint cannot be scored: its family has no likelihood. Names the ones that do.
fn no_likelihood(checkpoint: &Path, kind: FamilyKind) -> String {
    let with: Vec<&str> = LIKELIHOOD_FAMILIES.iter().filter_map(|name| FamilyKind::named(name)).map(FamilyKind::label).collect();
    format!(
        "{} holds {} checkpoint, which has no likelihood to score images by; genlab ood needs a family with \
         log p(x) or a bound on it: {} (trained on images)",
        checkpoint.display(),
        kind.with_article(),
        with.join(", ")
    )
}

/// Scores the in-distribution set and every other set of `options` with the checkpoint's
/// likelihood, and measures how well the raw and the corrected score tell each set apart.
/// `data_dir` overrides the data folder the checkpoint recorded.
pub fn score_sets(
    checkpoint: &Path,
    options: &OodOptions,
    device: &Device,
    data_dir: Option<&Path>,
    progress: ProgressFn,
) -> Result<OodReport, String> {
    check_options(options)?;
    let kind = checkpoint_family(checkpoint)?;
    let recorded = read_progress(checkpoint).ok();
    let own = match recorded.as_ref().and_then(|p| p.dataset) {
        Some(DatasetId::Images(id)) => Some(id),
        Some(other) => {
            return Err(format!(
                "{}: genlab ood scores images, but this {} trained on {}",
                checkpoint.display(),
                kind.label(),
                other.label()
            ));
        }
        None => None,
    };
    let mut family = load_family(checkpoint, device)?;
    if family.likelihood().is_none() {
        return Err(no_likelihood(checkpoint, kind));
    }
    let values = checkpoint_values_per_sample(checkpoint)?;
    let sets = options.against.len() as u128 + 1;
    // Each set's pixels, and a flipped or inverted copy of the in-distribution set.
    check_alloc(
        &format!("--n {} images of {values} pixels from each of {sets} sets", options.n),
        options.n as u128 * sets * values,
        4 * 2,
    )?;
    let classes = match checkpoint_label_classes(checkpoint)? {
        Some(c) => Some(check_range("the checkpoint's number of classes", c, 1, crate::models::bounds::MAX_CLASSES)?),
        None => None,
    };

    let own_dir = checkpoint_data_dir(checkpoint, data_dir);
    let context = SetContext { checkpoint, own, own_dir: own_dir.as_deref(), n: options.n, seed: options.seed, drawn: &options.drawn };
    let inside = load_set(&options.inside, None, &context)?;
    let mut images = vec![inside];
    for set in &options.against {
        let loaded = load_set(set, Some(&images[0].images), &context)?;
        images.push(loaded);
    }
    for set in &images {
        if set.images.pixels_per_image() as u128 != values {
            return Err(format!(
                "{}: its images have {}×{} = {} pixels but the checkpoint's model reads {values}",
                set.name,
                set.images.width,
                set.images.height,
                set.images.pixels_per_image()
            ));
        }
    }

    let model = family.likelihood().ok_or_else(|| no_likelihood(checkpoint, kind))?;
    let mut scorer = Scorer { model, classes, k: options.importance_samples, seed: options.seed, chosen: None };
    let mut log_likelihoods = Vec::with_capacity(images.len());
    for set in &images {
        log_likelihoods.push(scorer.log_likelihoods(&set.name, &set.images, progress)?);
    }
    let (estimate, exact) = scorer.chosen.map(|(_, name, exact)| (name, exact)).ok_or("the model returned no likelihood estimate")?;
    // The PixelCNN scores binarized images and says so in its estimate's name
    // (src/models/pixelcnn/family.rs); L(x) then codes the same binarized image.
    let depth = if estimate.contains("binarized") { Depth::Binary } else { Depth::Byte };

    let mut scored = Vec::with_capacity(images.len());
    for (set, ll) in images.into_iter().zip(log_likelihoods) {
        if !progress(format!("compressing {}", set.name).as_str(), 0.0) {
            return Err("cancelled".into());
        }
        scored.push(summarise(set, &ll, depth)?);
    }
    let mut scored = scored.into_iter();
    let inside = scored.next().ok_or("internal: no in-distribution set")?;
    let raw_in: Vec<f64> = inside.scores.iter().map(|s| s.nll_nats).collect();
    let corrected_in: Vec<f64> = inside.scores.iter().map(|s| s.corrected_bits).collect();
    let mut others = Vec::new();
    for mut set in scored {
        let raw: Vec<f64> = set.scores.iter().map(|s| s.nll_nats).collect();
        let corrected: Vec<f64> = set.scores.iter().map(|s| s.corrected_bits).collect();
        set.auroc_raw = Some(auroc(&raw_in, &raw).map_err(|e| format!("AUROC of {}: {e}", set.name))?);
        set.auroc_corrected = Some(auroc(&corrected_in, &corrected).map_err(|e| format!("AUROC of {}: {e}", set.name))?);
        others.push(set);
    }
    let complexity = match depth {
        Depth::Byte => "bits of the 8-bit image as a PNG (best compression, adaptive filter; Serrà et al. 2020 use PNG, JPEG2000 or FLIF)",
        Depth::Binary => {
            "bits of the image binarized as the model scores it (at 0.5), as a PNG (best compression, adaptive \
             filter; Serrà et al. 2020 use PNG, JPEG2000 or FLIF)"
        }
    };
    Ok(OodReport {
        checkpoint: checkpoint.display().to_string(),
        family: kind.label().to_string(),
        step: recorded.map_or(0, |p| p.step),
        estimate,
        exact,
        complexity: complexity.to_string(),
        classes_marginalised: classes,
        seed: options.seed,
        inside,
        sets: others,
    })
}

/// The scores of a few images (`images.len() / (width × height)` of them) under the
/// checkpoint's likelihood, as `score_sets` scores each set's images with the same options:
/// how the window scores one drawing against a report it already has.
pub fn score_images(
    checkpoint: &Path,
    images: &[f32],
    (width, height): (usize, usize),
    options: &OodOptions,
    device: &Device,
) -> Result<Vec<ExampleScore>, String> {
    check_range("--importance-samples", options.importance_samples, 1, MAX_IMPORTANCE_SAMPLES)?;
    let d = width * height;
    if d == 0 || images.is_empty() || images.len() % d != 0 {
        return Err(format!("{} values do not make whole {width}×{height} images", images.len()));
    }
    check_range("images scored at once", images.len() / d, 1, MAX_EXAMPLES)?;
    let kind = checkpoint_family(checkpoint)?;
    let values = checkpoint_values_per_sample(checkpoint)?;
    if values != d as u128 {
        return Err(format!("these images have {width}×{height} = {d} pixels but the checkpoint's model reads {values}"));
    }
    let classes = match checkpoint_label_classes(checkpoint)? {
        Some(c) => Some(check_range("the checkpoint's number of classes", c, 1, crate::models::bounds::MAX_CLASSES)?),
        None => None,
    };
    let mut family = load_family(checkpoint, device)?;
    let model = family.likelihood().ok_or_else(|| no_likelihood(checkpoint, kind))?;
    let mut scorer = Scorer { model, classes, k: options.importance_samples, seed: options.seed, chosen: None };
    let n = images.len() / d;
    let set = ImageSet { width, height, pixels: images.to_vec(), labels: vec![0; n] };
    let ll = scorer.log_likelihoods("the drawing", &set, &mut |_, _| true)?;
    let estimate = scorer.chosen.map(|(_, name, _)| name).unwrap_or_default();
    let depth = if estimate.contains("binarized") { Depth::Binary } else { Depth::Byte };
    let loaded = LoadedSet { name: String::new(), source: String::new(), images: set };
    Ok(summarise(loaded, &ll, depth)?.scores)
}

/// What every set is loaded against.
struct SetContext<'a> {
    checkpoint: &'a Path,
    /// The dataset the checkpoint trained on, when it recorded one.
    own: Option<ImageDatasetId>,
    /// Its data folder: the one given, else the one the run recorded.
    own_dir: Option<&'a Path>,
    n: usize,
    seed: u64,
    /// The images of the `Drawn` set.
    drawn: &'a [f32],
}

/// A set's images, at most `n`.
struct LoadedSet {
    name: String,
    source: String,
    images: ImageSet,
}

/// Loads one set. `inside` is the in-distribution set, which `flipped` and `inverted` are
/// made from and `noise` and `constant` take their size from; `None` while loading it.
fn load_set(set: &OodSet, inside: Option<&ImageSet>, context: &SetContext) -> Result<LoadedSet, String> {
    let name = set.to_string();
    let n = context.n;
    let derived = |what: &str| inside.ok_or_else(|| format!("internal: {what} needs the in-distribution set"));
    let (source, images) = match set {
        OodSet::Test => {
            let id = context.own.ok_or_else(|| {
                format!(
                    "{}: the checkpoint does not record its dataset; name the in-distribution set with --in \
                     (mnist, fashion, shapes or folder:PATH)",
                    context.checkpoint.display()
                )
            })?;
            let (source, test) = dataset_test_split(id, context)?;
            (format!("{source}, test split (the checkpoint's own data)"), first(&test, n))
        }
        OodSet::Mnist | OodSet::Fashion | OodSet::Shapes => {
            let id = match set {
                OodSet::Mnist => ImageDatasetId::Mnist,
                OodSet::Fashion => ImageDatasetId::Fashion,
                _ => ImageDatasetId::Shapes,
            };
            let (source, test) = dataset_test_split(id, context)?;
            (format!("{source}, test split"), first(&test, n))
        }
        OodSet::Folder(path) => {
            let data = load_image_folder(path)?;
            let mut all = data.train;
            all.pixels.extend_from_slice(&data.test.pixels);
            all.labels.extend_from_slice(&data.test.labels);
            (data.source, first(&all, n))
        }
        OodSet::Noise => {
            let like = derived("noise")?;
            let mut rng = Rng::new(context.seed ^ NOISE_SALT);
            let pixels = (0..n * like.pixels_per_image()).map(|_| rng.below(256) as f32 / 255.0).collect();
            (format!("uniform random 8-bit pixels, seed {}", context.seed), synthetic(like, n, pixels))
        }
        OodSet::Constant => {
            let like = derived("constant")?;
            let d = like.pixels_per_image();
            let pixels = (0..n)
                .flat_map(|i| {
                    let level = ((i % CONSTANT_LEVELS) as f32 / (CONSTANT_LEVELS - 1) as f32 * 255.0).round() / 255.0;
                    std::iter::repeat_n(level, d)
                })
                .collect();
            ("every pixel one level, 0, 0.1, …, 1 in turn (rounded to 8 bits)".to_string(), synthetic(like, n, pixels))
        }
        OodSet::Flipped => {
            let like = derived("flipped")?;
            let w = like.width;
            let pixels = like.pixels.chunks(w).flat_map(|row| row.iter().rev().copied()).collect();
            ("the in-distribution images mirrored left to right".to_string(), ImageSet { pixels, ..like.clone() })
        }
        OodSet::Drawn => {
            let like = derived("drawn")?;
            let d = like.pixels_per_image();
            if context.drawn.is_empty() || context.drawn.len() % d != 0 {
                return Err(format!("drawn: {} values do not make whole {}×{} images", context.drawn.len(), like.width, like.height));
            }
            let count = (context.drawn.len() / d).min(n);
            ("drawn by hand on the pad".to_string(), synthetic(like, count, context.drawn[..count * d].to_vec()))
        }
        OodSet::Inverted => {
            let like = derived("inverted")?;
            let pixels = like.pixels.iter().map(|&p| 1.0 - p).collect();
            ("the in-distribution images with each pixel x as 1 − x".to_string(), ImageSet { pixels, ..like.clone() })
        }
    };
    if images.is_empty() {
        return Err(format!("{name}: the set holds no images"));
    }
    Ok(LoadedSet { name, source, images })
}

/// The test split of an image dataset and where it came from. The checkpoint's own dataset
/// is read from its data folder (the one given, else the one it trained from); MNIST or
/// Fashion-MNIST as another set from that folder when it holds them, else from the sample
/// built into genlab (the source says which).
fn dataset_test_split(id: ImageDatasetId, context: &SetContext) -> Result<(String, ImageSet), String> {
    let dir = match id {
        ImageDatasetId::Shapes => None,
        _ if context.own == Some(id) => context.own_dir,
        ImageDatasetId::Mnist => context.own_dir.filter(|d| find_idx_files(d, IdxDataset::Mnist).is_some()),
        ImageDatasetId::Fashion => context.own_dir.filter(|d| find_idx_files(d, IdxDataset::Fashion).is_some()),
        ImageDatasetId::Folder => context.own_dir,
    };
    let data = load_images(id, dir)?;
    Ok((data.source, data.test))
}

/// The first `n` images of `set` (all of them when it has fewer).
fn first(set: &ImageSet, n: usize) -> ImageSet {
    let n = n.min(set.len());
    let d = set.pixels_per_image();
    ImageSet { width: set.width, height: set.height, pixels: set.pixels[..n * d].to_vec(), labels: set.labels[..n].to_vec() }
}

/// `n` made-up images the size of `like`'s, labelled 0 (labels are not used: see `Scorer`).
fn synthetic(like: &ImageSet, n: usize, pixels: Vec<f32>) -> ImageSet {
    ImageSet { width: like.width, height: like.height, pixels, labels: vec![0; n] }
}

/// Runs the family's likelihood over sets of images in batches, with one estimate for all.
struct Scorer<'a> {
    model: &'a mut dyn LikelihoodModel,
    /// For a class-conditional model: its classes. No set but the test split has labels (and
    /// using them would tell the model the answer), so every set is scored by the marginal
    /// p(x) = (1/C) Σ_y p(x | y) under a uniform prior on the classes.
    classes: Option<usize>,
    k: usize,
    seed: u64,
    /// The estimate scored (index in the family's list, name, exact), fixed by the first batch.
    chosen: Option<(usize, String, bool)>,
}

impl Scorer<'_> {
    /// log p(x) (or the bound) of every image of `set`, nats.
    fn log_likelihoods(&mut self, name: &str, set: &ImageSet, progress: ProgressFn) -> Result<Vec<f64>, String> {
        let (n, d) = (set.len(), set.pixels_per_image());
        // As `metrics::evaluate_likelihood`: fewer rows for larger k (rows × k decoder passes).
        let batch = (4096 / self.k.max(1)).clamp(1, 256);
        let stage = format!("scoring {name}");
        let mut out = Vec::with_capacity(n);
        for start in (0..n).step_by(batch) {
            let rows = batch.min(n - start);
            let x = &set.pixels[start * d..(start + rows) * d];
            // The same draws for every set, so sets differ only in their images.
            let seed = self.seed.wrapping_add(start as u64);
            let per_class: Vec<Vec<f64>> = match self.classes {
                None => vec![self.estimate(x, rows, &vec![0; rows], seed)?],
                Some(c) => (0..c).map(|y| self.estimate(x, rows, &vec![y as u8; rows], seed)).collect::<Result<_, _>>()?,
            };
            out.extend((0..rows).map(|i| log_mean_exp(&per_class.iter().map(|v| v[i]).collect::<Vec<f64>>())));
            if !progress(stage.as_str(), (start + rows) as f64 / n as f64) {
                return Err("cancelled".into());
            }
        }
        Ok(out)
    }

    /// The chosen estimate for one batch.
    fn estimate(&mut self, x: &[f32], rows: usize, labels: &[u8], seed: u64) -> Result<Vec<f64>, String> {
        let estimates = self.model.log_likelihood(x, rows, labels, self.k, seed)?;
        if self.chosen.is_none() {
            let index = pick_estimate(&estimates, self.k);
            let e = estimates.get(index).ok_or("the model returned no likelihood estimate")?;
            self.chosen = Some((index, e.name.clone(), e.exact));
        }
        let index = self.chosen.as_ref().map_or(0, |c| c.0);
        let e = estimates.into_iter().nth(index).ok_or("the model returned fewer likelihood estimates than before")?;
        if e.per_example.len() != rows {
            return Err(format!("the model returned {} likelihoods for {rows} images", e.per_example.len()));
        }
        Ok(e.per_example)
    }
}

/// The estimate to score by: the first the family returns (the exact log p(x) of a PixelCNN or
/// a flow, the VAE's ELBO), except that with k > 1 importance samples the importance-weighted
/// bound (Burda et al. 2016, eq. 8), which is tighter than the ELBO, when the family gives one.
fn pick_estimate(estimates: &[LogLikelihood], k: usize) -> usize {
    estimates.iter().position(|e| k > 1 && e.name.starts_with("IWAE")).unwrap_or(0)
}

/// log((1/C) Σ e^{v_i}), stable for large |v|; the value itself for one term, and NaN when a
/// term is (so the AUROC names the image rather than ranking it).
fn log_mean_exp(v: &[f64]) -> f64 {
    if v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + (v.iter().map(|x| (x - max).exp()).sum::<f64>() / v.len() as f64).ln()
}

/// The pixels L(x) codes.
#[derive(Clone, Copy)]
enum Depth {
    /// 8-bit grey levels.
    Byte,
    /// 0 or 1 at the PixelCNN's threshold, written as 0 or 255 (DEFLATE's Huffman stage then
    /// spends about a bit or less on each).
    Binary,
}

/// L(x): the length in bits of one image as a PNG at the best compression.
fn png_bits(image: &[f32], width: usize, height: usize, depth: Depth) -> Result<f64, String> {
    let bytes: Vec<u8> = image
        .iter()
        .map(|&p| match depth {
            Depth::Byte => (p.clamp(0.0, 1.0) * 255.0).round() as u8,
            Depth::Binary if p > BINARIZE_THRESHOLD => 255,
            Depth::Binary => 0,
        })
        .collect();
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive)
        .write_image(&bytes, width as u32, height as u32, ExtendedColorType::L8)
        .map_err(|e| format!("cannot encode an image as PNG ({e})"))?;
    Ok(8.0 * png.len() as f64)
}

/// One set's per-image scores and their means (the AUROCs are filled in by the caller).
fn summarise(set: LoadedSet, log_likelihoods: &[f64], depth: Depth) -> Result<SetScores, String> {
    let LoadedSet { name, source, images } = set;
    let n = images.len();
    let mut scores = Vec::with_capacity(n);
    for (i, &ll) in log_likelihoods.iter().enumerate() {
        let complexity_bits = png_bits(images.image(i), images.width, images.height, depth)?;
        let nll_nats = -ll;
        scores.push(ExampleScore { nll_nats, complexity_bits, corrected_bits: nll_nats / LN_2 - complexity_bits });
    }
    let mean = |f: fn(&ExampleScore) -> f64| scores.iter().map(f).sum::<f64>() / n as f64;
    let mean_nll_nats = mean(|s| s.nll_nats);
    // NaN scores (an image the model could not score) sort last either way.
    let mut order: Vec<usize> = (0..n).filter(|&i| !scores[i].nll_nats.is_nan()).collect();
    order.sort_by(|&a, &b| scores[a].nll_nats.total_cmp(&scores[b].nll_nats));
    let keep = |i: usize| (i, scores[i].nll_nats, images.image(i).to_vec());
    let extremes = Extremes {
        width: images.width,
        height: images.height,
        most_typical: order.iter().take(EXTREMES).map(|&i| keep(i)).collect(),
        least_typical: order.iter().rev().take(EXTREMES).map(|&i| keep(i)).collect(),
    };
    Ok(SetScores {
        bits_per_dim: mean_nll_nats / (images.pixels_per_image() as f64 * LN_2),
        mean_nll_nats,
        mean_complexity_bits: mean(|s| s.complexity_bits),
        mean_corrected_bits: mean(|s| s.corrected_bits),
        name,
        source,
        n,
        auroc_raw: None,
        auroc_corrected: None,
        scores,
        extremes,
    })
}
