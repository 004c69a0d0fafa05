//! The PixelCNN network: a 7×7 mask-A convolution, residual 3×3 mask-B layers, and two 1×1
//! convolutions to one Bernoulli logit per pixel (van den Oord et al. 2016, Table 4, with the
//! residual connections of §3.5 and fewer, narrower layers to train on two CPU cores).

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid};

use super::config::PixelCnnConfig;
use super::masked_conv::{MaskType, MaskedConv2d};

#[derive(Module, Debug)]
pub struct PixelCnn {
    input: MaskedConv2d,
    /// The class's bias for every feature map (conditional models only): it is the same at
    /// every position, so it adds no path from later pixels.
    class_bias: Option<Linear>,
    layers: Vec<MaskedConv2d>,
    head: Conv2d,
    out: Conv2d,
}

impl PixelCnn {
    pub fn new(config: &PixelCnnConfig, device: &Device) -> Self {
        let c = config.channels;
        Self {
            input: MaskedConv2d::new(MaskType::A, [1, c], config.first_kernel, device),
            class_bias: config.conditional.then(|| LinearConfig::new(config.num_classes, c).with_bias(false).init(device)),
            layers: (0..config.layers).map(|_| MaskedConv2d::new(MaskType::B, [c, c], 3, device)).collect(),
            head: Conv2dConfig::new([c, c], [1, 1]).init(device),
            out: Conv2dConfig::new([c, 1], [1, 1]).init(device),
        }
    }

    /// Logits of p(x_i = 1 | x_<i) at every pixel.
    ///
    /// # Shapes
    /// x: [B, 1, H, W] binary, class: [B, classes] one-hot or None → [B, 1, H, W]
    pub fn forward(&self, x: Tensor<4>, class: Option<Tensor<2>>) -> Tensor<4> {
        let mut h = self.input.forward(x); // [B, C, H, W]
        if let (Some(bias), Some(class)) = (&self.class_bias, class) {
            let [b, c, _, _] = h.dims();
            h = h + bias.forward(class).reshape([b, c, 1, 1]);
        }
        for layer in &self.layers {
            h = h.clone() + layer.forward(relu(h)); // [B, C, H, W]
        }
        self.out.forward(relu(self.head.forward(relu(h)))) // [B, 1, H, W]
    }

    /// p(x_i = 1 | x_<i) at pixel `index` of each of the `n` images in `x` (`n × width ×
    /// height` binary values, row-major): one network pass. Masked convolutions never look
    /// down, so rows below the pixel's cannot change its logit: the network runs on rows
    /// 0..=row only (half the work on average when every pixel is drawn).
    ///
    /// # Shapes
    /// class: [n, classes] one-hot or None → [n]
    pub fn probability_at(
        &self,
        x: &[f32],
        n: usize,
        (width, height): (usize, usize),
        index: usize,
        class: Option<Tensor<2>>,
        device: &Device,
    ) -> Tensor<1> {
        let (row, col) = (index / width, index % width);
        let rows = row + 1;
        let mut crop = Vec::with_capacity(n * rows * width);
        for image in x.chunks(width * height).take(n) {
            crop.extend_from_slice(&image[..rows * width]);
        }
        let x = Tensor::<4>::from_data(TensorData::new(crop, [n, 1, rows, width]), device); // [n, 1, row + 1, W]
        let logit = self.forward(x, class).slice([0..n, 0..1, row..row + 1, col..col + 1]); // [n, 1, 1, 1]
        sigmoid(logit).reshape([n])
    }

    /// The masked layers' kernel sides and types, first layer first: what decides which
    /// pixels each output can see.
    pub fn masks(&self) -> Vec<(MaskType, usize)> {
        std::iter::once(&self.input).chain(&self.layers).map(|l| (l.kind(), l.kernel())).collect()
    }
}
