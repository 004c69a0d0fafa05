//! The VAE's likelihood bounds on log p(x), in nats:
//! - the ELBO, E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)) (Kingma & Welling 2014, eq. 3), with the
//!   KL in closed form and the expectation averaged over the same k samples as below;
//! - the importance-weighted bound of Burda et al. 2016 (eq. 8),
//!   L_k = log (1/k) Σ_i p(x, z_i) / q(z_i|x),  z_i ~ q(z|x),
//!   which tightens towards log p(x) as k grows (L_1 = ELBO in expectation).

use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::models::weights::read_back;
use crate::rng::Rng;
use crate::train::FamilyResult;
use crate::views::{LikelihoodModel, LogLikelihood};

use super::config::Likelihood;
use super::family::VaeFamily;
use super::loss::{bernoulli_nll, gaussian_nll};

impl LikelihoodModel for VaeFamily {
    fn log_likelihood(
        &mut self,
        x: &[f32],
        n: usize,
        labels: &[u8],
        importance_samples: usize,
        seed: u64,
    ) -> FamilyResult<Vec<LogLikelihood>> {
        self.check_batch(x, n)?;
        let k = importance_samples.max(1);
        let (d, zdim) = (self.config().pixels(), self.config().latent_dim);
        let labels: Vec<u8> = if labels.len() == n { labels.to_vec() } else { vec![0; n] };
        let device = self.inference_device();
        let model = self.model()?.valid();

        let x_t = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [n, d]), &device);
        let (mu, logvar) = model.encode(x_t, self.one_hot(&labels, &device)); // [B, Z] each
        let mu = read_back(mu)?;
        let logvar = read_back(logvar)?;

        // k draws per example: z = μ + σ ε, with log p(z) − log q(z|x) per draw (f64).
        let mut rng = Rng::new(seed);
        let mut z = Vec::with_capacity(n * k * zdim);
        let mut log_prior_minus_q = Vec::with_capacity(n * k);
        let mut kl = Vec::with_capacity(n);
        for b in 0..n {
            let (m, lv) = (&mu[b * zdim..(b + 1) * zdim], &logvar[b * zdim..(b + 1) * zdim]);
            kl.push(-0.5 * m.iter().zip(lv).map(|(&m, &lv)| 1.0 + lv as f64 - (m as f64).powi(2) - (lv as f64).exp()).sum::<f64>());
            for _ in 0..k {
                let mut lp = 0.0;
                for (&m, &lv) in m.iter().zip(lv) {
                    let eps = rng.normal();
                    let zi = m as f64 + (0.5 * lv as f64).exp() * eps;
                    z.push(zi as f32);
                    // log N(z; 0, 1) − log N(z; μ, σ²) = −½z² + ½ε² + ½ log σ² (the ½ ln 2π cancel)
                    lp += -0.5 * zi * zi + 0.5 * eps * eps + 0.5 * lv as f64;
                }
                log_prior_minus_q.push(lp);
            }
        }

        let rep_labels: Vec<u8> = labels.iter().flat_map(|&l| std::iter::repeat_n(l, k)).collect();
        let rep_x: Vec<f32> = (0..n).flat_map(|b| (0..k).flat_map(move |_| x[b * d..(b + 1) * d].iter().copied())).collect();
        let z_t = Tensor::<2>::from_data(TensorData::new(z, [n * k, zdim]), &device);
        let x_rep = Tensor::<2>::from_data(TensorData::new(rep_x, [n * k, d]), &device);
        let logits = model.decode(z_t, self.one_hot(&rep_labels, &device)); // [B·k, D]
        let nll = match self.config().likelihood {
            Likelihood::Bernoulli => bernoulli_nll(logits, x_rep),
            Likelihood::Gaussian => gaussian_nll(sigmoid(logits), x_rep, self.config().gaussian_sigma),
        }; // [B·k]
        let log_px_given_z = read_back(nll)?;

        let mut elbo = Vec::with_capacity(n);
        let mut iwae = Vec::with_capacity(n);
        for b in 0..n {
            let rows = b * k..(b + 1) * k;
            let recon: Vec<f64> = log_px_given_z[rows.clone()].iter().map(|&v| -(v as f64)).collect();
            elbo.push(recon.iter().sum::<f64>() / k as f64 - kl[b]);
            let log_w: Vec<f64> = recon.iter().zip(&log_prior_minus_q[rows]).map(|(r, p)| r + p).collect();
            iwae.push(log_mean_exp(&log_w));
        }
        Ok(vec![
            LogLikelihood { name: "ELBO".into(), exact: false, per_example: elbo },
            LogLikelihood { name: format!("IWAE bound (k = {k})"), exact: false, per_example: iwae },
        ])
    }
}

/// log((1/k) Σ e^{v_i}), stable for large |v|.
fn log_mean_exp(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + (v.iter().map(|x| (x - max).exp()).sum::<f64>() / v.len() as f64).ln()
}
