//! The prior over code maps (stage 2; van den Oord et al. 2017, §3.3: "we fit an autoregressive
//! distribution over z, p(z), so that we can generate x via ancestral sampling", a PixelCNN
//! over the discrete latents in §4.2): p(z) = Π_i p(z_i | z_<i) in raster order over the map,
//! each factor a K-way categorical whose logits come from masked convolutions (the PixelCNN
//! family's `MaskedConv2d`) over the codes one-hot.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu, softmax};

use crate::models::pixelcnn::masked_conv::{MaskType, MaskedConv2d};

use super::config::{PRIOR_FIRST_KERNEL, VqVaeConfig};

/// A PixelCNN of K-valued cells: a 5×5 mask-A convolution from the K one-hot channels, residual
/// 3×3 mask-B layers, and two 1×1 convolutions to K logits per cell (the PixelCNN family's
/// network with K channels in and out in place of 1).
#[derive(Module, Debug)]
pub struct CodePrior {
    input: MaskedConv2d,
    layers: Vec<MaskedConv2d>,
    head: Conv2d,
    out: Conv2d,
}

impl CodePrior {
    pub fn new(config: &VqVaeConfig, device: &Device) -> Self {
        let (k, c) = (config.codebook_size, config.prior_channels);
        Self {
            input: MaskedConv2d::new(MaskType::A, [k, c], PRIOR_FIRST_KERNEL, device),
            layers: (0..config.prior_layers).map(|_| MaskedConv2d::new(MaskType::B, [c, c], 3, device)).collect(),
            head: Conv2dConfig::new([c, c], [1, 1]).init(device),
            out: Conv2dConfig::new([c, k], [1, 1]).init(device),
        }
    }

    /// The logits of p(z_i | z_<i) at every cell: the mask-A layer hides each cell's own code
    /// and every later one, so the logits at a cell depend on the codes before it only.
    ///
    /// # Shapes
    /// maps: [B, K, h, w] one-hot → [B, K, h, w]
    pub fn forward(&self, maps: Tensor<4>) -> Tensor<4> {
        let mut h = self.input.forward(maps); // [B, C, h, w]
        for layer in &self.layers {
            h = h.clone() + layer.forward(relu(h)); // [B, C, h, w]
        }
        self.out.forward(relu(self.head.forward(relu(h)))) // [B, K, h, w]
    }

    /// The masked layers' kernel sides and types, first layer first (what decides which cells
    /// each output can see: `crate::models::pixelcnn::visible_pixels` reads them).
    pub fn masks(&self) -> Vec<(MaskType, usize)> {
        std::iter::once(&self.input).chain(&self.layers).map(|l| (l.kind(), l.kernel())).collect()
    }
}

/// Code maps one-hot, `rows` × `w` cells of each (the first `rows` rows of maps of `cells`
/// codes each, image-major; a code at or past `k` gives a cell of zeros).
///
/// # Shapes
/// → [n, K, rows, w]
pub fn one_hot_maps(codes: &[u32], n: usize, k: usize, (w, rows): (usize, usize), cells: usize, device: &Device) -> Tensor<4> {
    let mut values = vec![0.0f32; n * k * rows * w];
    for image in 0..n {
        for cell in 0..(rows * w).min(cells) {
            let code = codes[image * cells + cell] as usize;
            if code < k {
                values[((image * k + code) * rows + cell / w) * w + cell % w] = 1.0;
            }
        }
    }
    Tensor::from_data(TensorData::new(values, [n, k, rows, w]), device)
}

/// −log p(z) of each map, nats: the cross-entropy of every cell's categorical against its code,
/// summed over the cells.
///
/// # Shapes
/// logits, one_hot: [B, K, h, w] → [B]
pub fn code_nll(logits: Tensor<4>, one_hot: Tensor<4>) -> Tensor<1> {
    let [b, k, h, w] = logits.dims();
    let log_p = log_softmax(logits, 1) * one_hot; // [B, K, h, w], log p(z_i) at each cell's code
    log_p.reshape([b, k * h * w]).sum_dim(1).flatten(0, 1).neg() // [B]
}

/// p(z_i = · | z_<i) at cell (`row`, `col`) of each map: a softmax over the K logits there.
///
/// # Shapes
/// logits: [B, K, h, w] → [B, K]
pub fn cell_probabilities(logits: Tensor<4>, row: usize, col: usize) -> Tensor<2> {
    let [b, k, _, _] = logits.dims();
    softmax(logits.slice([0..b, 0..k, row..row + 1, col..col + 1]).reshape([b, k]), 1)
}
