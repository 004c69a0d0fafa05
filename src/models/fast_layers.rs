//! Layers written for speed under autodiff on the CPU: the same functions as burn's, recorded
//! as fewer (or fused) operations. Issue 7's profiles found each of them.

use burn::nn::GroupNorm;
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::batch_norm_train;

/// LeakyReLU, max(x, s·x) for 0 ≤ s ≤ 1, as s·x + (1 − s)·relu(x).
///
/// The same function as `burn::tensor::activation::leaky_relu`, but autodiff records burn's
/// as a comparison mask, a scaled copy and a masked select, whose backward fills two zero
/// tensors and selects twice; on flex that was a tenth of a DCGAN step. Here the backward is
/// relu's own node plus two scalings. At x = 0 exactly the gradient is s instead of 1 (a set
/// of measure zero).
pub fn leaky_relu<const D: usize>(x: Tensor<D>, slope: f64) -> Tensor<D> {
    x.clone().mul_scalar(slope) + relu(x).mul_scalar(1.0 - slope)
}

/// `norm.forward(x)` (Wu & He 2018, eq. 1-3 with per-channel γ, β), with the normalisation as
/// one batch-norm node.
///
/// GroupNorm's statistics are those of batch norm over x viewed as `[1, B·G, (C/G)·H·W]`: one
/// "channel" per (image, group). burn records its GroupNorm as about seven tensor ops forward
/// and fifteen backward; `batch_norm_train` is a single autodiff node, which genlab's flex
/// computes in two passes each way (vendor/burn-flex/src/ops/batch_norm.rs). The per-channel
/// affine stays two broadcast ops.
///
/// Only on the CPU (flex): other backends have no fused batch norm, so they keep burn's own
/// GroupNorm and the GPU path is unchanged.
///
/// # Shapes
/// x: [B, C, ...] → [B, C, ...]
pub fn group_norm<const D: usize>(norm: &GroupNorm, x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if device.clone().without_autodiff() != Device::flex() {
        return norm.forward(x);
    }
    let dims = x.dims();
    let (batch, channels, groups) = (dims[0], dims[1], norm.num_groups);
    let per_group = x.shape().num_elements() / (batch * groups).max(1);
    let (ones, zeros) = (Tensor::<1>::ones([batch * groups], &device), Tensor::<1>::zeros([batch * groups], &device));
    let normalized = batch_norm_train(x.reshape([1, batch * groups, per_group]), ones, zeros, norm.epsilon).output.reshape(dims);
    match (&norm.gamma, &norm.beta) {
        (Some(gamma), Some(beta)) if norm.affine => {
            let mut shape = [1; D];
            shape[1] = channels;
            normalized * gamma.val().reshape(shape) + beta.val().reshape(shape)
        }
        _ => normalized,
    }
}
