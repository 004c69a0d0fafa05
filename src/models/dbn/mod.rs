//! The deep belief network (Hinton, Osindero & Teh 2006, "A fast learning algorithm for deep
//! belief nets"): RBMs stacked and trained greedily, one at a time, each on the hidden
//! probabilities the frozen RBMs below give the batch. Every layer is the RBM family's machine
//! and update (`crate::models::rbm`: `Rbm`, `free_energy`, `cd_update`); this folder adds the
//! stack, the greedy schedule and the generative model's passes (`stack`), and the views.
//! Generating: Gibbs sampling in the top RBM (an undirected associative memory), then one
//! pass down the directed layers below.

pub mod config;
pub mod entry;
pub mod family;
pub mod stack;
mod views;

pub use config::DbnConfig;
pub use family::DbnFamily;
pub use stack::{Greedy, Stack};

pub use entry::{ENTRY, KIND};
