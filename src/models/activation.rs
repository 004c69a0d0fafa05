//! Activations written for speed under autodiff on the CPU.

use burn::prelude::*;
use burn::tensor::activation::relu;

/// LeakyReLU, max(x, s·x) for 0 ≤ s ≤ 1, as s·x + (1 − s)·relu(x).
///
/// The same function as `burn::tensor::activation::leaky_relu`, but autodiff records burn's
/// as a comparison mask, a scaled copy and a masked select, whose backward fills two zero
/// tensors and selects twice; on flex that was a tenth of a DCGAN step (issue 7 profile).
/// Here the backward is relu's own node plus two scalings. At x = 0 exactly the gradient is
/// s instead of 1 (a set of measure zero).
pub fn leaky_relu<const D: usize>(x: Tensor<D>, slope: f64) -> Tensor<D> {
    x.clone().mul_scalar(slope) + relu(x).mul_scalar(1.0 - slope)
}
