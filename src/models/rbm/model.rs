//! The RBM's parameters, its free energy, and one contrastive-divergence update. No autodiff:
//! the CD gradient is written out (Hinton 2002, eq. 5; Hinton 2010, "A Practical Guide to
//! Training RBMs", §3–4: hidden probabilities rather than samples in the statistics).

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::{sigmoid, softplus};

#[derive(Module, Debug)]
pub struct Rbm {
    /// W: [V, H].
    pub weights: Param<Tensor<2>>,
    /// b: [V].
    pub visible_bias: Param<Tensor<1>>,
    /// c: [H].
    pub hidden_bias: Param<Tensor<1>>,
}

impl Rbm {
    /// W ~ N(0, 0.01²), biases 0 (Hinton 2010, §8).
    pub fn new(visible: usize, hidden: usize, device: &Device) -> Self {
        Self {
            weights: Param::from_tensor(Tensor::random([visible, hidden], Distribution::Normal(0.0, 0.01), device)),
            visible_bias: Param::from_tensor(Tensor::zeros([visible], device)),
            hidden_bias: Param::from_tensor(Tensor::zeros([hidden], device)),
        }
    }

    /// From given values (tests, hand-computed cases), of the sizes `check_sizes` checks.
    pub fn from_values(w: Vec<f32>, b: Vec<f32>, c: Vec<f32>, device: &Device) -> Self {
        let (v, h) = (b.len(), c.len());
        Self {
            weights: Param::from_tensor(Tensor::from_data(TensorData::new(w, [v, h]), device)),
            visible_bias: Param::from_tensor(Tensor::from_data(TensorData::new(b, [v]), device)),
            hidden_bias: Param::from_tensor(Tensor::from_data(TensorData::new(c, [h]), device)),
        }
    }

    /// p(h = 1 | v) = σ(vW + c).
    ///
    /// # Shapes
    /// v: [B, V] → [B, H]
    pub fn hidden_probs(&self, v: Tensor<2>) -> Tensor<2> {
        sigmoid(v.matmul(self.weights.val()) + self.hidden_bias.val().unsqueeze::<2>())
    }

    /// p(v = 1 | h) = σ(hWᵀ + b).
    ///
    /// # Shapes
    /// h: [B, H] → [B, V]
    pub fn visible_probs(&self, h: Tensor<2>) -> Tensor<2> {
        sigmoid(h.matmul(self.weights.val().transpose()) + self.visible_bias.val().unsqueeze::<2>())
    }
}

/// F(v) = −bᵀv − Σ_j log(1 + e^{c_j + (vW)_j}), so that p(v) ∝ e^{−F(v)} (Hinton 2010, §16.1).
///
/// # Shapes
/// v: [B, V] → [B]
pub fn free_energy(rbm: &Rbm, v: Tensor<2>) -> Tensor<1> {
    let visible = v.clone().matmul(rbm.visible_bias.val().unsqueeze_dim::<2>(1)).flatten(0, 1); // [B]
    let hidden = softplus(v.matmul(rbm.weights.val()) + rbm.hidden_bias.val().unsqueeze::<2>(), 1.0).sum_dim(1).flatten(0, 1);
    (visible + hidden).neg()
}

/// Refuses values that do not make an RBM of `visible` × `hidden` units: W row-major [V, H],
/// b [V], c [H], as `Rbm::from_values` takes them.
pub fn check_sizes(visible: usize, hidden: usize, w: &[f32], b: &[f32], c: &[f32]) -> Result<(), String> {
    if w.len() != visible * hidden || b.len() != visible || c.len() != hidden {
        return Err(format!(
            "an RBM of {visible} visible and {hidden} hidden units takes {} weights, {visible} visible and {hidden} hidden biases, not {}, {} and {}",
            visible * hidden,
            w.len(),
            b.len(),
            c.len()
        ));
    }
    Ok(())
}

/// Bernoulli draws: 1 where the uniform is below the probability.
pub fn bernoulli(p: Tensor<2>, uniforms: Tensor<2>) -> Tensor<2> {
    p.greater(uniforms).float()
}

/// One Gibbs sweep from the binary visible states `v`: h ~ p(h | v), then v' ~ p(v | h).
/// Returns the means p(v = 1 | h) and the draw v'. `uniforms(shape)` supplies the U[0, 1)
/// draws, the hidden layer's first.
///
/// # Shapes
/// v: [B, V] → ([B, V], [B, V])
pub fn gibbs_sweep(rbm: &Rbm, v: Tensor<2>, uniforms: &mut dyn FnMut([usize; 2]) -> Tensor<2>) -> (Tensor<2>, Tensor<2>) {
    let [b, v_dim] = v.dims();
    let h_dim = rbm.hidden_bias.dims()[0];
    let h = bernoulli(rbm.hidden_probs(v), uniforms([b, h_dim]));
    let means = rbm.visible_probs(h);
    let drawn = bernoulli(means.clone(), uniforms([b, v_dim]));
    (means, drawn)
}

/// What one CD update computed.
pub struct CdStep {
    pub rbm: Rbm,
    /// The chain's last visible sample v_k (the next persistent state under PCD).
    pub chain: Tensor<2>,
    /// p(v | h₀): the one-step reconstruction's means.
    pub reconstruction: Tensor<2>,
}

/// One CD-k (or PCD-k) update of `rbm` on the batch `v0` with learning rate `lr`:
///   h₀ ~ p(h | v₀); the chain starts at h₀ (CD) or at p(h | `persistent`) (PCD); k steps
///   v ~ p(v | h), h ~ p(h | v); then
///   ΔW = lr (v₀ᵀ p(h | v₀) − v_kᵀ p(h | v_k)) / B, Δb = lr mean(v₀ − v_k), Δc = lr mean(p(h | v₀) − p(h | v_k)).
/// `uniforms(shape)` supplies the U[0, 1) draws, so a test can fix them.
///
/// # Shapes
/// v0: [B, V], persistent: [B, V] or None
pub fn cd_update(
    rbm: &Rbm,
    v0: Tensor<2>,
    persistent: Option<Tensor<2>>,
    k: usize,
    lr: f64,
    uniforms: &mut dyn FnMut([usize; 2]) -> Tensor<2>,
) -> CdStep {
    let [b, _] = v0.dims();
    let h_dim = rbm.hidden_bias.dims()[0];
    let v_dim = rbm.visible_bias.dims()[0];
    let h0p = rbm.hidden_probs(v0.clone()); // [B, H]
    let reconstruction = rbm.visible_probs(h0p.clone());
    let start = match persistent {
        Some(v) => rbm.hidden_probs(v),
        None => h0p.clone(),
    };
    let mut h = bernoulli(start, uniforms([b, h_dim]));
    let mut v = v0.clone();
    let mut hp = h0p.clone();
    for step in 0..k {
        v = bernoulli(rbm.visible_probs(h.clone()), uniforms([b, v_dim]));
        hp = rbm.hidden_probs(v.clone());
        if step + 1 < k {
            h = bernoulli(hp.clone(), uniforms([b, h_dim]));
        }
    }
    let positive = v0.clone().transpose().matmul(h0p.clone()); // [V, H]
    let negative = v.clone().transpose().matmul(hp.clone());
    let scale = lr / b as f64;
    let weights = rbm.weights.val() + (positive - negative).mul_scalar(scale);
    let visible_bias = rbm.visible_bias.val() + (v0 - v.clone()).sum_dim(0).flatten(0, 1).mul_scalar(scale);
    let hidden_bias = rbm.hidden_bias.val() + (h0p - hp).sum_dim(0).flatten(0, 1).mul_scalar(scale);
    CdStep {
        rbm: Rbm {
            weights: Param::from_tensor(weights),
            visible_bias: Param::from_tensor(visible_bias),
            hidden_bias: Param::from_tensor(hidden_bias),
        },
        chain: v,
        reconstruction,
    }
}
