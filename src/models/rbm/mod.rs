//! The restricted Boltzmann machine (Smolensky 1986; Hinton 2002): binary visible units v and
//! hidden units h with energy E(v, h) = −bᵀv − cᵀh − vᵀWh and p(v, h) ∝ e^{−E}. Trained with
//! contrastive divergence (CD-k, Hinton 2002) or persistent CD (Tieleman 2008): the gradient
//! of log p(v) is ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model, the second term estimated by k Gibbs steps.
//! Its likelihood needs the partition function Z, estimated by annealed importance sampling
//! (`ais`, Salakhutdinov & Murray 2008); it inpaints by Gibbs sampling with pixels clamped.

pub mod ais;
pub mod config;
pub mod entry;
pub mod family;
pub mod inpaint;
mod likelihood;
pub mod model;

pub use ais::{AisEstimate, HostRbm, Schedule, estimate_log_partition};
pub use config::RbmConfig;
pub use family::RbmFamily;
pub use inpaint::INPAINT_GIBBS_STEPS;
pub use likelihood::MIN_AIS_RUNS;
pub use model::{CdStep, Rbm, bernoulli, cd_update, free_energy, gibbs_sweep};

pub use entry::{ENTRY, KIND};
