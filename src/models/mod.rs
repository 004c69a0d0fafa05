//! Model families. Each is a folder: config + module + forward, and a `Family` impl that wraps
//! the network in its process (loss, sampler, views). Adding a family adds a folder, a variant
//! here and a tab file; the trainer does not change.

pub mod autoencoder;
pub mod charlm;
pub mod classifier;
pub mod diffusion;
pub mod fast_layers;
pub mod flow;
pub mod gan;
pub mod gmmn;
pub mod one_hot;
pub mod pixelcnn;
pub mod rbm;
pub mod vae;
pub mod weights;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::train::checkpoint::{read_config, CONFIG_FILE};
use crate::train::Family;

/// The families genlab can build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FamilyKind {
    Vae,
    /// A plain autoencoder with the VAE's networks: the baseline the VAE improves on.
    Autoencoder,
    Gan,
    Diffusion,
    /// PixelCNN: an autoregressive model of binarized images with an exact likelihood.
    Pixelcnn,
    /// A character-level transformer language model.
    Charlm,
    /// RealNVP, a normalizing flow with an exact likelihood.
    Flow,
    /// A restricted Boltzmann machine trained with contrastive divergence.
    Rbm,
    /// A generative moment matching network: a generator trained on MMD².
    Gmmn,
}

impl FamilyKind {
    pub fn label(self) -> &'static str {
        match self {
            FamilyKind::Vae => "VAE",
            FamilyKind::Autoencoder => "Autoencoder",
            FamilyKind::Gan => "GAN",
            FamilyKind::Diffusion => "Diffusion",
            FamilyKind::Pixelcnn => "PixelCNN",
            FamilyKind::Charlm => "Character model",
            FamilyKind::Flow => "Flow",
            FamilyKind::Rbm => "RBM",
            FamilyKind::Gmmn => "GMMN",
        }
    }
}

/// Rebuilds whatever family a checkpoint directory holds (its `config.json` names it).
pub fn load_family(dir: &Path, device: &Device) -> Result<Box<dyn Family>, String> {
    let json = read_config(dir)?;
    match json.get("family").and_then(|f| f.as_str()) {
        Some(vae::family::FAMILY_NAME) | Some(autoencoder::FAMILY_NAME) => Ok(Box::new(vae::VaeFamily::load(dir, device)?)),
        Some(gan::family::FAMILY_NAME) => Ok(Box::new(gan::GanFamily::load(dir, device)?)),
        Some(diffusion::family::FAMILY_NAME) => Ok(Box::new(diffusion::DiffusionFamily::load(dir, device)?)),
        Some(pixelcnn::family::FAMILY_NAME) => Ok(Box::new(pixelcnn::PixelCnnFamily::load(dir, device)?)),
        Some(charlm::family::FAMILY_NAME) => Ok(Box::new(charlm::CharLmFamily::load(dir, device)?)),
        Some(flow::family::FAMILY_NAME) => Ok(Box::new(flow::FlowFamily::load(dir, device)?)),
        Some(rbm::family::FAMILY_NAME) => Ok(Box::new(rbm::RbmFamily::load(dir, device)?)),
        Some(gmmn::family::FAMILY_NAME) => Ok(Box::new(gmmn::GmmnFamily::load(dir, device)?)),
        Some(other) => Err(format!("{}: unknown family \"{other}\"", dir.join(CONFIG_FILE).display())),
        None => Err(format!("{}: no \"family\" field", dir.join(CONFIG_FILE).display())),
    }
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
