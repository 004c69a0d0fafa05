//! One transformer block in the pre-norm layout of GPT-2 (Radford et al. 2019, §2.3):
//! x + attention(LN(x)), then x + MLP(LN(x)) with a 4× wide GELU hidden layer.

use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::gelu;

use super::attention::CausalSelfAttention;

#[derive(Module, Debug)]
pub struct Block {
    ln1: LayerNorm,
    attention: CausalSelfAttention,
    ln2: LayerNorm,
    fc: Linear,
    proj: Linear,
}

impl Block {
    pub fn new(d_model: usize, heads: usize, device: &Device) -> Self {
        Self {
            ln1: LayerNormConfig::new(d_model).init(device),
            attention: CausalSelfAttention::new(d_model, heads, device),
            ln2: LayerNormConfig::new(d_model).init(device),
            fc: LinearConfig::new(d_model, 4 * d_model).init(device),
            proj: LinearConfig::new(4 * d_model, d_model).init(device),
        }
    }

    /// # Shapes
    /// x: [B, T, C] → ([B, T, C], attention weights [B, H, T, T])
    pub fn forward(&self, x: Tensor<3>) -> (Tensor<3>, Tensor<4>) {
        let (a, weights) = self.attention.forward(self.ln1.forward(x.clone()));
        let x = x + a;
        let m = self.proj.forward(gelu(self.fc.forward(self.ln2.forward(x.clone())))); // [B, T, C]
        (x + m, weights)
    }
}
