//! One affine coupling layer (Dinh et al. 2017, eq. 7–9): with a binary mask b,
//!   y = b ⊙ x + (1 − b) ⊙ (x ⊙ exp(s(b ⊙ x)) + t(b ⊙ x)),   log|det ∂y/∂x| = Σ (1 − b) ⊙ s,
//! inverted exactly by x = b ⊙ y + (1 − b) ⊙ (y − t(b ⊙ y)) ⊙ exp(−s(b ⊙ y)).
//! s is bounded by a tanh so early steps cannot blow up; the last layer of the scale-and-shift
//! network starts at zero, so a fresh coupling is the identity (as Glow, Kingma & Dhariwal
//! 2018, §3.3, starts its couplings).

use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, tanh};

#[derive(Module, Debug)]
pub struct Coupling {
    hidden1: Linear,
    hidden2: Linear,
    /// Outputs s and t for every coordinate (only the transformed ones are used).
    out: Linear,
}

impl Coupling {
    pub fn new(dim: usize, hidden: usize, device: &Device) -> Self {
        Self {
            hidden1: LinearConfig::new(dim, hidden).init(device),
            hidden2: LinearConfig::new(hidden, hidden).init(device),
            out: LinearConfig::new(hidden, 2 * dim).with_initializer(Initializer::Zeros).init(device),
        }
    }

    /// s and t from the conditioning coordinates, both already zero where the mask is 1.
    ///
    /// # Shapes
    /// masked: [B, D], mask: [1, D] → (s [B, D], t [B, D])
    fn scale_shift(&self, masked: Tensor<2>, mask: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let d = masked.dims()[1];
        let h = relu(self.hidden2.forward(relu(self.hidden1.forward(masked)))); // [B, H]
        let st = self.out.forward(h); // [B, 2D]
        let free = mask.neg().add_scalar(1.0); // [1, D]: 1 where transformed
        let s = tanh(st.clone().narrow(1, 0, d)) * free.clone();
        let t = st.narrow(1, d, d) * free;
        (s, t)
    }

    /// Data towards the base space, and log|det| per row.
    ///
    /// # Shapes
    /// x: [B, D], mask: [1, D] → (y [B, D], log_det [B])
    pub fn forward(&self, x: Tensor<2>, mask: Tensor<2>) -> (Tensor<2>, Tensor<1>) {
        let (s, t) = self.scale_shift(x.clone() * mask.clone(), mask);
        let y = x * s.clone().exp() + t; // the masked coordinates have s = t = 0: unchanged
        (y, s.sum_dim(1).flatten(0, 1))
    }

    /// The exact inverse of `forward`.
    ///
    /// # Shapes
    /// y: [B, D], mask: [1, D] → x [B, D]
    pub fn inverse(&self, y: Tensor<2>, mask: Tensor<2>) -> Tensor<2> {
        let (s, t) = self.scale_shift(y.clone() * mask.clone(), mask);
        (y - t) * s.neg().exp()
    }
}
