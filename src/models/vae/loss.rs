//! The VAE's loss terms, per example: −log p(x|z) and KL(q(z|x) ‖ p(z)).

use burn::tensor::Tensor;
use burn::tensor::activation::log_sigmoid;

/// KL(N(μ, diag e^logvar) ‖ N(0, I)) per row: −½ Σ_j (1 + logvar_j − μ_j² − e^logvar_j)
/// (Kingma & Welling 2014, appendix B).
///
/// # Shapes
/// mu, logvar: [B, Z] → [B]
pub fn kl_to_standard_normal(mu: Tensor<2>, logvar: Tensor<2>) -> Tensor<1> {
    let terms = logvar.clone().add_scalar(1.0) - mu.powf_scalar(2.0) - logvar.exp(); // [B, Z]
    terms.sum_dim(1).mul_scalar(-0.5).flatten(0, 1) // [B]
}

/// Bernoulli negative log-likelihood per row from logits, for targets in [0, 1]:
/// −Σ_j [x_j log σ(l_j) + (1 − x_j) log σ(−l_j)]. Since log σ(−l) = log σ(l) − l, this is
/// Σ_j [(1 − x_j) l_j − log σ(l_j)]: one log-sigmoid per pixel instead of two, which halves the
/// transcendental work of the VAE's step on the CPU. Written with `log_sigmoid` because burn's
/// BCE-with-logits takes integer targets only, and grey pixels are fractional.
///
/// # Shapes
/// logits, x: [B, D] → [B]
pub fn bernoulli_nll(logits: Tensor<2>, x: Tensor<2>) -> Tensor<1> {
    let per_pixel = (x.neg().add_scalar(1.0) * logits.clone()) - log_sigmoid(logits); // [B, D]
    per_pixel.sum_dim(1).flatten(0, 1)
}

/// Gaussian negative log-likelihood per row with fixed σ:
/// Σ_j [½ ((x_j − m_j)/σ)² + log σ + ½ log 2π].
///
/// # Shapes
/// mean, x: [B, D] → [B]
pub fn gaussian_nll(mean: Tensor<2>, x: Tensor<2>, sigma: f64) -> Tensor<1> {
    let d = x.dims()[1] as f64;
    let constant = d * (sigma.ln() + 0.5 * (2.0 * std::f64::consts::PI).ln());
    let sq = (x - mean).div_scalar(sigma).powf_scalar(2.0).mul_scalar(0.5); // [B, D]
    sq.sum_dim(1).flatten(0, 1).add_scalar(constant)
}
