//! A lower bound on the VQ-VAE's log-likelihood, in nats. The model is p(x) = Σ_z p(z) p(x | z)
//! with the prior over code maps p(z) and the decoder p(x | z); for any posterior q(z | x),
//! log p(x) ≥ E_q[log p(z) + log p(x | z)] + H(q) (the ELBO). The VQ-VAE's posterior is one-hot
//! at the encoder's code map z(x) (van den Oord et al. 2017, eq. 1), whose entropy is zero, so
//!   log p(x) ≥ log p(z(x)) + log p(x | z_q(x)):
//! the prior's log-probability of the map plus the decoder's log-likelihood of the image. Under
//! the paper's uniform prior, −log p(z(x)) is the "KL divergence constant and equal to log K"
//! of its §3.1 (per latent); here the trained prior gives it. The image term is a Bernoulli
//! likelihood of the image binarized at 0.5 (as the PixelCNN family measures its exact
//! likelihood); the code map is the grey image's (any z gives a valid bound).

use burn::prelude::*;

use crate::models::pixelcnn::family::binarize;
use crate::models::vae::loss::bernoulli_nll;
use crate::models::weights::read_back;
use crate::train::FamilyResult;
use crate::views::{LikelihoodModel, LogLikelihood};

use super::family::VqVaeFamily;
use super::prior::{code_nll, one_hot_maps};
use super::quantizer::quantize;

/// Images per pass of the networks.
const LIKELIHOOD_BATCH: usize = 100;
/// The estimate's name; "binarized" tells the OOD evaluation which image the model scores.
pub const BOUND_NAME: &str = "ELBO, one-hot q(z | x) (binarized)";

impl VqVaeFamily {
    /// log p(z(x)) + log p(x_binary | z_q(x)) of each of the `n` images `x`, nats: a lower
    /// bound on log p(x_binary). An error before the prior has trained.
    pub fn log_bound(&self, x: &[f32], n: usize) -> FamilyResult<Vec<f64>> {
        if self.progress.prior == 0 {
            return Err(format!(
                "the VQ-VAE's likelihood bound needs its prior over code maps, which has not trained yet: stage 2 \
                 starts after the autoencoder's {} steps (it has had {})",
                self.config.autoencoder_steps, self.progress.autoencoder
            ));
        }
        self.check(x, n)?;
        let (d, (w, h), k) = (self.config.pixels(), self.config.grid(), self.config.codebook_size);
        let device = self.inference_device();
        let net = self.autoencoder.get()?.valid();
        let prior = self.prior.get()?.valid();
        let mut out = Vec::with_capacity(n);
        for start in (0..n).step_by(LIKELIHOOD_BATCH) {
            let rows = LIKELIHOOD_BATCH.min(n - start);
            let grey = &x[start * d..(start + rows) * d];
            let x_grey = Tensor::<2>::from_data(TensorData::new(grey.to_vec(), [rows, d]), &device);
            let x_binary = Tensor::<2>::from_data(TensorData::new(binarize(grey), [rows, d]), &device);
            let q = quantize(net.encode(x_grey), net.codebook.embeddings.val())?;
            let image_nll = bernoulli_nll(net.decode(q.z_q), x_binary); // [rows]
            let maps = one_hot_maps(&q.codes, rows, k, (w, h), w * h, &device); // [rows, K, h, w]
            let map_nll = code_nll(prior.forward(maps.clone()), maps); // [rows]
            out.extend(read_back(image_nll + map_nll)?.into_iter().map(|v| -(v as f64)));
        }
        Ok(out)
    }
}

impl LikelihoodModel for VqVaeFamily {
    fn log_likelihood(
        &mut self,
        x: &[f32],
        n: usize,
        _labels: &[u8],
        _importance_samples: usize,
        _seed: u64,
    ) -> FamilyResult<Vec<LogLikelihood>> {
        let per_example = self.log_bound(x, n)?;
        Ok(vec![LogLikelihood { name: BOUND_NAME.into(), exact: false, per_example }])
    }
}
