//! Inpainting with the VAE (and the plain autoencoder, the same family): the hidden pixels
//! start grey and are refined by encoding the image, decoding it and putting the visible
//! pixels back, again and again. For a VAE each round but the last decodes a draw
//! z ~ q(z | x), the Markov chain Rezende et al. 2014 ("Stochastic Backpropagation and
//! Approximate Inference in Deep Generative Models") use to impute missing pixels; the last round decodes the posterior mean, so the result
//! is the decoder's mean image rather than a noisy one. A plain autoencoder has no posterior
//! to draw from: it decodes the code itself every round, and its completion does not depend
//! on the seed.

use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::models::weights::read_back;
use crate::rng::Rng;
use crate::train::FamilyResult;
use crate::views::Inpainter;

use super::family::VaeFamily;

/// Rounds of encode → decode → put the visible pixels back, each one encoder and one decoder
/// pass (cheap next to the other families' completions).
pub const INPAINT_ROUNDS: usize = 50;

/// Where the hidden pixels start: mid-grey, which commits to no stroke (the family does not
/// keep its training data's mean).
pub const INPAINT_START: f32 = 0.5;

impl Inpainter for VaeFamily {
    fn method(&self) -> String {
        let draw = if self.config().variational { "z drawn from q(z|x) in every round but the last" } else { "z the code itself" };
        format!(
            "{INPAINT_ROUNDS} rounds of encode then decode (the decoder's mean) with the visible pixels put back after each, \
             starting from grey, {draw}"
        )
    }

    fn inpaint(&mut self, x: &[f32], n: usize, hidden: &[bool], seed: u64) -> FamilyResult<Vec<f32>> {
        self.check_batch(x, n)?;
        let (d, latent) = (self.config().pixels(), self.config().latent_dim);
        if !crate::models::check_mask(hidden, n, self.config().width, self.config().height, "this model")? {
            return Ok(x.to_vec());
        }
        let device = self.inference_device();
        let model = self.model()?.valid();
        // No labels come with the images: a conditional model completes image j as class
        // j mod K, as `sample` draws without a chosen class (the caveat says so).
        let classes = self.config().num_classes.max(1);
        let labels: Vec<u8> = (0..n).map(|j| (j % classes) as u8).collect();
        let y = self.one_hot(&labels, &device);
        let unknown: Vec<f32> = hidden.iter().map(|&h| if h { 1.0 } else { 0.0 }).collect();
        let unknown = Tensor::<2>::from_data(TensorData::new(unknown, [1, d]), &device); // [1, D]
        let known: Vec<f32> = x.iter().enumerate().map(|(i, &v)| if hidden[i % d] { 0.0 } else { v }).collect();
        let known = Tensor::<2>::from_data(TensorData::new(known, [n, d]), &device); // [N, D], hidden at 0
        let mut current = known.clone() + unknown.clone().mul_scalar(INPAINT_START); // [N, D]
        let mut noise = Rng::new(seed ^ 0x1A9A_17ED);
        for round in 0..INPAINT_ROUNDS {
            let (mu, logvar) = model.encode(current, y.clone()); // [N, Z] each
            let last = round + 1 == INPAINT_ROUNDS;
            let z = if self.config().variational && !last {
                let eps = Tensor::<2>::from_data(TensorData::new(noise.normal_vec(n * latent), [n, latent]), &device);
                mu + logvar.mul_scalar(0.5).exp() * eps // the reparameterization, as in training
            } else {
                mu
            }; // [N, Z]
            let mean = sigmoid(model.decode(z, y.clone())); // [N, D]
            current = known.clone() + mean * unknown.clone();
        }
        let filled = read_back(current)?;
        // Visible pixels come back exactly as given, whatever the arithmetic above did.
        Ok(x.iter().zip(filled).enumerate().map(|(i, (&given, f))| if hidden[i % d] { f } else { given }).collect())
    }

    fn caveat(&self, _hidden: &[bool]) -> Option<String> {
        self.config().conditional.then(|| {
            format!(
                "this class-conditional model is given no labels here, so image j is completed as class j mod {}",
                self.config().num_classes.max(1)
            )
        })
    }
}
