//! The probability path flow matching trains on: straight lines from noise to data.
//!
//! Time runs as in Lipman et al. 2023: t = 0 is noise, t = 1 is data. (Diffusion counts the
//! other way, and its x₀ is the clean sample; here x₀ is the noise and x₁ the data.) A noise
//! point x₀ ~ N(0, I) and a data point x₁ are joined by the straight conditional path
//!
//!   x_t = (1 − t) x₀ + t x₁,   with velocity   u = dx_t/dt = x₁ − x₀,
//!
//! Lipman et al. 2023, eqs. 20-21 (the optimal-transport path) with σ_min = 0, which is Liu
//! et al. 2023's rectified flow. The network learns v(x, t) ≈ E[x₁ − x₀ | x_t = x] by
//! regression on u (the conditional flow-matching loss, Lipman et al. 2023, eq. 9; on this
//! path, eq. 23).
//!
//! All functions take flat row-major rows of `dim` values and one time per row.

/// x_t = (1 − t) x₀ + t x₁, row i at time `ts[i]`.
pub fn interpolate(x0: &[f32], x1: &[f32], ts: &[f32], dim: usize) -> Vec<f32> {
    x0.iter().zip(x1).enumerate().map(|(i, (&a, &b))| (1.0 - ts[i / dim]) * a + ts[i / dim] * b).collect()
}

/// The path's velocity u = x₁ − x₀: the regression target, the same at every t.
pub fn target_velocity(x0: &[f32], x1: &[f32]) -> Vec<f32> {
    x0.iter().zip(x1).map(|(&a, &b)| b - a).collect()
}

/// Where the straight line through x at time t with velocity v ends at t = 1:
/// x̂₁ = x + (1 − t) v. With the optimal v this is E[x₁ | x_t = x], the data point the model
/// currently heads for (the counterpart of diffusion's predicted x̂₀). All rows at one t.
pub fn predicted_data(x: &[f32], v: &[f32], t: f32) -> Vec<f32> {
    x.iter().zip(v).map(|(&x, &v)| x + (1.0 - t) * v).collect()
}

/// Where that line started at t = 0: x̂₀ = x − t v, the noise the point is predicted to have
/// come from (E[x₀ | x_t = x] with the optimal v).
pub fn predicted_noise(x: &[f32], v: &[f32], t: f32) -> Vec<f32> {
    x.iter().zip(v).map(|(&x, &v)| x - t * v).collect()
}
