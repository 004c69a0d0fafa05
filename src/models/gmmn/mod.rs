//! Generative moment matching networks (Li, Swersky & Zemel 2015): a generator trained to
//! make the maximum mean discrepancy between its samples and the data small, with a sum of
//! Gaussian RBF kernels. No discriminator: the kernel two-sample statistic is the critic.

pub mod config;
pub mod entry;
pub mod family;
pub mod generator;
pub mod mmd_loss;

pub use config::GmmnConfig;
pub use family::GmmnFamily;
pub use mmd_loss::{mmd2_biased, mmd2_unbiased, witness};

pub use entry::{ENTRY, KIND};
