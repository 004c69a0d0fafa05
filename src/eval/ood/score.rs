//! The two ways in: score every set of a run's options against the in-distribution set
//! (`genlab ood` and the window's Density tab), or score a few images, a drawing, the same way.

use std::path::Path;

use burn::tensor::Device;

use crate::data::{DatasetId, ImageSet};
use crate::eval::ProgressFn;
use crate::eval::run::{MAX_IMPORTANCE_SAMPLES, checkpoint_data_dir};
use crate::limits::{check_alloc, check_range};
use crate::metrics::auroc;
use crate::models::{FamilyKind, checkpoint_family, checkpoint_label_classes, checkpoint_values_per_sample, load_family};
use crate::train::checkpoint::read_progress;

use super::complexity::{Depth, summarise};
use super::likelihood::Scorer;
use super::options::{MAX_EXAMPLES, OodOptions, check_options};
use super::report::{ExampleScore, OodReport};
use super::sets::{LoadedSet, SetContext, load_set};

/// The families whose checkpoints give a likelihood of images (their `likelihood()` view), by
/// registry name: for the message to a user who brings another.
pub const LIKELIHOOD_FAMILIES: [&str; 5] = ["vae", "pixelcnn", "flow", "rbm", "diffusion"];

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
