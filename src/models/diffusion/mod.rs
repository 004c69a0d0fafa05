//! The diffusion family (Sohl-Dickstein et al. 2015; Ho et al. 2020; Song et al. 2021).
//! The network (`unet`, `mlp`, chosen in `nets`) only predicts; the process is small
//! functions beside it: `schedule` (β and ᾱ), `process` (q(x_t | x₀) and the targets),
//! `sampler` (DDPM and DDIM steps), `likelihood` (the variational bound on −log p(x₀)),
//! `loss_by_t` (the training loss by timestep), and `family`, which trains and samples.

pub mod config;
pub mod ema;
pub mod entry;
pub mod family;
pub mod inpaint;
pub mod likelihood;
pub mod loss_by_t;
pub mod mlp;
pub mod nets;
pub mod process;
pub mod sampler;
pub mod schedule;
pub mod time_embedding;
pub mod unet;

pub use config::{DenoiserArch, DiffusionConfig};
pub use family::DiffusionFamily;
pub use inpaint::RepaintSettings;
pub use process::Prediction;
pub use sampler::{SamplerKind, SamplerSettings, Spacing};
pub use schedule::{Schedule, ScheduleKind};

pub use entry::{ENTRY, KIND};
