//! The trained autoencoder latent diffusion works in, frozen (Rombach et al. 2022, §3: the
//! autoencoder is trained once, then only the diffusion model over its latents). It is the VAE
//! family's own network (`crate::models::vae::Vae`, MLP or convolutional, from a "vae" or
//! "autoencoder" checkpoint), kept on the inference device without autodiff, so no gradient
//! ever reaches it and no optimiser holds it. Its weights are written into the latent
//! diffusion checkpoint as a file of their own (`AUTOENCODER_FILE`), so that checkpoint opens
//! after the autoencoder's folder is gone.

use std::path::Path;

use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::models::vae::{Vae, VaeArch, VaeConfig};
use crate::models::weights::{config_from_json, in_config_file, load_weights, read_back, save_weights};
use crate::train::checkpoint::read_config;
use crate::train::{FamilyResult, ImageBatch};

/// The weight file of a VAE or autoencoder checkpoint (the VAE family's `WEIGHTS_FILE`,
/// `crate::models::vae::family`).
const CHECKPOINT_WEIGHTS: &str = "model.bpk";
/// The autoencoder's weights inside a latent diffusion checkpoint.
pub const AUTOENCODER_FILE: &str = "autoencoder.bpk";

/// How to make the checkpoint latent diffusion needs, for the messages that ask for one.
pub const HOW_TO_MAKE_ONE: &str =
    "train one first: genlab train --family vae --dataset mnist --out runs/vae (or Save checkpoint… in the VAE tab)";

pub struct FrozenAutoencoder {
    config: VaeConfig,
    /// On the inference device (no autodiff).
    net: Vae,
    device: Device,
}

impl FrozenAutoencoder {
    /// The VAE or autoencoder of the genlab checkpoint folder `dir`: its configuration checked
    /// against the VAE family's bounds (an unconditional one only), then its weights against
    /// that configuration. Any other folder (missing, another family's, hand-edited) is refused
    /// with a sentence naming it and saying how to make one.
    pub fn open(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let shown = dir.display();
        if !dir.is_dir() {
            return Err(format!(
                "{shown}: no such folder; latent diffusion needs a trained VAE or autoencoder checkpoint: {HOW_TO_MAKE_ONE}"
            ));
        }
        let kind = crate::models::checkpoint_family(dir)
            .map_err(|e| format!("{e}; latent diffusion needs a VAE or autoencoder checkpoint folder: {HOW_TO_MAKE_ONE}"))?;
        let plain = kind == crate::models::autoencoder::KIND;
        if kind != crate::models::vae::KIND && !plain {
            return Err(format!(
                "{shown} holds {} checkpoint, not a VAE or autoencoder one: latent diffusion learns the latent space of one ({HOW_TO_MAKE_ONE})",
                kind.with_article()
            ));
        }
        let json = read_config(dir)?;
        let config: VaeConfig = config_from_json(&json, dir, "VAE")?;
        let config = if plain { crate::models::autoencoder::plain(config) } else { config };
        config.validate().map_err(|e| in_config_file(dir, e))?;
        if config.conditional {
            return Err(format!(
                "{shown} holds a class-conditional {}: its decoder needs a label, and latent diffusion here draws unlabelled \
                 latents. Train one without --conditional",
                if plain { "autoencoder" } else { "VAE" }
            ));
        }
        Self::with_weights(config, dir, CHECKPOINT_WEIGHTS, device)
    }

    /// The autoencoder a latent diffusion checkpoint holds (written by `save`), whose
    /// configuration the checkpoint's `config.json` carries.
    pub fn load_saved(config: VaeConfig, dir: &Path, device: &Device) -> FamilyResult<Self> {
        config.validate().map_err(|e| in_config_file(dir, e))?;
        Self::with_weights(config, dir, AUTOENCODER_FILE, device)
    }

    /// An untrained autoencoder drawn from `seed`: `genlab bench` times the pipeline with it,
    /// so the bench needs no checkpoint (its decodings are noise; the timing is the same).
    pub fn fresh(config: VaeConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let device = device.clone().without_autodiff();
        let net = {
            let _seeded = crate::models::seed_device(&device, seed);
            Vae::new(&config, &device)
        };
        Ok(Self { config, net, device })
    }

    /// A network for `config` with the weights of `dir/file` (checked against it first).
    fn with_weights(config: VaeConfig, dir: &Path, file: &str, device: &Device) -> FamilyResult<Self> {
        let device = device.clone().without_autodiff();
        // Drawn under the seed lock, as every family draws its initial weights, so that this
        // draw cannot land between another model's seeding and its initialisation.
        let fresh = {
            let _seeded = crate::models::seed_device(&device, 0);
            Vae::new(&config, &device)
        };
        let net = load_weights(fresh, dir, file)?;
        Ok(Self { config, net, device })
    }

    pub fn config(&self) -> &VaeConfig {
        &self.config
    }

    pub fn latent_dim(&self) -> usize {
        self.config.latent_dim
    }

    pub fn num_params(&self) -> usize {
        self.net.num_params()
    }

    /// "MLP VAE 784-400-2", "conv autoencoder, 16-d latent".
    pub fn describe(&self) -> String {
        let c = &self.config;
        let kind = if c.variational { "VAE" } else { "autoencoder" };
        match c.arch {
            VaeArch::Mlp => format!("MLP {kind} {}-{}-{}", c.pixels(), c.hidden, c.latent_dim),
            VaeArch::Conv => format!("conv {kind}, {}-d latent", c.latent_dim),
        }
    }

    /// Refuses images of another size than the autoencoder was trained on.
    pub fn check_size(&self, width: usize, height: usize) -> FamilyResult<()> {
        let (w, h) = (self.config.width, self.config.height);
        if (width, height) != (w, h) {
            return Err(format!(
                "the autoencoder was trained on {w}×{h} images and these are {width}×{height}: pick the dataset it was trained on"
            ));
        }
        Ok(())
    }

    /// Refuses a batch of `n` images that are not the autoencoder's size.
    pub fn check_images(&self, x: &[f32], n: usize) -> FamilyResult<()> {
        let d = self.config.pixels();
        if x.len() != n * d {
            return Err(format!(
                "the data has {} values per image but the autoencoder takes {}×{} = {d} pixels: pick the dataset it was trained on",
                x.len() / n.max(1),
                self.config.width,
                self.config.height
            ));
        }
        Ok(())
    }

    /// The latents of `n` images, `n × latent_dim` values: the posterior means μ(x), or with
    /// `noise` (ε ~ N(0, I), `n × latent_dim` values) the draws z = μ + σ·ε from q(z | x) (the
    /// reparameterisation of Kingma & Welling 2014, §2.4). A plain autoencoder's code is μ
    /// either way: its σ head was never trained (its loss has no KL term and no noise), so it
    /// means nothing. Nothing here is differentiated.
    pub fn encode(&self, x: &[f32], n: usize, noise: Option<&[f32]>) -> FamilyResult<Vec<f32>> {
        self.check_images(x, n)?;
        let z = self.config.latent_dim;
        if n == 0 {
            return Ok(Vec::new());
        }
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, self.config.pixels()]), &self.device); // [B, H·W]
        let (mu, logvar) = self.net.encode(x, None); // [B, Z] each
        let noise = if self.config.variational { noise } else { None };
        let latents = match noise {
            None => mu,
            Some(eps) => {
                if eps.len() != n * z {
                    return Err(format!("{} noise values for {n} latents of dimension {z}", eps.len()));
                }
                let eps = Tensor::<2>::from_data(TensorData::new(eps.to_vec(), [n, z]), &self.device); // [B, Z]
                mu + logvar.mul_scalar(0.5).exp() * eps
            }
        };
        read_back(latents)
    }

    /// The decoder's mean images for `n` latent points (`n × latent_dim` values): σ(logits),
    /// as the VAE family shows its samples.
    pub fn decode(&self, z: &[f32], n: usize) -> FamilyResult<ImageBatch> {
        let dim = self.config.latent_dim;
        if z.len() != n * dim {
            return Err(format!("{} latent values for {n} points of dimension {dim}", z.len()));
        }
        let (width, height) = (self.config.width, self.config.height);
        if n == 0 {
            return Ok(ImageBatch { n, width, height, pixels: Vec::new() });
        }
        let z = Tensor::<2>::from_data(TensorData::new(z.to_vec(), [n, dim]), &self.device); // [B, Z]
        let logits = self.net.decode(z, None); // [B, H·W]
        Ok(ImageBatch { n, width, height, pixels: read_back(sigmoid(logits))? })
    }

    /// Writes the autoencoder's weights into a latent diffusion checkpoint being saved in `dir`.
    pub fn save(&self, dir: &Path) -> FamilyResult<()> {
        save_weights(self.net.clone(), dir, AUTOENCODER_FILE)
    }
}
