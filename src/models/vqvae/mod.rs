//! The VQ-VAE (van den Oord et al. 2017, "Neural Discrete Representation Learning"): a
//! convolutional encoder maps an image to a grid of vectors, each replaced by its nearest
//! vector in a learned codebook, and a decoder maps the grid of codes back to an image
//! (stage 1: `networks`, `quantizer`, `model`, `train`); then a PixelCNN over the maps of
//! codes learns the prior p(z) on the frozen autoencoder's codes (stage 2: `prior`), and
//! sampling draws a map code by code and decodes it. `stages` says which stage trains,
//! `usage` how much of the codebook is in use, `restarts` moves stage 1's dead codes to
//! encoder outputs; the views are `views` (codes) and `likelihood` (a bound on log p(x)).

pub mod config;
pub mod entry;
pub mod family;
pub mod likelihood;
pub mod model;
pub mod networks;
pub mod prior;
pub mod quantizer;
pub mod restarts;
pub mod stages;
pub mod train;
pub mod usage;
mod views;

pub use config::VqVaeConfig;
pub use family::VqVaeFamily;
pub use model::VqVae;
pub use prior::CodePrior;
pub use quantizer::Codebook;
pub use stages::Progress;

pub use entry::{ENTRY, KIND};
