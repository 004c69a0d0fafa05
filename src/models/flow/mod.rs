//! RealNVP (Dinh, Sohl-Dickstein & Bengio 2017): an invertible map from data to a standard
//! normal, built from affine coupling layers whose Jacobians are triangular, so the density of
//! the data is exact: log p(x) = log N(f(x); 0, I) + Σ_layers log|det ∂f_l/∂x|.

pub mod config;
pub mod coupling;
pub mod entry;
pub mod family;
pub mod logit;
pub mod model;

pub use config::FlowConfig;
pub use family::FlowFamily;
pub use model::RealNvp;

pub use entry::{ENTRY, KIND};
