//! The sets of images to score: what `--in` and `--vs` name, and how each is loaded from a
//! dataset or a folder, or made from the in-distribution set or from nothing.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::data::folder::load_image_folder;
use crate::data::images::find_idx_files;
use crate::data::{IdxDataset, ImageDatasetId, ImageSet, load_images};
use crate::rng::Rng;

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
    pub(super) fn is_synthetic(&self) -> bool {
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

/// What every set is loaded against.
pub(super) struct SetContext<'a> {
    pub(super) checkpoint: &'a Path,
    /// The dataset the checkpoint trained on, when it recorded one.
    pub(super) own: Option<ImageDatasetId>,
    /// Its data folder: the one given, else the one the run recorded.
    pub(super) own_dir: Option<&'a Path>,
    pub(super) n: usize,
    pub(super) seed: u64,
    /// The images of the `Drawn` set.
    pub(super) drawn: &'a [f32],
}

/// A set's images, at most `n`.
pub(super) struct LoadedSet {
    pub(super) name: String,
    pub(super) source: String,
    pub(super) images: ImageSet,
}

/// Loads one set. `inside` is the in-distribution set, which `flipped` and `inverted` are
/// made from and `noise` and `constant` take their size from; `None` while loading it.
pub(super) fn load_set(set: &OodSet, inside: Option<&ImageSet>, context: &SetContext) -> Result<LoadedSet, String> {
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
