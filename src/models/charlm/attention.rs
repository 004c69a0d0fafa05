//! Causal multi-head self-attention, written out so the weights can be shown: each position
//! attends to itself and the positions before it, never after (Vaswani et al. 2017, eq. 1 and
//! §3.2.3, "masking out … all values in the input of the softmax which correspond to illegal
//! connections").

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;

/// Added to the scores of future positions before the softmax: exp of it is exactly 0 in f32,
/// so those weights, and every gradient through them, are exactly zero.
const MASKED: f32 = -1e9;

#[derive(Module, Debug)]
pub struct CausalSelfAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    proj: Linear,
    heads: usize,
}

impl CausalSelfAttention {
    pub fn new(d_model: usize, heads: usize, device: &Device) -> Self {
        let linear = || LinearConfig::new(d_model, d_model).init(device);
        Self { query: linear(), key: linear(), value: linear(), proj: linear(), heads }
    }

    /// The attended values and the attention weights.
    ///
    /// # Shapes
    /// x: [B, T, C] → ([B, T, C], weights [B, H, T, T], rows summing to 1)
    pub fn forward(&self, x: Tensor<3>) -> (Tensor<3>, Tensor<4>) {
        let [b, t, c] = x.dims();
        let device = x.device();
        let (h, d) = (self.heads, c / self.heads);
        let split = |y: Tensor<3>| y.reshape([b, t, h, d]).swap_dims(1, 2); // [B, H, T, d]
        let q = split(self.query.forward(x.clone()));
        let k = split(self.key.forward(x.clone()));
        let v = split(self.value.forward(x));
        let scores = q.matmul(k.swap_dims(2, 3)).div_scalar((d as f64).sqrt()); // [B, H, T, T]
        let weights = softmax(scores + causal_bias(t, &device), 3); // [B, H, T, T]
        let y = weights.clone().matmul(v).swap_dims(1, 2).reshape([b, t, c]); // [B, T, C]
        (self.proj.forward(y), weights)
    }
}

/// 0 on and below the diagonal, `MASKED` above it (column j > row i: a later position).
///
/// # Shapes
/// → [1, 1, T, T]
fn causal_bias(t: usize, device: &Device) -> Tensor<4> {
    let bias: Vec<f32> = (0..t * t).map(|p| if p % t > p / t { MASKED } else { 0.0 }).collect();
    Tensor::from_data(TensorData::new(bias, [1, 1, t, t]), device)
}
