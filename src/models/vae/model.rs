//! The VAE network: an encoder to q(z|x) = N(μ, diag σ²), the reparameterization trick, and a
//! decoder to the logits of p(x|z) (Kingma & Welling 2014).

use burn::prelude::*;

use super::config::{VaeArch, VaeConfig};
use super::conv::{ConvDecoder, ConvEncoder};
use super::mlp::{MlpDecoder, MlpEncoder};

#[derive(Module, Debug)]
pub enum Encoder {
    Mlp(MlpEncoder),
    Conv(ConvEncoder),
}

#[derive(Module, Debug)]
pub enum Decoder {
    Mlp(MlpDecoder),
    Conv(ConvDecoder),
}

#[derive(Module, Debug)]
pub struct Vae {
    encoder: Encoder,
    decoder: Decoder,
    latent_dim: usize,
}

/// Everything one forward pass computes, for the loss and for the views.
#[derive(Debug)]
pub struct VaeOutput {
    pub mu: Tensor<2>,
    pub logvar: Tensor<2>,
    pub logits: Tensor<2>,
}

/// Appends one-hot labels (if any) to the rows of `x`.
fn with_labels(x: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
    match labels {
        Some(y) => Tensor::cat(vec![x, y], 1),
        None => x,
    }
}

impl Vae {
    pub fn new(config: &VaeConfig, device: &Device) -> Self {
        let (encoder, decoder) = match config.arch {
            VaeArch::Mlp => (Encoder::Mlp(MlpEncoder::new(config, device)), Decoder::Mlp(MlpDecoder::new(config, device))),
            VaeArch::Conv => (Encoder::Conv(ConvEncoder::new(config, device)), Decoder::Conv(ConvDecoder::new(config, device))),
        };
        Self { encoder, decoder, latent_dim: config.latent_dim }
    }

    /// # Shapes
    /// x: [B, H·W], labels: [B, classes] one-hot or None → (μ [B, Z], log σ² [B, Z])
    pub fn encode(&self, x: Tensor<2>, labels: Option<Tensor<2>>) -> (Tensor<2>, Tensor<2>) {
        let stats = match &self.encoder {
            Encoder::Mlp(e) => e.forward(with_labels(x, labels)),
            Encoder::Conv(e) => e.forward(x, labels),
        }; // [B, 2Z]
        let z = self.latent_dim;
        let mu = stats.clone().narrow(1, 0, z);
        // Bounded so that e^logvar cannot overflow early in training.
        let logvar = stats.narrow(1, z, z).clamp(-30.0, 20.0);
        (mu, logvar)
    }

    /// # Shapes
    /// z: [B, Z], labels: [B, classes] one-hot or None → logits [B, H·W]
    pub fn decode(&self, z: Tensor<2>, labels: Option<Tensor<2>>) -> Tensor<2> {
        let z = with_labels(z, labels);
        match &self.decoder {
            Decoder::Mlp(d) => d.forward(z),
            Decoder::Conv(d) => d.forward(z),
        }
    }

    /// Encode, sample z = μ + σ·ε with the given noise ε ~ N(0, I) (the reparameterization
    /// trick, Kingma & Welling 2014 §2.4), decode.
    ///
    /// # Shapes
    /// x: [B, H·W], labels: [B, classes] or None, eps: [B, Z]
    pub fn forward(&self, x: Tensor<2>, labels: Option<Tensor<2>>, eps: Tensor<2>) -> VaeOutput {
        let (mu, logvar) = self.encode(x, labels.clone());
        let z = mu.clone() + logvar.clone().mul_scalar(0.5).exp() * eps; // [B, Z]
        let logits = self.decode(z, labels);
        VaeOutput { mu, logvar, logits }
    }
}
