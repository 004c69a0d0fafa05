//! The GAN family (Goodfellow et al. 2014): a generator and a discriminator in a two-player
//! game. Networks (`mlp`, `dcgan`, chosen in `nets`) are apart from the game (`objective`,
//! `family`), which wraps them with two optimisers and the lab's views.

pub mod config;
pub mod dcgan;
pub mod entry;
pub mod family;
pub mod mlp;
pub mod nets;
pub mod objective;

pub use config::{GanArch, GanConfig};
pub use family::GanFamily;
pub use objective::Objective;

pub use entry::{ENTRY, KIND};
