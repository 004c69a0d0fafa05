//! The variational autoencoder family (Kingma & Welling 2014), optionally class-conditional.

pub mod config;
pub mod conv;
pub mod entry;
pub mod family;
pub mod inpaint;
pub mod likelihood;
pub mod loss;
pub mod mlp;
pub mod model;

pub use config::{Likelihood, VaeArch, VaeConfig};
pub use family::VaeFamily;
pub use model::Vae;

pub use entry::{ENTRY, KIND};
