//! genlab: train every family of generative model live and look inside it.
//!
//! | module    | what lives there |
//! |-----------|------------------|
//! | `data`    | IDX reader, embedded MNIST sample, procedural shapes, 2-D toys |
//! | `models`  | one folder per family: config + network + the family's process |
//! | `train`   | the family-blind worker thread, its protocol, knobs, loss history, checkpoints |
//! | `views`   | what families offer besides training (latent space, likelihood, denoising…) and the questions that reach it |
//! | `metrics` | FID, precision/recall, density/coverage, IS, MMD², mode coverage, likelihood |
//! | `eval`    | a checkpoint measured against real data: samples, features, metrics, cache |
//! | `bench`   | `genlab bench`'s timing loop and rows; each family's cases sit in its registry entry |
//! | `gui`     | the eframe app: one tab per family, shared widgets |
//! | `cli`     | headless train / sample / eval / metrics / train-classifier / bench |
//! | `device`  | GPU (shared wgpu device) or CPU (burn flex) |
//! | `limits`  | bounds on every number and file a user or a checkpoint gives, checked before allocating |

pub mod allocator;
pub mod bench;
pub mod cli;
pub mod data;
pub mod device;
pub mod eval;
pub mod export;
pub mod gui;
pub mod limits;
pub mod math;
pub mod metrics;
pub mod models;
pub mod rng;
pub mod train;
pub mod views;
