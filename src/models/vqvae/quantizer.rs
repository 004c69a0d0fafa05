//! Vector quantisation (van den Oord et al. 2017, "Neural Discrete Representation Learning",
//! §3.1-3.2 and appendix A.1): each encoder vector z_e is replaced by its nearest codebook
//! vector e_k, k = argmin_j ‖z_e − e_j‖² (eq. 1-2). The argmin has no gradient, so the decoder's
//! gradient is copied from z_q to z_e (the straight-through estimator), the codebook is pulled
//! towards the encoder's vectors (the codebook loss, or moving averages), and the encoder is
//! held to its codes (the commitment loss, eq. 3).
//!
//! Both losses are means over the elements of the N × D vectors, as the standard PyTorch and
//! Sonnet implementations compute them (Sonnet's `VectorQuantizer`: `reduce_mean((quantized −
//! sg[inputs])²)`), with the reconstruction's per-pixel mean beside them (`train.rs`); the
//! paper writes them per vector (‖·‖² summed over D).

use burn::module::Param;
use burn::prelude::*;
use burn::tensor::Distribution;

use crate::train::FamilyResult;

/// ε of the Laplace smoothing of the EMA counts: 1e-5, Sonnet's `VectorQuantizerEMA` default.
pub const EMA_EPSILON: f64 = 1e-5;

/// The codebook and, for moving-average updates, the averages it is computed from.
#[derive(Module, Debug)]
pub struct Codebook {
    /// e: [K, D], one code vector per row.
    pub embeddings: Param<Tensor<2>>,
    /// N: [K], the moving average of how many vectors each code was nearest to.
    pub ema_counts: Param<Tensor<1>>,
    /// m: [K, D], the moving average of the sum of those vectors.
    pub ema_sums: Param<Tensor<2>>,
}

/// A tensor as a fresh parameter value: detached from whatever computed it, and taking
/// gradients again where autodiff is on (as the GAN family's weight clipping does).
pub(super) fn leaf<const D: usize>(t: Tensor<D>) -> Tensor<D> {
    let t = t.detach();
    if t.is_autodiff() { t.require_grad() } else { t }
}

impl Codebook {
    /// K codes of D values, each uniform in [−1/K, 1/K] as the PyTorch implementations of the
    /// paper start theirs: near the origin, so that at first the nearest code is decided by the
    /// direction of z_e and many codes are used. The averages start at N = 1 and m = e, so that
    /// e = m / N holds from the first step and a code no vector picks stays where it is (the
    /// paper leaves the start open; starting N at 0, as some implementations do, throws such a
    /// code to e/ε at the first update, where it stays unused).
    pub fn new(codes: usize, dim: usize, device: &Device) -> Self {
        let bound = 1.0 / codes as f64;
        Self::from_tensor(Tensor::random([codes, dim], Distribution::Uniform(-bound, bound), device))
    }

    /// A codebook with the given vectors (K × D, row-major), for tests and hand-made cases.
    pub fn from_values(values: Vec<f32>, codes: usize, dim: usize, device: &Device) -> Self {
        Self::from_tensor(Tensor::from_data(TensorData::new(values, [codes, dim]), device))
    }

    fn from_tensor(e: Tensor<2>) -> Self {
        let [k, _] = e.dims();
        let device = e.device();
        Self {
            ema_counts: Param::from_tensor(Tensor::ones([k], &device)),
            ema_sums: Param::from_tensor(e.clone()),
            embeddings: Param::from_tensor(e),
        }
    }

    /// K.
    pub fn size(&self) -> usize {
        self.embeddings.dims()[0]
    }

    /// The codebook after a moving-average update: the same parameters (their ids kept) with
    /// the new values.
    pub fn with_ema(self, update: EmaUpdate) -> Self {
        let EmaUpdate { counts, sums, embeddings } = update;
        Self {
            embeddings: self.embeddings.map(|_| leaf(embeddings)),
            ema_counts: self.ema_counts.map(|_| leaf(counts)),
            ema_sums: self.ema_sums.map(|_| leaf(sums)),
        }
    }
}

/// ‖z_n − e_k‖² for every row n of `z` and every code k, as ‖z‖² − 2 z·e + ‖e‖² (one matrix
/// product instead of an N × K × D difference).
///
/// # Shapes
/// z: [N, D], e: [K, D] → [N, K]
pub fn squared_distances(z: Tensor<2>, e: Tensor<2>) -> Tensor<2> {
    let zz = z.clone().powf_scalar(2.0).sum_dim(1); // [N, 1]
    let ee = e.clone().powf_scalar(2.0).sum_dim(1).transpose(); // [1, K]
    zz + ee - z.matmul(e.transpose()).mul_scalar(2.0)
}

/// The nearest code of each row of `z` (eq. 2): the argmin of `squared_distances`, the lowest
/// index on a tie. Computed without autodiff (an argmin has no gradient) and read back.
///
/// # Shapes
/// z: [N, D], e: [K, D] → N codes
pub fn nearest_codes(z: Tensor<2>, e: Tensor<2>) -> FamilyResult<Vec<u32>> {
    let nearest = squared_distances(z.without_autodiff(), e.without_autodiff()).argmin(1); // [N, 1]
    let codes = nearest.try_into_vec_as::<i64>().map_err(|e| format!("could not read the nearest codes back from the device: {e:?}"))?;
    Ok(codes.into_iter().map(|k| k.max(0) as u32).collect())
}

/// One-hot rows of `codes` among `k` (a code at or past `k` gives a row of zeros).
///
/// # Shapes
/// → [N, K]
pub fn one_hot_codes(codes: &[u32], k: usize, device: &Device) -> Tensor<2> {
    let mut rows = vec![0.0f32; codes.len() * k];
    for (n, &code) in codes.iter().enumerate() {
        if (code as usize) < k {
            rows[n * k + code as usize] = 1.0;
        }
    }
    Tensor::from_data(TensorData::new(rows, [codes.len(), k]), device)
}

/// What quantising a batch of vectors gives.
pub struct Quantized {
    /// The nearest code of each vector.
    pub codes: Vec<u32>,
    /// [N, K]: the codes one-hot (the posterior q(z | x) of eq. 1).
    pub one_hot: Tensor<2>,
    /// [N, D]: z_q, each vector's nearest code vector. Written as one_hot · e, so the codebook
    /// loss's gradient reaches the codes it picked.
    pub z_q: Tensor<2>,
}

/// Quantises the rows of `z` onto the codebook `e`.
///
/// # Shapes
/// z: [N, D], e: [K, D]
pub fn quantize(z: Tensor<2>, e: Tensor<2>) -> FamilyResult<Quantized> {
    let k = e.dims()[0];
    let codes = nearest_codes(z.clone(), e.clone())?;
    let one_hot = one_hot_codes(&codes, k, &z.device()); // [N, K]
    let z_q = one_hot.clone().matmul(e); // [N, D]
    Ok(Quantized { codes, one_hot, z_q })
}

/// z_e + sg[z_q − z_e]: z_q going forward, and going back the gradient that reaches z_q is
/// passed to z_e unchanged (§3.2: "we approximate the gradient similar to the straight-through
/// estimator and just copy gradients from decoder input z_q(x) to encoder output z_e(x)").
///
/// # Shapes
/// z_e, z_q: [N, D] → [N, D]
pub fn straight_through(z_e: Tensor<2>, z_q: Tensor<2>) -> Tensor<2> {
    z_e.clone() + (z_q - z_e).detach()
}

/// The codebook loss ‖sg[z_e] − e‖² (eq. 3, second term), the mean over the N × D elements:
/// it moves the codes only.
///
/// # Shapes
/// z_e, z_q: [N, D] → [1]
pub fn codebook_loss(z_e: Tensor<2>, z_q: Tensor<2>) -> Tensor<1> {
    (z_e.detach() - z_q).powf_scalar(2.0).mean()
}

/// The commitment loss ‖z_e − sg[e]‖² (eq. 3, third term, before its weight β), the mean over
/// the N × D elements: it moves the encoder only.
///
/// # Shapes
/// z_e, z_q: [N, D] → [1]
pub fn commitment_loss(z_e: Tensor<2>, z_q: Tensor<2>) -> Tensor<1> {
    (z_e - z_q.detach()).powf_scalar(2.0).mean()
}

/// The averages and the codebook after one moving-average update.
pub struct EmaUpdate {
    /// N: [K].
    pub counts: Tensor<1>,
    /// m: [K, D].
    pub sums: Tensor<2>,
    /// e: [K, D].
    pub embeddings: Tensor<2>,
}

/// One moving-average update of the codebook (appendix A.1, eqs. 6-8), with the counts
/// Laplace-smoothed as Sonnet's `VectorQuantizerEMA` does so that no division is by zero:
///   N_i ← γ N_i + (1 − γ) n_i,          n_i: the batch's vectors nearest to code i
///   m_i ← γ m_i + (1 − γ) Σ_j z_{i,j},  the sum of those vectors
///   Ñ_i = (N_i + ε) / (Σ_k N_k + K ε) · Σ_k N_k,    e_i = m_i / Ñ_i.
/// No gradient flows through it: `z` is detached here.
///
/// # Shapes
/// counts: [K], sums: [K, D], z: [N, D], one_hot: [N, K]
pub fn ema_update(counts: Tensor<1>, sums: Tensor<2>, z: Tensor<2>, one_hot: Tensor<2>, decay: f64) -> EmaUpdate {
    let k = counts.dims()[0];
    let batch_counts: Tensor<1> = one_hot.clone().sum_dim(0).flatten(0, 1); // [K]
    let batch_sums = one_hot.transpose().matmul(z.detach()); // [K, D]
    let counts = counts.detach().mul_scalar(decay) + batch_counts.mul_scalar(1.0 - decay); // [K]
    let sums = sums.detach().mul_scalar(decay) + batch_sums.mul_scalar(1.0 - decay); // [K, D]
    let total = counts.clone().sum(); // [1]
    let smoothed = counts.clone().add_scalar(EMA_EPSILON) / total.clone().add_scalar(k as f64 * EMA_EPSILON) * total; // [K]
    let embeddings = sums.clone() / smoothed.unsqueeze_dim::<2>(1); // [K, D]
    EmaUpdate { counts, sums, embeddings }
}

/// How many of `codes` are each of the `k` codes.
pub fn code_counts(codes: &[u32], k: usize) -> Vec<u64> {
    let mut counts = vec![0u64; k];
    for &code in codes {
        if let Some(c) = counts.get_mut(code as usize) {
            *c += 1;
        }
    }
    counts
}

/// exp(−Σ_k p_k ln p_k) of the frequencies `counts`: the number of equally used codes that
/// would have the same entropy (K at most, 1 when one code takes every vector); 0 when there
/// are no counts.
pub fn perplexity(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total as f64;
            -p * p.ln()
        })
        .sum();
    entropy.exp()
}
