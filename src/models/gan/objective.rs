//! The GAN games, as losses on the discriminator's raw outputs (logits, or critic values for
//! WGAN). Each is a pair (D loss, G loss), means over the batch. The game is the family's own
//! business: the trainer only sees the loss terms.

use burn::prelude::*;
use burn::tensor::activation::{relu, softplus};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Original minimax (Goodfellow et al. 2014, eq. 1): G minimises log(1 − D(G(z))), whose
    /// gradient vanishes when D confidently rejects fakes (it "saturates").
    Minimax,
    /// Non-saturating (Goodfellow et al. 2014, §3): G maximises log D(G(z)) instead.
    NonSaturating,
    /// Hinge loss (Lim & Ye 2017; Miyato et al. 2018).
    Hinge,
    /// Least squares (Mao et al. 2017, eq. 2 with a = 0, b = c = 1).
    LeastSquares,
    /// Wasserstein GAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).
    Wgan,
}

impl Objective {
    pub const ALL: [Objective; 5] =
        [Objective::Minimax, Objective::NonSaturating, Objective::Hinge, Objective::LeastSquares, Objective::Wgan];

    pub fn label(self) -> &'static str {
        match self {
            Objective::Minimax => "minimax (saturating)",
            Objective::NonSaturating => "non-saturating",
            Objective::Hinge => "hinge",
            Objective::LeastSquares => "least squares (LSGAN)",
            Objective::Wgan => "WGAN (weight clipping)",
        }
    }

    /// Whether D's output is a probability logit (so D(x) = σ(logit) means "real").
    pub fn is_probabilistic(self) -> bool {
        matches!(self, Objective::Minimax | Objective::NonSaturating)
    }

    /// The discriminator's loss. `real_target` is 1, or 1 − ε with one-sided label smoothing
    /// (Salimans et al. 2016, §3.4), which applies to the logistic and least-squares games.
    ///
    /// # Shapes
    /// real, fake: [B] → [1]
    pub fn d_loss(self, real: Tensor<1>, fake: Tensor<1>, real_target: f64) -> Tensor<1> {
        match self {
            Objective::Minimax | Objective::NonSaturating => {
                // BCE-with-logits: −t log σ(r) − (1 − t) log σ(−r), and −log σ(−f) for fakes;
                // −log σ(x) = softplus(−x).
                let real_term =
                    softplus(real.clone().neg(), 1.0).mul_scalar(real_target) + softplus(real, 1.0).mul_scalar(1.0 - real_target);
                (real_term + softplus(fake, 1.0)).mean()
            }
            Objective::Hinge => (relu(real.neg().add_scalar(1.0)) + relu(fake.add_scalar(1.0))).mean(),
            Objective::LeastSquares => (real.sub_scalar(real_target).powf_scalar(2.0) + fake.powf_scalar(2.0)).mean().mul_scalar(0.5),
            Objective::Wgan => fake.mean() - real.mean(),
        }
    }

    /// The generator's loss on D's outputs for its samples.
    ///
    /// # Shapes
    /// fake: [B] → [1]
    pub fn g_loss(self, fake: Tensor<1>) -> Tensor<1> {
        match self {
            // log(1 − σ(f)) = −softplus(f)
            Objective::Minimax => softplus(fake, 1.0).neg().mean(),
            // −log σ(f) = softplus(−f)
            Objective::NonSaturating => softplus(fake.neg(), 1.0).mean(),
            Objective::Hinge | Objective::Wgan => fake.neg().mean(),
            Objective::LeastSquares => fake.sub_scalar(1.0).powf_scalar(2.0).mean().mul_scalar(0.5),
        }
    }
}
