//! Model families. Each is a folder: config + module + forward, a `Family` impl that wraps
//! the network in its process (loss, sampler), its views (`crate::views::Model`), and an
//! `entry.rs` for the registry (`registry.rs`). Adding a family adds a folder, one line in
//! `registry::FAMILIES` and a tab file; the trainer does not change.

pub mod autoencoder;
pub mod charlm;
pub mod classifier;
pub mod dbn;
pub mod diffusion;
pub mod fast_layers;
pub mod flow;
pub mod flow_matching;
pub mod gan;
pub mod gmmn;
pub mod latent_diffusion;
pub mod one_hot;
pub mod one_network;
pub mod pixelcnn;
pub mod points;
pub mod rbm;
pub mod registry;
pub mod settings;
pub mod vae;
pub mod vqvae;
pub mod weights;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use burn::tensor::Device;

use crate::train::checkpoint::{CONFIG_FILE, read_config};
use crate::views::Model;

pub use registry::{Built, DataKind, DataShape, FAMILIES, FamilyEntry, FamilyKind};
pub use settings::Settings;

/// Every family, in the order of the GUI's tabs (the registry's list).
pub const ALL_FAMILIES: &[FamilyKind] = &registry::FAMILIES;

/// Rebuilds whatever family a checkpoint directory holds (its `config.json` names it). The
/// configuration is checked against the family's bounds and the weights against it before
/// anything is applied: a hand-edited or corrupted checkpoint is an error, never a panic.
pub fn load_family(dir: &Path, device: &Device) -> Result<Box<dyn Model>, String> {
    (checkpoint_family(dir)?.entry().load)(dir, device)
}

/// Which family a checkpoint holds, from the `family` field of its `config.json` (and, for
/// a "vae" checkpoint, its `variational` setting: see each entry's `holds`).
pub fn checkpoint_family(dir: &Path) -> Result<FamilyKind, String> {
    let json = read_config(dir)?;
    let file = dir.join(CONFIG_FILE);
    let name = match json.get("family") {
        Some(serde_json::Value::String(name)) => name.as_str(),
        Some(other) => return Err(format!("{}: the \"family\" field is {other}, not a family name", file.display())),
        None => return Err(format!("{}: no \"family\" field", file.display())),
    };
    let config = json.get("config");
    if let Some(kind) = FAMILIES.iter().copied().find(|k| (k.entry().holds)(name, config)) {
        return Ok(kind);
    }
    let known: Vec<&str> = FAMILIES.iter().map(|k| k.name()).collect();
    Err(format!("{}: unknown family \"{name}\" (genlab writes {})", file.display(), known.join(", ")))
}

/// Loads a checkpoint only when it holds one of the `expected` families (a tab's "Load
/// checkpoint"): another family's checkpoint is refused before anything is built, with a
/// message saying what it holds and where to open it.
pub fn load_family_expecting(dir: &Path, device: &Device, expected: &[FamilyKind]) -> Result<Box<dyn Model>, String> {
    let kind = checkpoint_family(dir)?;
    if !expected.contains(&kind) {
        let wanted: Vec<&str> = expected.iter().map(|k| k.label()).collect();
        let wanted = if wanted.is_empty() { "no".to_string() } else { wanted.join(" or ") };
        return Err(format!(
            "{} holds {} checkpoint; this tab opens {wanted} checkpoints (open it in the {} tab)",
            dir.display(),
            kind.with_article(),
            kind.label()
        ));
    }
    (kind.entry().load)(dir, device)
}

/// Checks a checkpoint's configuration against the bounds of its family without building
/// anything (the Compare tab shows the answer in the run's row): the family it holds, or
/// the reason it cannot be loaded, naming the file, the field, the value and the limit.
pub fn validate_checkpoint(dir: &Path) -> Result<FamilyKind, String> {
    let kind = checkpoint_family(dir)?;
    let json = read_config(dir)?;
    (kind.entry().validate)(&json, dir)?;
    Ok(kind)
}

/// The classes a checkpoint's model is conditioned on: `Some(k)` for a class-conditional
/// model (labels 0 … k − 1), `None` for one that takes no label.
pub fn checkpoint_label_classes(dir: &Path) -> Result<Option<usize>, String> {
    let json = read_config(dir)?;
    let config = json.get("config");
    let conditional = config.and_then(|c| c.get("conditional")).and_then(serde_json::Value::as_bool).unwrap_or(false);
    if !conditional {
        return Ok(None);
    }
    let classes = config.and_then(|c| c.get("num_classes")).and_then(serde_json::Value::as_u64).unwrap_or(0);
    Ok(Some(usize::try_from(classes).unwrap_or(usize::MAX)))
}

/// Values one sample of a checkpoint's model holds (pixels of an image, 2 for a point,
/// characters of a text), for sizing a request before it is made. Read from `config.json`
/// in u128, so a hand-edited size cannot overflow here; the family's `validate` bounds it.
pub fn checkpoint_values_per_sample(dir: &Path) -> Result<u128, String> {
    let json = read_config(dir)?;
    let field = |name: &str| json.get("config").and_then(|c| c.get(name)).and_then(serde_json::Value::as_u64).map(u128::from);
    Ok(match (field("data_dim"), field("width"), field("height"), field("sample_length")) {
        (Some(d), _, _, _) => d,
        (None, Some(w), Some(h), _) => w * h,
        (None, _, _, Some(length)) => length,
        _ => 2,
    }
    .max(1))
}

/// Upper bounds on the sizes a family's configuration may ask for, checked by each
/// config's `validate` (from the command line, the GUI and a checkpoint's `config.json`
/// alike) before a network is built. Each is far above every default and every setting the
/// GUI offers; the parameter count is checked against this machine's memory as well.
pub mod bounds {
    /// Image sides, pixels: 256. genlab's datasets are 28×28 (an image folder is resized to
    /// 28×28); 256 leaves room for larger IDX sets and keeps width × height at most 65,536.
    pub const MAX_SIDE: usize = 256;
    /// Values per example (2 for points, width × height for images): a 256×256 image.
    pub const MAX_DATA_DIM: usize = MAX_SIDE * MAX_SIDE;
    /// Classes: 256, all a `u8` label can name (an image folder stops at 255 classes).
    pub const MAX_CLASSES: usize = 256;
    /// Width of a hidden layer: 8,192, eight times the widest the GUI offers (the VAE's 1,024).
    pub const MAX_HIDDEN: usize = 8192;
    /// Hidden layers of an MLP: 64 (defaults 1-3).
    pub const MAX_LAYERS: usize = 64;
    /// Feature maps of a convolution: 1,024 (defaults 32-64; the GUI offers up to 128).
    pub const MAX_CHANNELS: usize = 1024;
    /// Latent dimensions: 1,024 (defaults 2-64).
    pub const MAX_LATENT: usize = 1024;
    /// Diffusion timesteps T: 10,000, ten times Ho et al. 2020's 1,000 (the GUI offers 2,000).
    pub const MAX_TIMESTEPS: usize = 10_000;
    /// A learning rate: at most 10, ten times the command line's `--lr` limit of 1 (the RBM's
    /// plain SGD takes the largest, 0.01-0.1; Adam's are 1e-4-1e-2).
    pub const MAX_LEARNING_RATE: f64 = 10.0;
    /// Bytes one parameter costs while training: its f32 weight, its gradient and Adam's
    /// two moments.
    pub const TRAINING_BYTES_PER_PARAM: u128 = 16;
}

/// A size field of a configuration (`name` as `config.json` spells it) in `min..=max`.
pub fn check_size(name: &str, value: usize, min: usize, max: usize) -> Result<(), String> {
    crate::limits::check_range(name, value, min, max).map(|_| ())
}

/// The data sizes of a model of points or images: `data_dim` values per example (at least
/// `min_dim`) and image sides (0 for points) within `bounds`; when `images`, the
/// `width` × `height` pixels must be exactly those values (the GAN and diffusion networks
/// check their own rules on image sides instead).
pub fn check_data_sizes(data_dim: usize, min_dim: usize, width: usize, height: usize, images: bool) -> Result<(), String> {
    check_size("data_dim", data_dim, min_dim, bounds::MAX_DATA_DIM)?;
    check_size("width", width, 0, bounds::MAX_SIDE)?;
    check_size("height", height, 0, bounds::MAX_SIDE)?;
    if images && width * height != data_dim {
        return Err(format!("data of {data_dim} values ({width}×{height}) does not add up"));
    }
    Ok(())
}

/// Refuses a batch `x` of `n` examples that are not `dim` values each (2-D points when
/// `points`, else images of one size); `model` names the model in the sentence ("this GAN").
pub fn check_example_size(x: &[f32], n: usize, dim: usize, points: bool, model: &str) -> Result<(), String> {
    if x.len() != n * dim {
        let what = if points { "2-D points" } else { "images of this size" };
        return Err(format!(
            "the data has {} values per example but {model} makes {dim} ({what}): pick a matching dataset or press Reset",
            x.len() / n.max(1)
        ));
    }
    Ok(())
}

/// Checks an inpainting mask, one flag a pixel (true = hidden), against images of `width` ×
/// `height` (`model` names the model in the sentence: "this PixelCNN"). Whether there is
/// anything to fill: false for no images or no hidden pixel, when the images stay as given.
pub fn check_mask(hidden: &[bool], n: usize, width: usize, height: usize, model: &str) -> Result<bool, String> {
    let d = width * height;
    if hidden.len() != d {
        return Err(format!("the mask covers {} pixels but {model}'s images have {width}×{height} = {d}", hidden.len()));
    }
    Ok(n > 0 && hidden.contains(&true))
}

/// A step size: finite, above 0 and at most `max`.
pub fn check_rate(name: &str, value: f64, max: f64) -> Result<(), String> {
    if value.is_finite() && value > 0.0 && value <= max {
        Ok(())
    } else {
        Err(format!("{name} {value} is out of range: it must be a finite number above 0 and at most {max}"))
    }
}

/// The Adam step size of a family that takes it in (0, 1) (the one-network families).
pub fn check_learning_rate(learning_rate: f64) -> Result<(), String> {
    if learning_rate > 0.0 && learning_rate < 1.0 { Ok(()) } else { Err(format!("learning rate {learning_rate} must be in (0, 1)")) }
}

/// Refuses a network of `params` parameters that would not fit in memory while training.
/// `what` names it ("this PixelCNN").
pub fn check_params(what: &str, params: u128) -> Result<(), String> {
    crate::limits::check_alloc(
        &format!("{what} ({params} parameters, {} bytes each with gradients and Adam's moments)", bounds::TRAINING_BYTES_PER_PARAM),
        params,
        bounds::TRAINING_BYTES_PER_PARAM,
    )
}

/// Parameters of a fully connected layer with a bias, in u128 (no overflow for any `usize`).
pub fn linear_params(inputs: usize, outputs: usize) -> u128 {
    (inputs as u128 + 1) * outputs as u128
}

/// Parameters of a square `kernel`×`kernel` convolution (or transposed convolution) with a bias.
pub fn conv_params(from: usize, to: usize, kernel: usize) -> u128 {
    (from as u128 * kernel as u128 * kernel as u128 + 1) * to as u128
}

static SEED_LOCK: Mutex<()> = Mutex::new(());

/// Seeds `device`'s random generator and holds a process-wide lock until the returned guard
/// drops: a family seeds, then draws its initial weights, and another thread seeding the same
/// (shared) device in between would change them. With the guard alive through the
/// initialisation, a seed gives the same weights however many models are built at once.
pub fn seed_device(device: &Device, seed: u64) -> MutexGuard<'static, ()> {
    let guard = SEED_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    device.seed(seed);
    guard
}

/// `device` with autodiff on, for a family about to draw its initial weights from `seed`:
/// they must be drawn while the returned guard lives (see `seed_device`).
pub fn seeded_training_device(device: &Device, seed: u64) -> (Device, MutexGuard<'static, ()>) {
    let guard = seed_device(device, seed);
    (device.clone().autodiff(), guard)
}
