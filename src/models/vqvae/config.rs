//! The VQ-VAE's configuration, saved beside its weights: the images, the encoder and decoder,
//! the latent grid and its codebook, how the codebook learns, the prior over code maps, and the
//! two stages' schedule.

use serde::{Deserialize, Serialize};

use crate::models::bounds::{MAX_CHANNELS, MAX_LATENT, MAX_SIDE};
use crate::models::{check_learning_rate, check_params, check_size, conv_params};

/// Each side of the latent grid is the image's divided by 4: two stride-2 convolutions.
pub const DOWNSAMPLING: usize = 4;
/// Codebook sizes K: 16-512. The paper uses K = 512 on images (van den Oord et al. 2017, §4.2);
/// fewer than 16 codes leave a 7×7 map too few patterns to tell digits apart.
pub const MIN_CODES: usize = 16;
pub const MAX_CODES: usize = 512;
/// β: 0-2. "The results did not vary for values of β ranging from 0.1 to 2.0" (van den Oord et
/// al. 2017, §3.2); the paper uses 0.25.
pub const MAX_COMMITMENT: f64 = 2.0;
/// The codebook's EMA decay γ: 0.5-0.9999 (the paper's appendix A.1 uses 0.99).
pub const MIN_EMA_DECAY: f64 = 0.5;
pub const MAX_EMA_DECAY: f64 = 0.9999;
/// The most steps of a stage: `genlab train`'s most steps.
pub const MAX_STAGE_STEPS: usize = 10_000_000;
/// Dead-code restarts (`restarts.rs`): a check at most every 100,000 steps (0: no restarts).
pub const MAX_RESTART_EVERY: usize = 100_000;
/// The use below which a code is restarted, in uses per step averaged over the window:
/// 0.001-1,000. At the bottom only codes no vector picked in the whole window (of fewer than
/// 1,000 steps) are restarted; Jukebox's threshold is 1.
pub const MIN_RESTART_THRESHOLD: f64 = 1e-3;
pub const MAX_RESTART_THRESHOLD: f64 = 1e3;
/// Residual mask-B layers of the prior: at most 32, as the PixelCNN family allows.
pub const MAX_PRIOR_LAYERS: usize = 32;
/// Side of the prior's first (mask A) kernel: 5 covers two rows above a cell of the 7×7 map and
/// two codes to its left (the PixelCNN family's 7 would be the whole map).
pub const PRIOR_FIRST_KERNEL: usize = 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VqVaeConfig {
    pub width: usize,
    pub height: usize,
    /// Feature maps of the encoder's second convolution and of the decoder's first; the outer
    /// convolutions have half as many.
    pub hidden: usize,
    /// D: the length of each latent vector and codebook vector.
    pub latent_dim: usize,
    /// K: the number of codebook vectors.
    pub codebook_size: usize,
    /// β: the weight of the commitment loss ‖z_e − sg[e]‖² (live).
    pub commitment: f64,
    /// Learn the codebook by exponential moving averages of the vectors each code is nearest
    /// to (the paper's appendix A.1) instead of by the codebook loss ‖sg[z_e] − e‖².
    pub ema: bool,
    /// γ of those averages (live, when `ema`).
    pub ema_decay: f64,
    /// Dead-code restarts in stage 1 (`restarts.rs`): every this many steps, each code used
    /// fewer than `restart_threshold` times a step on average since the last check moves to a
    /// randomly drawn encoder output of the current batch; 0 turns them off (live).
    pub restart_every: usize,
    /// Uses per step, averaged over the window of `restart_every` steps, below which a code is
    /// restarted (live).
    pub restart_threshold: f64,
    /// Feature maps of every layer of the prior.
    pub prior_channels: usize,
    /// Residual 3×3 mask-B layers of the prior after its 5×5 mask-A layer.
    pub prior_layers: usize,
    /// Adam's step size, for the autoencoder in stage 1 and the prior in stage 2 (live).
    pub learning_rate: f64,
    /// Steps of stage 1 (the autoencoder and its codebook) before stage 2 starts (live).
    pub autoencoder_steps: usize,
    /// Steps of stage 2 (the prior) in a default run; the prior keeps training after them.
    pub prior_steps: usize,
}

impl Default for VqVaeConfig {
    /// 28×28 images to a 7×7 grid of 16-d vectors, K = 64 codes learned by EMA (decay 0.99),
    /// β = 0.25 (the paper's), a prior of 64 channels and 5 mask-B layers, Adam at 1e-3; 1,500
    /// autoencoder steps then 2,000 prior steps at batch 64. Modest, to train within a few
    /// minutes on two CPU cores: from the measured speeds of the nearest models in
    /// bench/RESULTS.md (the conv VAE, which stage 1 resembles, at 13-34 steps/s at batch 128;
    /// the PixelCNN at 4-8 steps/s at batch 32 on 28×28, against 7×7 here), stage 1 should
    /// take about a minute and stage 2 one to two: an estimate, not yet measured
    /// (`genlab bench --family vqvae` and bench/vqvae_reference.py measure it). K = 64 rather
    /// than the paper's 512: a small codebook on a 7×7 grid is mostly in use after 1,500
    /// steps, and a 64-way softmax keeps the prior cheap. EMA rather than the codebook loss:
    /// the codes follow the encoder from the first step whatever Adam's step size. Dead codes
    /// are restarted every 100 steps, those used less than once a step on average (Jukebox's
    /// threshold, Dhariwal et al. 2020): without them about a third of the 64 codes were never
    /// used (README).
    fn default() -> Self {
        Self {
            width: 28,
            height: 28,
            hidden: 64,
            latent_dim: 16,
            codebook_size: 64,
            commitment: 0.25,
            ema: true,
            ema_decay: 0.99,
            restart_every: 100,
            restart_threshold: 1.0,
            prior_channels: 64,
            prior_layers: 5,
            learning_rate: 1e-3,
            autoencoder_steps: 1500,
            prior_steps: 2000,
        }
    }
}

impl VqVaeConfig {
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// (width, height) of the code map.
    pub fn grid(&self) -> (usize, usize) {
        (self.width / DOWNSAMPLING, self.height / DOWNSAMPLING)
    }

    /// Cells of the code map.
    pub fn cells(&self) -> usize {
        let (w, h) = self.grid();
        w * h
    }

    /// A default run: both stages.
    pub fn default_steps(&self) -> u32 {
        (self.autoencoder_steps + self.prior_steps).min(u32::MAX as usize) as u32
    }

    pub fn default_batch_size(&self) -> usize {
        64
    }

    pub fn describe(&self) -> String {
        let (gw, gh) = self.grid();
        format!(
            "VQ-VAE {}×{} to {gw}×{gh} codes from K = {} vectors of {} ({}; {}), PixelCNN prior over code maps ({} channels, {} \
             mask-B layers); {} autoencoder steps, then the prior",
            self.width,
            self.height,
            self.codebook_size,
            self.latent_dim,
            if self.ema { format!("EMA codebook, decay {}", self.ema_decay) } else { "codebook loss".to_string() },
            match self.restart_every {
                0 => "no dead-code restarts".to_string(),
                n => format!("codes used under {} times a step restarted every {n} steps", self.restart_threshold),
            },
            self.prior_channels,
            self.prior_layers,
            self.autoencoder_steps
        )
    }

    /// Checks the values a user can type or a checkpoint's `config.json` holds; the message
    /// names the field, the value and the limit: sides of 4 to `bounds::MAX_SIDE` divisible by
    /// 4, an even `hidden` of 2 to `bounds::MAX_CHANNELS`, D of 1 to `bounds::MAX_LATENT`, K of
    /// `MIN_CODES`-`MAX_CODES`, β in [0, `MAX_COMMITMENT`], the EMA decay in
    /// [`MIN_EMA_DECAY`, `MAX_EMA_DECAY`], restarts every 0 to `MAX_RESTART_EVERY` steps of
    /// codes used under [`MIN_RESTART_THRESHOLD`, `MAX_RESTART_THRESHOLD`] times a step, 1 to
    /// `MAX_CHANNELS` prior channels, at most `MAX_PRIOR_LAYERS` prior layers, a learning rate
    /// in (0, 1), 1 to `MAX_STAGE_STEPS` steps a stage; the parameters must fit in memory.
    pub fn validate(&self) -> Result<(), String> {
        check_size("width", self.width, DOWNSAMPLING, MAX_SIDE)?;
        check_size("height", self.height, DOWNSAMPLING, MAX_SIDE)?;
        if self.width % DOWNSAMPLING != 0 || self.height % DOWNSAMPLING != 0 {
            return Err(format!(
                "the VQ-VAE's two stride-2 convolutions need image sides divisible by {DOWNSAMPLING}, got {}×{}",
                self.width, self.height
            ));
        }
        check_size("hidden", self.hidden, 2, MAX_CHANNELS)?;
        if self.hidden % 2 != 0 {
            return Err(format!("hidden {} must be even: the outer convolutions have half as many feature maps", self.hidden));
        }
        check_size("latent_dim", self.latent_dim, 1, MAX_LATENT)?;
        if !(MIN_CODES..=MAX_CODES).contains(&self.codebook_size) {
            return Err(format!(
                "codebook_size {} is outside {MIN_CODES}…{MAX_CODES}: a VQ-VAE's codebook holds {MIN_CODES} to {MAX_CODES} vectors",
                self.codebook_size
            ));
        }
        if !(self.commitment >= 0.0 && self.commitment <= MAX_COMMITMENT) {
            return Err(format!("commitment β = {} must be a finite number in [0, {MAX_COMMITMENT}]", self.commitment));
        }
        if !(self.ema_decay >= MIN_EMA_DECAY && self.ema_decay <= MAX_EMA_DECAY) {
            return Err(format!("ema_decay {} must be a number in [{MIN_EMA_DECAY}, {MAX_EMA_DECAY}]", self.ema_decay));
        }
        if self.restart_every > MAX_RESTART_EVERY {
            return Err(format!(
                "restart_every {} is above {MAX_RESTART_EVERY}: dead codes are checked every 1 to {MAX_RESTART_EVERY} steps, or never \
                 with 0",
                self.restart_every
            ));
        }
        if !(self.restart_threshold >= MIN_RESTART_THRESHOLD && self.restart_threshold <= MAX_RESTART_THRESHOLD) {
            return Err(format!(
                "restart_threshold {} must be a number in [{MIN_RESTART_THRESHOLD}, {MAX_RESTART_THRESHOLD}]: the uses per step \
                 below which a code is restarted",
                self.restart_threshold
            ));
        }
        check_size("prior_channels", self.prior_channels, 1, MAX_CHANNELS)?;
        check_size("prior_layers", self.prior_layers, 0, MAX_PRIOR_LAYERS)?;
        check_learning_rate(self.learning_rate)?;
        check_size("autoencoder_steps", self.autoencoder_steps, 1, MAX_STAGE_STEPS)?;
        check_size("prior_steps", self.prior_steps, 1, MAX_STAGE_STEPS)?;
        check_params("this VQ-VAE", self.num_params())
    }

    /// Parameters of the networks (`networks.rs`, `quantizer.rs`, `prior.rs`), from sizes
    /// `validate` has bounded; u128, so no size can overflow it. The codebook counts its EMA
    /// state (a count per code and a sum per code) beside its vectors.
    fn num_params(&self) -> u128 {
        let (h, d, k, c) = (self.hidden, self.latent_dim, self.codebook_size as u128, self.prior_channels);
        let encoder = conv_params(1, h / 2, 4) + conv_params(h / 2, h, 4) + conv_params(h, d, 1);
        let codebook = k * (2 * d as u128 + 1);
        let decoder = conv_params(d, h, 3) + conv_params(h, h / 2, 4) + conv_params(h / 2, 1, 4);
        let prior = conv_params(self.codebook_size, c, PRIOR_FIRST_KERNEL)
            + self.prior_layers as u128 * conv_params(c, c, 3)
            + conv_params(c, c, 1)
            + conv_params(c, self.codebook_size, 1);
        encoder + codebook + decoder + prior
    }
}
