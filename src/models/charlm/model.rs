//! The character transformer: token and position embeddings, the blocks, a final LayerNorm
//! and a linear head to one logit per character (nanoGPT's `GPT`, without weight tying).

use burn::module::Param;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::Distribution;

use super::block::Block;
use super::config::CharLmConfig;

#[derive(Module, Debug)]
pub struct CharTransformer {
    /// Token embedding as a bias-free linear map of one-hot rows: the same as a lookup table,
    /// and it lets tests differentiate with respect to the input tokens.
    token: Linear,
    /// Learned position embedding, one row per position of the context.
    position: Param<Tensor<2>>,
    blocks: Vec<Block>,
    ln_f: LayerNorm,
    head: Linear,
}

/// What one forward pass gives.
pub struct Forward {
    /// [B, T, V]: logits of the token after each position.
    pub logits: Tensor<3>,
    /// Per layer, [B, H, T, T].
    pub attention: Vec<Tensor<4>>,
}

impl CharTransformer {
    pub fn new(config: &CharLmConfig, device: &Device) -> Self {
        let (v, c) = (config.vocab_size(), config.d_model);
        // N(0, 0.02²), GPT-2's initialisation of its embeddings.
        let position = Tensor::<2>::random([config.block_size, c], Distribution::Normal(0.0, 0.02), device);
        Self {
            token: LinearConfig::new(v, c).with_bias(false).init(device),
            position: Param::from_tensor(position),
            blocks: (0..config.layers).map(|_| Block::new(c, config.heads, device)).collect(),
            ln_f: LayerNormConfig::new(c).init(device),
            head: LinearConfig::new(c, v).init(device),
        }
    }

    /// # Shapes
    /// tokens: [B, T, V] one-hot (T ≤ block size) → logits [B, T, V]; attention per layer [B, H, T, T]
    pub fn forward(&self, tokens: Tensor<3>) -> Forward {
        let [_, t, _] = tokens.dims();
        let c = self.position.dims()[1];
        let position = self.position.val().slice([0..t, 0..c]).unsqueeze::<3>(); // [1, T, C]
        let mut x = self.token.forward(tokens) + position; // [B, T, C]
        let mut attention = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            let (y, w) = block.forward(x);
            x = y;
            attention.push(w);
        }
        Forward { logits: self.head.forward(self.ln_f.forward(x)), attention }
    }
}

/// One-hot rows of token ids.
///
/// # Shapes
/// ids: B·T values → [B, T, V]
pub fn one_hot_tokens(ids: &[u32], b: usize, t: usize, vocab: usize, device: &Device) -> Tensor<3> {
    let mut rows = vec![0.0f32; b * t * vocab];
    for (i, &id) in ids.iter().enumerate() {
        rows[i * vocab + (id as usize).min(vocab - 1)] = 1.0;
    }
    Tensor::from_data(TensorData::new(rows, [b, t, vocab]), device)
}
