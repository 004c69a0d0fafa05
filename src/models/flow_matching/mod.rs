//! Flow matching (Lipman et al. 2023) on straight paths, i.e. rectified flow (Liu et al. 2023):
//! a network learns the velocity field that carries noise (t = 0) to data (t = 1), by
//! regression onto the velocity x₁ − x₀ of straight lines from noise points to data points;
//! sampling solves the ODE dx/dt = v(x, t). The network is the diffusion family's denoiser
//! (`velocity`); the process is small functions beside it: `path` (the interpolant and its
//! velocity), `ode` (Euler and Heun), `family`, which trains, samples and measures how straight
//! its paths are, and `reflow` (Liu et al. 2023, §2.2: training on the model's own pairs of
//! noise and sample, which straightens the paths).

pub mod config;
pub mod entry;
pub mod family;
pub mod ode;
pub mod path;
pub mod reflow;
pub mod velocity;

pub use config::FlowMatchingConfig;
pub use family::FlowMatchingFamily;
pub use ode::Solver;
pub use reflow::{Coupling, ReflowPairs};

pub use entry::{ENTRY, KIND};
