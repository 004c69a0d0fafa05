//! The settings of `genlab train` that shape a model, as one set of flags; each family's
//! registry entry lists the ones it takes (`FamilyEntry::flags`) and the command line refuses
//! the others for that family, naming the ones it takes.

use clap::Args;

use super::diffusion::{Prediction, ScheduleKind};
use super::gan::Objective;
use super::vae::{Likelihood, VaeArch};

#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// VAE / autoencoder: the networks.
    #[arg(long, value_enum, default_value_t = VaeArch::Mlp)]
    pub arch: VaeArch,
    /// Size of z (default: 2 for the VAE and the 2-D GAN, 64 for DCGAN). VQ-VAE: D, the length
    /// of each latent and codebook vector (default 16).
    #[arg(long)]
    pub latent_dim: Option<usize>,
    /// Hidden width (default: 400 for the VAE, 128 for the 2-D GAN, 64 for the 2-D flow and 256
    /// on images, 128 hidden units for the RBM, 64 feature maps for the VQ-VAE's encoder and
    /// decoder, 256 for latent diffusion's denoiser).
    #[arg(long)]
    pub hidden: Option<usize>,
    /// VAE: the weight β of the KL term.
    #[arg(long, default_value_t = 1.0)]
    pub beta: f64,
    /// VAE / autoencoder: the decoder's likelihood.
    #[arg(long, value_enum, default_value_t = Likelihood::Bernoulli)]
    pub likelihood: Likelihood,
    /// Condition on the class label (CVAE, the class-conditional DCGAN, diffusion, PixelCNN).
    #[arg(long)]
    pub conditional: bool,
    /// Learning rate (both players' for the GAN, both stages' for the VQ-VAE; default 1e-3, 2e-4
    /// for DCGAN).
    #[arg(long)]
    pub lr: Option<f64>,
    /// GAN: the game.
    #[arg(long, value_enum, default_value_t = Objective::NonSaturating)]
    pub objective: Objective,
    /// GAN: the discriminator's learning rate, when it differs from the generator's (--lr).
    #[arg(long)]
    pub lr_d: Option<f64>,
    /// GAN: discriminator steps per generator step.
    #[arg(long)]
    pub d_steps: Option<usize>,
    /// GAN: one-sided label smoothing ε (real targets 1 − ε).
    #[arg(long)]
    pub label_smoothing: Option<f64>,
    /// GAN: Adam's β1 for both players.
    #[arg(long)]
    pub beta1: Option<f64>,
    /// Diffusion and latent diffusion: the noise schedule.
    #[arg(long, value_enum, default_value_t = ScheduleKind::Linear)]
    pub schedule: ScheduleKind,
    /// Diffusion and latent diffusion: T, the number of noising steps.
    #[arg(long, default_value_t = 1000)]
    pub timesteps: usize,
    /// Diffusion: what the network predicts.
    #[arg(long, value_enum, default_value_t = Prediction::Epsilon)]
    pub prediction: Prediction,
    /// Diffusion: the UNet's base width C (levels C, 2C, 4C; a multiple of 8). PixelCNN and the
    /// VQ-VAE's prior: the feature maps per layer (default 64).
    #[arg(long)]
    pub channels: Option<usize>,
    /// PixelCNN: residual mask-B layers (default 6; the VQ-VAE's prior: 5). Character model:
    /// transformer blocks (default 3). Flow: coupling layers (default 8 on 2-D, 6 on images).
    #[arg(long)]
    pub layers: Option<usize>,
    /// RBM: Gibbs steps per update (CD-k; default 1).
    #[arg(long)]
    pub k: Option<usize>,
    /// RBM: plain contrastive divergence (chains restart at the data each update) instead of
    /// the default persistent chains (PCD, Tieleman 2008).
    #[arg(long)]
    pub cd: bool,
    /// Character model: the context length T (default 64).
    #[arg(long)]
    pub block_size: Option<usize>,
    /// Character model: the residual width (default 128).
    #[arg(long)]
    pub d_model: Option<usize>,
    /// Character model: attention heads per layer (default 4).
    #[arg(long)]
    pub heads: Option<usize>,
    /// Diffusion: Min-SNR-γ loss weighting (Hang et al. 2023); default 5 for the UNet, off for
    /// 2-D; 0 turns it off.
    #[arg(long)]
    pub min_snr: Option<f64>,
    /// Diffusion: sample from an exponential moving average of the weights with this decay
    /// (e.g. 0.999; 0 turns it off). VQ-VAE: learn the codebook by moving averages with this
    /// decay (default 0.99; 0.5-0.9999), or by the codebook loss with 0.
    #[arg(long)]
    pub ema: Option<f64>,
    /// VQ-VAE: K, the number of codebook vectors (default 64; 16-512).
    #[arg(long)]
    pub codebook: Option<usize>,
    /// VQ-VAE: β, the weight of the commitment loss (default 0.25; 0-2).
    #[arg(long)]
    pub commitment: Option<f64>,
    /// VQ-VAE: steps of stage 1 (the autoencoder and its codebook) before stage 2 (the prior
    /// over code maps) starts (default 1500).
    #[arg(long)]
    pub autoencoder_steps: Option<usize>,
    /// Latent diffusion: the trained VAE or autoencoder checkpoint folder whose latent space it
    /// learns (make one with `genlab train --family vae --dataset mnist --out runs/vae`).
    #[arg(long)]
    pub autoencoder: Option<std::path::PathBuf>,
    /// VQ-VAE: restart dead codes every this many steps of stage 1 at encoder outputs of the
    /// batch, those used less than once a step since the last check (default 100; 0 turns it
    /// off; at most 100,000).
    #[arg(long)]
    pub restart_every: Option<usize>,
}
