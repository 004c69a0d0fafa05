//! The evaluation itself: real reference features once per dataset, then any number of
//! checkpoints measured against them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use burn::tensor::Device;

use crate::data::{DatasetId, ImageData, ImageDatasetId, ToyKind, load_images};
use crate::limits::{check_alloc, check_range};
use crate::metrics::{self, Features, evaluate_likelihood};
use crate::models::classifier::{Classifier, ClassifierConfig, FID_NAME, TrainOptions, train_classifier};
use crate::models::{checkpoint_values_per_sample, load_family};
use crate::rng::Rng;
use crate::train::Samples;
use crate::train::checkpoint::read_progress;

use super::report::{EvalReport, SampleMetrics};
use super::{EvalOptions, ProgressFn};

/// RBF bandwidths of the MMD on 2-D toys: from a mode's width to the ring's radius.
pub const TOY_MMD_BANDWIDTHS: [f64; 3] = [0.1, 0.5, 2.0];

/// Samples drawn per call to the family while generating.
const SAMPLE_CHUNK: usize = 500;

/// The most samples one evaluation draws (`--n`): 50,000, as the Compare tab offers; PRDC's
/// nearest-neighbour search grows as n², and the samples themselves are checked against this
/// machine's memory.
pub const MAX_EVAL_SAMPLES: usize = 50_000;
/// The largest k of the k-NN balls (`--k`): 100 (Kynkäänniemi et al. 2019 use 3, Naeem et al.
/// 2020 use 5; the Compare tab offers up to 50).
pub const MAX_K: usize = 100;
/// The most importance samples of the likelihood bound (`--importance-samples`): 5,000, as
/// the Compare tab offers (Burda et al. 2016 report k up to 5,000).
pub const MAX_IMPORTANCE_SAMPLES: usize = 5000;

/// Refuses `n` generated samples of the checkpoint's model that would not fit in memory
/// (they are kept whole for the metrics, beside a copy on their way through the classifier).
pub fn check_sample_memory(checkpoint: &Path, n: usize) -> Result<(), String> {
    let values = checkpoint_values_per_sample(checkpoint)?;
    check_alloc(&format!("--n {n} samples of {values} values each"), n as u128 * values, 4 * 2)
}

/// Checks the options a user sets (n, k, importance samples) before anything is loaded;
/// the message names the flag, the value and the limit.
pub fn check_options(options: &EvalOptions) -> Result<(), String> {
    check_range("--n", options.n, 1, MAX_EVAL_SAMPLES)?;
    check_range("--k", options.k, 1, MAX_K)?;
    if options.k >= options.n {
        return Err(format!(
            "--k {} is too large for --n {}: each sample's k-th nearest neighbour must be another sample, so 1 ≤ k < n",
            options.k, options.n
        ));
    }
    check_range("--importance-samples", options.importance_samples, 1, MAX_IMPORTANCE_SAMPLES)?;
    Ok(())
}

/// The real side of every comparison on one dataset: test-set features and the baseline
/// (real training data measured against them).
pub struct RealReference {
    pub dataset: DatasetId,
    pub feature_space: String,
    pub test: Features,
    pub baseline: SampleMetrics,
    pub warnings: Vec<String>,
    kind: ReferenceKind,
}

enum ReferenceKind {
    Images { classifier: Classifier, data: Arc<ImageData> },
    Points { toy: ToyKind },
}

fn cancelled() -> String {
    "cancelled".to_string()
}

/// Builds the real reference for `dataset`: loads the data and the classifier, embeds the test
/// set, and measures `min(n, train size)` training examples against it.
pub fn real_features(
    dataset: DatasetId,
    options: &EvalOptions,
    device: &Device,
    data_dir: Option<&Path>,
    progress: ProgressFn,
) -> Result<RealReference, String> {
    check_options(options)?;
    match dataset {
        DatasetId::Text => Err("genlab eval measures image and 2-D models; a character model's test likelihood (bits per character) is shown in its tab and printed by genlab train".into()),
        DatasetId::Images(id) => {
            let data = Arc::new(load_images(id, data_dir)?);
            let (classifier, which) = match &options.classifier {
                Some(path) => {
                    let c = Classifier::load(path, device)?;
                    let which = format!("the classifier in {} (trained on {})", path.display(), c.info.dataset);
                    (c, which)
                }
                None if id == ImageDatasetId::Folder => folder_classifier(&data, device, progress)?,
                None => {
                    let c = Classifier::shipped(id, device)?;
                    let which = format!("genlab's LeNet trained on {}", c.info.dataset);
                    (c, which)
                }
            };
            if classifier.info.config.pixels() != data.test.pixels_per_image() {
                return Err(format!(
                    "the classifier reads {}×{} images but {} has {}×{}",
                    classifier.info.config.width,
                    classifier.info.config.height,
                    id.label(),
                    data.test.width,
                    data.test.height
                ));
            }
            if !progress("embedding the real test set", 0.0) {
                return Err(cancelled());
            }
            let test = &data.test;
            let (test_features, _) = classifier.features(&test.pixels, test.len(), "the real test images")?;
            if !progress("embedding real training images", 0.5) {
                return Err(cancelled());
            }
            let n_base = options.n.min(data.train.len());
            let d = data.train.pixels_per_image();
            let (base, base_logits) =
                classifier.features(&data.train.pixels[..n_base * d], n_base, "the real training images")?;
            let (baseline, warnings) =
                sample_metrics(&test_features, &base, Some((base_logits.as_slice(), classifier.num_classes())), None, options)?;
            let feature_space = format!(
                "{FID_NAME}: {}-d penultimate layer of {which} ({:.2} % test accuracy); not comparable with Inception FID",
                classifier.feature_dim(),
                100.0 * classifier.info.test_accuracy
            );
            Ok(RealReference { dataset, feature_space, test: test_features, baseline, warnings, kind: ReferenceKind::Images { classifier, data } })
        }
        DatasetId::Toy(toy) => {
            let n = options.n.max(options.k + 1);
            let (test_points, _) = toy.sample(n, &mut Rng::new(options.seed ^ 0x7E57));
            let (train_points, _) = toy.sample(n, &mut Rng::new(options.seed ^ 0x7EA1));
            let test = Features::from_points(&test_points, "the real test points")?;
            let base = Features::from_points(&train_points, "the real training points")?;
            let (baseline, warnings) = sample_metrics(&test, &base, None, Some((train_points.as_slice(), toy)), options)?;
            let feature_space = "the 2-D points themselves".to_string();
            Ok(RealReference { dataset, feature_space, test, baseline, warnings, kind: ReferenceKind::Points { toy } })
        }
    }
}

/// FID, precision/recall/density/coverage and, where they apply, IS, MMD² and mode coverage of
/// `fake` against `real`.
pub fn sample_metrics(
    real: &Features,
    fake: &Features,
    logits: Option<(&[f64], usize)>,
    points: Option<(&[[f32; 2]], ToyKind)>,
    options: &EvalOptions,
) -> Result<(SampleMetrics, Vec<String>), String> {
    let fid = metrics::frechet_distance(real, fake)?;
    let prdc = metrics::prdc(real, fake, options.k)?;
    let inception_score = match logits {
        Some((logits, classes)) => {
            let probs = metrics::softmax_rows(logits, classes);
            let splits = options.splits.min(fake.len()).max(1);
            let is = metrics::inception_score(&probs, classes, splits)?;
            Some((is.mean, is.std))
        }
        None => None,
    };
    let (mmd2, modes) = match points {
        Some((points, toy)) => {
            // MMD is quadratic in n: 5k points per side keep it to about a second.
            let mmd = metrics::mmd2(&real.head(5000), &fake.head(5000), &TOY_MMD_BANDWIDTHS)?;
            let modes = match toy.modes() {
                Some((centres, sigma)) => {
                    let m = metrics::mode_coverage(points, &centres, sigma)?;
                    Some((m.modes_covered, m.modes_total, m.high_quality))
                }
                None => None,
            };
            (Some(mmd.unbiased), modes)
        }
        None => (None, None),
    };
    let metrics = SampleMetrics {
        n_real: real.len(),
        n_fake: fake.len(),
        fid: fid.distance,
        precision: prdc.precision,
        recall: prdc.recall,
        density: prdc.density,
        coverage: prdc.coverage,
        k: prdc.k,
        inception_score,
        mmd2,
        modes,
    };
    Ok((metrics, fid.warning.into_iter().collect()))
}

/// Evaluates one checkpoint folder; the dataset comes from the checkpoint unless the options
/// name one.
pub fn evaluate(
    checkpoint: &Path,
    options: &EvalOptions,
    device: &Device,
    data_dir: Option<&Path>,
    progress: ProgressFn,
) -> Result<EvalReport, String> {
    let dataset = checkpoint_dataset(checkpoint, options)?;
    let data_dir = checkpoint_data_dir(checkpoint, data_dir);
    let reference = real_features(dataset, options, device, data_dir.as_deref(), progress)?;
    evaluate_against(checkpoint, &reference, options, device, progress)
}

/// The dataset a checkpoint trained on (or the options' override), with a clear message when
/// neither says.
pub fn checkpoint_dataset(checkpoint: &Path, options: &EvalOptions) -> Result<DatasetId, String> {
    match options.dataset {
        Some(d) => Ok(d),
        None => read_progress(checkpoint)?
            .dataset
            .ok_or_else(|| format!("{}: the checkpoint does not record its dataset; name it with --dataset", checkpoint.display())),
    }
}

/// The data folder to evaluate with: the one given, else the one the run recorded.
pub fn checkpoint_data_dir(checkpoint: &Path, given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(|| read_progress(checkpoint).ok().and_then(|p| p.data_dir))
}

/// Evaluates one checkpoint against an already built reference (the Compare tab builds the
/// reference once for all its runs).
pub fn evaluate_against(
    checkpoint: &Path,
    reference: &RealReference,
    options: &EvalOptions,
    device: &Device,
    progress: ProgressFn,
) -> Result<EvalReport, String> {
    check_options(options)?;
    let n = options.n.max(options.k + 1);
    check_sample_memory(checkpoint, n)?;
    let mut family = load_family(checkpoint, device)?;
    let step = read_progress(checkpoint).map(|p| p.step).unwrap_or(0);

    // Generate in chunks, each with its own seed derived from the run's.
    let started = Instant::now();
    let mut images: Vec<f32> = Vec::new();
    let mut points: Vec<[f32; 2]> = Vec::new();
    let mut done = 0;
    for (chunk, start) in (0..n).step_by(SAMPLE_CHUNK).enumerate() {
        let count = SAMPLE_CHUNK.min(n - start);
        match family.sample(count, options.seed.wrapping_add(chunk as u64), None)? {
            Samples::Images(batch) => images.extend(batch.pixels),
            Samples::Points(p) => points.extend(p),
            Samples::Text(_) => return Err("sample metrics are defined for images and 2-D points, not text".into()),
        }
        done += count;
        if !progress("generating samples", done as f64 / n as f64) {
            return Err(cancelled());
        }
    }
    let sample_ms_per_image = started.elapsed().as_secs_f64() * 1e3 / n as f64;

    let mut warnings = reference.warnings.clone();
    if let Some(warning) = crate::models::checkpoint_family(checkpoint)?.entry().eval_warning {
        warnings.push(warning.into());
    }
    let (samples, likelihood) = match &reference.kind {
        ReferenceKind::Images { classifier, data } => {
            if points.len() == n || images.len() != n * data.test.pixels_per_image() {
                return Err(format!(
                    "{}: the model's samples do not match {} images ({}×{})",
                    checkpoint.display(),
                    reference.dataset.label(),
                    data.test.width,
                    data.test.height
                ));
            }
            if !progress("embedding the samples", 0.0) {
                return Err(cancelled());
            }
            let (fake, logits) = classifier.features(&images, n, "the generated images")?;
            if !progress("computing the metrics", 0.0) {
                return Err(cancelled());
            }
            let (metrics, w) = sample_metrics(&reference.test, &fake, Some((logits.as_slice(), classifier.num_classes())), None, options)?;
            warnings.extend(w);
            let mut likelihood = Vec::new();
            if let Some(model) = family.likelihood() {
                let mut report = |done: usize, total: usize| progress("test-set likelihood", done as f64 / total as f64);
                let rows = evaluate_likelihood(
                    model,
                    &data.test,
                    options.likelihood_examples,
                    options.importance_samples,
                    options.seed,
                    &mut report,
                )?;
                likelihood = rows;
            }
            (metrics, likelihood)
        }
        ReferenceKind::Points { toy } => {
            if points.len() != n {
                return Err(format!("{}: the model draws images, but {} is 2-D data", checkpoint.display(), toy.label()));
            }
            let fake = Features::from_points(&points, "the generated points")?;
            let (metrics, w) = sample_metrics(&reference.test, &fake, None, Some((points.as_slice(), *toy)), options)?;
            warnings.extend(w);
            (metrics, Vec::new())
        }
    };
    Ok(EvalReport {
        checkpoint: checkpoint.display().to_string(),
        family: family.family_name().to_string(),
        description: family.describe(),
        num_params: family.num_params(),
        step,
        dataset: reference.dataset.label().to_string(),
        feature_space: reference.feature_space.clone(),
        seed: options.seed,
        samples,
        baseline: reference.baseline.clone(),
        likelihood,
        sample_ms_per_image,
        warnings,
    })
}

/// The classifier for the user's own images: one trained on the folder when it has labels
/// (two or more class subfolders; kept in the user cache folder for next time), else the
/// shipped classifier that is most confident on the images, i.e. whose domain is closest.
/// Returns it with a sentence saying which was used and why.
fn folder_classifier(data: &ImageData, device: &Device, progress: ProgressFn) -> Result<(Classifier, String), String> {
    if data.num_classes() >= 2 {
        let cache = classifier_cache_path(data);
        if let Some(c) = cache.as_ref().and_then(|p| Classifier::load(p, device).ok()) {
            let which = format!("a LeNet trained on your folder's {} classes (cached in {})", data.num_classes(), cache_display(&cache));
            return Ok((c, which));
        }
        let config = ClassifierConfig {
            width: data.train.width,
            height: data.train.height,
            num_classes: data.num_classes(),
            ..ClassifierConfig::default()
        };
        // About 2,000 steps of 64 images, at least 2 epochs.
        let epochs = (2000 * 64 / data.train.len().max(1)).clamp(2, 30);
        let options = TrainOptions { epochs, ..TrainOptions::default() };
        let mut report = |p: &crate::models::classifier::TrainProgress| {
            progress("training a classifier on your folder", p.step as f64 / p.steps_total.max(1) as f64)
        };
        let classifier = train_classifier(config, "your image folder", data, &options, device, &mut report)?;
        if let Some(path) = &cache {
            // A cache that cannot be written only costs the training next time.
            let _ = classifier.save(path);
        }
        let which = format!("a LeNet genlab trained on your folder's {} classes", data.num_classes());
        return Ok((classifier, which));
    }
    let n = data.train.len().min(1000);
    let d = data.train.pixels_per_image();
    let mut scores = Vec::new();
    for id in [ImageDatasetId::Mnist, ImageDatasetId::Fashion, ImageDatasetId::Shapes] {
        let Ok(c) = Classifier::shipped(id, device) else { continue };
        if c.info.config.pixels() != d {
            continue;
        }
        let (_, logits) = c.embed(&data.train.pixels[..n * d], n)?;
        let probs = metrics::softmax_rows(&logits.iter().map(|&v| v as f64).collect::<Vec<_>>(), c.num_classes());
        let confidence = probs.chunks(c.num_classes()).map(|r| r.iter().copied().fold(0.0, f64::max)).sum::<f64>() / n as f64;
        scores.push((confidence, c));
    }
    scores.sort_by(|a, b| b.0.total_cmp(&a.0));
    let summary: Vec<String> = scores.iter().map(|(s, c)| format!("{} {s:.2}", c.info.dataset)).collect();
    let Some((best, classifier)) = scores.into_iter().next() else {
        return Err("no shipped classifier reads images of this size".into());
    };
    let which = format!(
        "the shipped {} LeNet, the most confident on your unlabelled images (mean top-class probability {best:.2}; {})",
        classifier.info.dataset,
        summary.join(", ")
    );
    Ok((classifier, which))
}

/// Where a folder's trained classifier is kept: the user cache folder, keyed by the folder's
/// path and contents summary.
fn classifier_cache_path(data: &ImageData) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let key = format!("{}|{}|{}|{:?}", data.source, data.train.len(), data.test.len(), data.class_names);
    let hash = super::cache::fnv1a(key.bytes().chain(data.train.pixels.iter().take(4096).flat_map(|p| p.to_bits().to_le_bytes())));
    Some(base.join("genlab").join("classifiers").join(format!("folder-{hash:016x}.bpk")))
}

fn cache_display(path: &Option<PathBuf>) -> String {
    path.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
}
