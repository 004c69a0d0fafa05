//! Inpainting with the RBM: Gibbs sampling with the visible units clamped. Because p(v | h)
//! factorises over pixels, resampling only the hidden pixels from it, with the others held at
//! their (binarized) values, is a Gibbs sampler of p(v_hidden | v_visible): its chain leaves
//! that conditional invariant, and the hidden pixels' means converge to its marginals.

use burn::prelude::*;

use crate::models::weights::read_back;
use crate::rng::Rng;
use crate::train::FamilyResult;
use crate::views::Inpainter;

use super::family::{RbmFamily, binarize, noise_states, seeded_uniforms};
use super::model::{Rbm, gibbs_sweep};

/// Gibbs steps behind every completion, from noise.
pub const INPAINT_GIBBS_STEPS: usize = 200;

/// p(v = 1 | h) after `steps` Gibbs steps (at least 1) with the pixels where `hide` is 0 held at
/// `known`'s values and those where it is 1 started from Bernoulli(½) noise.
///
/// # Shapes
/// known: [N, V] (0 wherever hidden), hide: [N, V] (1 = hidden) → [N, V]
fn clamped_gibbs(rbm: &Rbm, known: Tensor<2>, hide: Tensor<2>, steps: usize, rng: &mut Rng, device: &Device) -> Tensor<2> {
    let noise = noise_states(rng, known.dims(), device);
    let mut v = known.clone() + noise * hide.clone();
    let mut means = v.clone();
    let mut uniforms = |shape: [usize; 2]| seeded_uniforms(rng, shape, device);
    for _ in 0..steps.max(1) {
        let (m, drawn) = gibbs_sweep(rbm, v, &mut uniforms); // [N, V] each
        means = m;
        v = known.clone() + drawn * hide.clone();
    }
    means
}

impl Inpainter for RbmFamily {
    fn method(&self) -> String {
        format!(
            "Gibbs sampling with the visible pixels clamped (binarized at 0.5): {INPAINT_GIBBS_STEPS} steps from noise; each hidden \
             pixel shows p(v = 1 | h) of the last step, the mean of its next draw"
        )
    }

    /// Hidden pixels: the mean p(v = 1 | h) of the chain's last step, not a draw of 0 or 1
    /// (as `sample` shows), so a completion shows how sure the RBM is. Visible pixels: the
    /// caller's values, unchanged; the chain sees them binarized, as in training.
    fn inpaint(&mut self, x: &[f32], n: usize, hidden: &[bool], seed: u64) -> FamilyResult<Vec<f32>> {
        let d = self.config().visible();
        let anything = crate::models::check_mask(hidden, n, self.config().width, self.config().height, "this RBM")?;
        if x.len() != n * d {
            return Err(format!("{} values for {n} images of {d} pixels", x.len()));
        }
        if !anything {
            return Ok(x.to_vec());
        }
        let mask: Vec<f32> = (0..n).flat_map(|_| hidden.iter().map(|&h| if h { 1.0 } else { 0.0 })).collect();
        let known: Vec<f32> = binarize(x).iter().zip(&mask).map(|(v, m)| v * (1.0 - m)).collect();
        let device = self.device.clone();
        let known = Tensor::<2>::from_data(TensorData::new(known, [n, d]), &device);
        let hide = Tensor::<2>::from_data(TensorData::new(mask, [n, d]), &device);
        let means = read_back(clamped_gibbs(&self.rbm, known, hide, INPAINT_GIBBS_STEPS, &mut Rng::new(seed ^ 0x1A9), &device))?;
        Ok(x.iter().zip(means).enumerate().map(|(k, (&given, mean))| if hidden[k % d] { mean } else { given }).collect())
    }
}
