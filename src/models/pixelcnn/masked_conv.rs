//! Masked convolutions (van den Oord et al. 2016, §3.5 and Figure 4): the kernel is
//! multiplied by a fixed 0/1 mask so that the output at a pixel only sees pixels above it and
//! to its left. Type A (the first layer) also hides the pixel itself; type B (every later
//! layer) lets a pixel's feature see its own position, which by then only holds information
//! about earlier pixels.

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskType {
    A,
    B,
}

/// The k×k mask, row-major: 1 for the taps a pixel may read. Rows above the centre are all
/// open; on the centre row, the taps left of the centre (and the centre itself for type B).
pub fn mask(kind: MaskType, k: usize) -> Vec<f32> {
    let c = k / 2;
    let mut m = vec![0.0; k * k];
    for r in 0..k {
        for col in 0..k {
            let open = r < c || (r == c && (col < c || (col == c && kind == MaskType::B)));
            m[r * k + col] = if open { 1.0 } else { 0.0 };
        }
    }
    m
}

/// A k×k convolution with "same" padding whose kernel is masked on every forward pass, so the
/// masked weights get exactly zero gradient and the model stays causal while it trains.
#[derive(Module, Debug)]
pub struct MaskedConv2d {
    conv: Conv2d,
    /// 1 for type B, 0 for type A (a plain value, so the module derive stores no tensor).
    type_b: bool,
    kernel: usize,
}

impl MaskedConv2d {
    pub fn new(kind: MaskType, channels: [usize; 2], kernel: usize, device: &Device) -> Self {
        let p = kernel / 2;
        let conv = Conv2dConfig::new(channels, [kernel, kernel]).with_padding(PaddingConfig2d::Explicit(p, p, p, p)).init(device);
        Self { conv, type_b: kind == MaskType::B, kernel }
    }

    pub fn kind(&self) -> MaskType {
        if self.type_b { MaskType::B } else { MaskType::A }
    }

    pub fn kernel(&self) -> usize {
        self.kernel
    }

    /// # Shapes
    /// x: [B, C_in, H, W] → [B, C_out, H, W]
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let k = self.kernel;
        let device = x.device();
        let m = Tensor::<4>::from_data(TensorData::new(mask(self.kind(), k), [1, 1, k, k]), &device);
        let weight = self.conv.weight.val() * m; // [C_out, C_in, k, k], masked taps exactly 0
        let p = k / 2;
        let options = ConvOptions::new([1, 1], [p, p], [1, 1], 1);
        conv2d(x, weight, self.conv.bias.as_ref().map(Param::val), options)
    }
}
