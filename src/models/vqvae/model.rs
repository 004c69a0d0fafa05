//! The VQ-VAE module (stage 1): the encoder, the codebook and the decoder, and the reshapes
//! between a grid of vectors ([B, D, h, w], what the convolutions see) and a list of vectors
//! ([B·h·w, D], what the quantiser sees: image-major, cells in raster order).

use burn::prelude::*;

use super::config::{DOWNSAMPLING, VqVaeConfig};
use super::networks::{Decoder, Encoder};
use super::quantizer::Codebook;

#[derive(Module, Debug)]
pub struct VqVae {
    pub encoder: Encoder,
    pub codebook: Codebook,
    pub decoder: Decoder,
    width: usize,
    height: usize,
}

/// A grid of vectors as a list: row b·h·w + r·w + c is the vector of image b at cell (r, c).
///
/// # Shapes
/// z: [B, D, h, w] → [B·h·w, D]
pub fn vectors_of_grid(z: Tensor<4>) -> Tensor<2> {
    let [b, d, h, w] = z.dims();
    z.reshape([b, d, h * w]).swap_dims(1, 2).reshape([b * h * w, d])
}

/// The inverse of `vectors_of_grid` for grids of `h` × `w` cells.
///
/// # Shapes
/// z: [B·h·w, D] → [B, D, h, w]
pub fn grid_of_vectors(z: Tensor<2>, h: usize, w: usize) -> Tensor<4> {
    let [rows, d] = z.dims();
    let b = rows / (h * w).max(1);
    z.reshape([b, h * w, d]).swap_dims(1, 2).reshape([b, d, h, w])
}

impl VqVae {
    pub fn new(config: &VqVaeConfig, device: &Device) -> Self {
        Self {
            encoder: Encoder::new(config, device),
            codebook: Codebook::new(config.codebook_size, config.latent_dim, device),
            decoder: Decoder::new(config, device),
            width: config.width,
            height: config.height,
        }
    }

    /// The same networks with `codebook` in place of theirs (after a moving-average update).
    pub fn with_codebook(self, codebook: Codebook) -> Self {
        Self { codebook, ..self }
    }

    /// (w, h) of the grid.
    fn grid(&self) -> (usize, usize) {
        (self.width / DOWNSAMPLING, self.height / DOWNSAMPLING)
    }

    /// z_e(x) of every cell of every image.
    ///
    /// # Shapes
    /// x: [B, H·W] grey → [B·h·w, D]
    pub fn encode(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        vectors_of_grid(self.encoder.forward(x.reshape([b, 1, self.height, self.width])))
    }

    /// The logits of p(x | z) for the vectors of whole grids (z_q, or anything in its place).
    ///
    /// # Shapes
    /// z: [B·h·w, D] → [B, H·W]
    pub fn decode(&self, z: Tensor<2>) -> Tensor<2> {
        let (w, h) = self.grid();
        let logits = self.decoder.forward(grid_of_vectors(z, h, w)); // [B, 1, H, W]
        let [b, _, _, _] = logits.dims();
        logits.reshape([b, self.height * self.width])
    }

    /// The logits of p(x | z_q) for code maps (`grid` cells each, image-major): each code's
    /// vector, decoded.
    ///
    /// # Shapes
    /// one_hot: [B·h·w, K] → [B, H·W]
    pub fn decode_one_hot(&self, one_hot: Tensor<2>) -> Tensor<2> {
        self.decode(one_hot.matmul(self.codebook.embeddings.val()))
    }
}
