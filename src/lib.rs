//! genlab: train every family of generative model live and look inside it.
//!
//! | module    | what lives there |
//! |-----------|------------------|
//! | `data`    | IDX reader, embedded MNIST sample, procedural shapes, 2-D toys |
//! | `models`  | one folder per family: config + network + the family's process |
//! | `train`   | the family-blind worker thread, its protocol, loss history, checkpoints |
//! | `gui`     | the eframe app: one tab per family, shared widgets |
//! | `cli`     | headless train / sample / bench |
//! | `device`  | GPU (shared wgpu device) or CPU (burn flex) |

pub mod cli;
pub mod data;
pub mod device;
pub mod gui;
pub mod export;
pub mod math;
pub mod models;
pub mod rng;
pub mod train;
