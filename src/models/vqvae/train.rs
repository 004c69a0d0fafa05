//! The two stages' training steps and the loss terms they report.
//!
//! Stage 1 (van den Oord et al. 2017, eq. 3) minimises, with Adam,
//!   −log p(x | z_q(x)) / P + ‖sg[z_e(x)] − e‖² + β ‖z_e(x) − sg[e]‖²,
//! the reconstruction a Bernoulli likelihood of the grey pixels (as the VAE family's) averaged
//! over the P pixels, and the two VQ terms averaged over the elements of the latent vectors
//! (`quantizer.rs`): every term a mean, as in the standard PyTorch implementations, which
//! average a per-pixel reconstruction error beside them. With `ema`, the codebook loss is left
//! out and the codebook follows moving averages instead (appendix A.1). Every `restart_every`
//! steps, after the step, the codes used too rarely since the last check are restarted at the
//! batch's encoder outputs (`restarts.rs`).
//!
//! Stage 2 (§3.3, §4.2) freezes the autoencoder and fits the prior by maximum likelihood on the
//! code maps of the training batches: the cross-entropy of each cell's K-way categorical,
//! summed over the map (nats per code map), averaged over the batch.
//!
//! Both stages report the same terms, so the loss history keeps its columns (losses.csv): the
//! reconstruction in nats per image, the mean squared distance to the nearest code (under the
//! codebook loss's name, or the EMA's), the commitment term with its weight β, the perplexity
//! of the codes the batch used, the prior's NLL, the stage, and the codes restarted so far (a
//! running total, constant in stage 2). Before stage 2 the prior's NLL is that of the uniform
//! prior sampling then uses, h·w·ln K; in stage 2 the first three are the frozen
//! autoencoder's on the batch.

use burn::prelude::*;

use crate::models::vae::loss::bernoulli_nll;
use crate::models::weights::read_back;
use crate::train::{Batch, FamilyResult, LossTerms};

use super::family::VqVaeFamily;
use super::model::VqVae;
use super::prior::{code_nll, one_hot_maps};
use super::quantizer::{EmaUpdate, code_counts, codebook_loss, commitment_loss, ema_update, perplexity, quantize, straight_through};
use super::restarts::{restart_codes, restart_seed};

pub const RECONSTRUCTION_TERM: &str = "reconstruction (nats/image)";
/// The mean of ‖z_e − e‖² over the elements, named for what moves the codebook.
pub const CODEBOOK_TERM: &str = "codebook loss";
pub const EMA_TERM: &str = "quantisation error (EMA codebook)";
pub const COMMITMENT_TERM: &str = "commitment (β-weighted)";
pub const PERPLEXITY_TERM: &str = "code perplexity";
pub const PRIOR_TERM: &str = "prior NLL (nats/code map)";
pub const STAGE_TERM: &str = "stage";
/// Dead codes restarted since the run began (a code restarted twice counts twice).
pub const RESTARTS_TERM: &str = "codes restarted (total)";

/// What stage 1's forward pass gives the step.
struct AutoencoderStep {
    loss: Tensor<1>,
    /// Reconstruction (nats per image) and the mean squared distance to the codes.
    values: Vec<f32>,
    codes: Vec<u32>,
    ema: Option<EmaUpdate>,
    /// z_e detached: [B·h·w, D], where dead codes restart.
    z_e: Tensor<2>,
}

/// The frozen autoencoder on a batch (stage 2).
struct Frozen {
    codes: Vec<u32>,
    reconstruction: f64,
    quantisation: f64,
}

impl VqVaeFamily {
    /// The terms every step reports (see the module's comment).
    fn terms(&self, reconstruction: f64, quantisation: f64, codes: &[u32], prior_nll: f64) -> LossTerms {
        let quantisation_name = if self.config.ema { EMA_TERM } else { CODEBOOK_TERM };
        vec![
            (RECONSTRUCTION_TERM.into(), reconstruction),
            (quantisation_name.into(), quantisation),
            // The forward value of β‖z_e − sg[e]‖² is β times the same mean squared distance.
            (COMMITMENT_TERM.into(), self.config.commitment * quantisation),
            (PERPLEXITY_TERM.into(), perplexity(&code_counts(codes, self.config.codebook_size))),
            (PRIOR_TERM.into(), prior_nll),
            (STAGE_TERM.into(), self.progress.stage.number() as f64),
            (RESTARTS_TERM.into(), self.progress.restarts as f64),
        ]
    }

    /// −log p(z) of any map under the uniform prior: h·w·ln K nats.
    pub fn uniform_prior_nll(&self) -> f64 {
        self.config.cells() as f64 * (self.config.codebook_size as f64).ln()
    }

    /// Stage 1's loss on the images `x` through `net`, and the moving-average update when the
    /// codebook learns that way.
    fn autoencoder_loss(&self, net: &VqVae, x: Tensor<2>) -> FamilyResult<AutoencoderStep> {
        let c = &self.config;
        let z_e = net.encode(x.clone()); // [B·h·w, D]
        let q = quantize(z_e.clone(), net.codebook.embeddings.val())?; // z_q: [B·h·w, D]
        let logits = net.decode(straight_through(z_e.clone(), q.z_q.clone())); // [B, H·W]
        let reconstruction = bernoulli_nll(logits, x).mean(); // [1], nats per image
        let quantisation = codebook_loss(z_e.clone(), q.z_q.clone()); // [1]
        let commitment = commitment_loss(z_e.clone(), q.z_q).mul_scalar(c.commitment); // [1]
        let mut loss = reconstruction.clone().div_scalar(c.pixels() as f64) + commitment;
        if !c.ema {
            loss = loss + quantisation.clone();
        }
        let values = read_back(Tensor::cat(vec![reconstruction.without_autodiff(), quantisation.without_autodiff()], 0))?;
        let vectors = z_e.clone().detach();
        let ema = c.ema.then(|| {
            let codebook = &net.codebook;
            ema_update(codebook.ema_counts.val(), codebook.ema_sums.val(), z_e, q.one_hot, c.ema_decay)
        });
        Ok(AutoencoderStep { loss, values, codes: q.codes, ema, z_e: vectors })
    }

    /// One step of stage 1: Adam on the encoder and decoder (and on the codebook under the
    /// codebook loss), or the codebook's moving averages; then, when a window of
    /// `restart_every` steps closes, the dead-code restarts.
    pub(super) fn autoencoder_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, d, lr) = (batch.n, self.config.pixels(), self.config.learning_rate);
        let device = self.device.clone();
        let x = Tensor::<2>::from_data(TensorData::new(batch.x.to_vec(), [n, d]), &device); // [B, H·W]
        let net = self.autoencoder.take()?;
        let step = match self.autoencoder_loss(&net, x) {
            Ok(step) => step,
            Err(e) => {
                // A failed read-back: the weights go back as they were (no step).
                self.autoencoder.step(net, Tensor::zeros([1], &device), false, lr);
                return Err(e);
            }
        };
        let AutoencoderStep { loss, values, codes, ema, z_e } = step;
        let finite = values.iter().all(|v| v.is_finite());
        // The new codebook replaces the old before Adam's step: its parameters keep their ids,
        // and under EMA no gradient reaches them, so Adam moves only the encoder and decoder.
        let net = match ema {
            Some(update) if finite => {
                let codebook = net.codebook.clone().with_ema(update);
                net.with_codebook(codebook)
            }
            _ => net,
        };
        self.autoencoder.step(net, loss, finite, lr);
        self.usage.add(&codes);
        self.restart_window.add(&codes);
        // After a step that failed, the window waits for the next one.
        if finite {
            self.restart_dead_codes(z_e)?;
        }
        let prior_nll = self.uniform_prior_nll();
        Ok(self.terms(values[0] as f64, values[1] as f64, &codes, prior_nll))
    }

    /// After a step of stage 1, once the window of `restart_every` steps is full: the codes
    /// used fewer than `restart_threshold` times a step in it move to rows of this step's
    /// encoder outputs `z_e` (drawn from the run's seed and the step), and the count of
    /// restarts grows. After Adam's step, so that the codebook loss's gradient of this step
    /// reached the codebook it was taken through.
    fn restart_dead_codes(&mut self, z_e: Tensor<2>) -> FamilyResult<()> {
        let (threshold, lr) = (self.config.restart_threshold, self.config.learning_rate);
        let Some((uses, steps)) = self.restart_window.close_if_due(self.config.restart_every) else {
            return Ok(());
        };
        let seed = restart_seed(self.seed, self.progress.autoencoder);
        let codebook = self.autoencoder.get()?.codebook.clone();
        let (codebook, restarted) = restart_codes(codebook, z_e, &uses, steps, threshold, seed)?;
        if restarted.is_empty() {
            return Ok(());
        }
        // Back in place without a step (as after a failed read-back above).
        let device = self.device.clone();
        let net = self.autoencoder.take()?;
        self.autoencoder.step(net.with_codebook(codebook), Tensor::zeros([1], &device), false, lr);
        self.progress.restarts += restarted.len() as u64;
        Ok(())
    }

    /// The frozen autoencoder on the images `x`: their codes, the reconstruction from them
    /// (nats per image) and the mean squared distance to the codes.
    fn frozen(&self, x: &[f32], n: usize) -> FamilyResult<Frozen> {
        let (d, device) = (self.config.pixels(), self.inference_device());
        let net = self.autoencoder.get()?.valid();
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, d]), &device); // [B, H·W]
        let z_e = net.encode(x.clone()); // [B·h·w, D]
        let q = quantize(z_e.clone(), net.codebook.embeddings.val())?;
        let reconstruction = bernoulli_nll(net.decode(q.z_q.clone()), x).mean(); // [1]
        let quantisation = (z_e - q.z_q).powf_scalar(2.0).mean(); // [1]
        let values = read_back(Tensor::cat(vec![reconstruction, quantisation], 0))?;
        Ok(Frozen { codes: q.codes, reconstruction: values[0] as f64, quantisation: values[1] as f64 })
    }

    /// One step of stage 2: Adam on the prior's NLL of the batch's code maps.
    pub(super) fn prior_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let frozen = self.frozen(batch.x, batch.n)?;
        let ((w, h), k, lr) = (self.config.grid(), self.config.codebook_size, self.config.learning_rate);
        let device = self.device.clone();
        let maps = one_hot_maps(&frozen.codes, batch.n, k, (w, h), w * h, &device); // [B, K, h, w]
        let prior = self.prior.take()?;
        let nll = code_nll(prior.forward(maps.clone()), maps).mean(); // [1], nats per code map
        let value = match read_back(nll.clone().without_autodiff()) {
            Ok(v) => v[0] as f64,
            Err(e) => {
                self.prior.step(prior, Tensor::zeros([1], &device), false, lr);
                return Err(e);
            }
        };
        self.prior.step(prior, nll, value.is_finite(), lr);
        self.usage.add(&frozen.codes);
        Ok(self.terms(frozen.reconstruction, frozen.quantisation, &frozen.codes, value))
    }
}
