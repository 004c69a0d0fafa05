//! Sampling a flow-matching model is solving an ODE: dx/dt = v(x, t) from t = 0 (noise) to
//! t = 1 (data) (Lipman et al. 2023, eq. 1; Liu et al. 2023). Two fixed-step solvers,
//! as plain functions of a velocity field: Euler (one evaluation a step, local error O(h²)) and
//! Heun (two, local error O(h³); Karras et al. 2022, Algorithm 1 uses it for diffusion's ODE).
//!
//! A field is any `FnMut(&[f32], f32) -> FamilyResult<Vec<f32>>`: the rows of a batch `x`
//! (flat, row-major) at time `t` in, the velocities in the same layout out. The network is one
//! such field; the tests pass a constant matrix.

use serde::{Deserialize, Serialize};

use crate::train::FamilyResult;

/// Which fixed-step solver integrates dx/dt = v(x, t).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// x ← x + h v(x, t).
    #[default]
    Euler,
    /// Euler's guess x̃ = x + h v(x, t), then x ← x + h/2 (v(x, t) + v(x̃, t + h)): the explicit
    /// trapezoidal rule.
    Heun,
}

impl Solver {
    pub const ALL: [Solver; 2] = [Solver::Euler, Solver::Heun];

    pub fn label(self) -> &'static str {
        match self {
            Solver::Euler => "Euler",
            Solver::Heun => "Heun",
        }
    }

    /// Network calls per step.
    pub fn evaluations_per_step(self) -> usize {
        match self {
            Solver::Euler => 1,
            Solver::Heun => 2,
        }
    }
}

/// The velocities a field returned, refused when there is not one per value of `x`.
fn checked(v: Vec<f32>, len: usize) -> FamilyResult<Vec<f32>> {
    if v.len() == len { Ok(v) } else { Err(format!("the velocity field returned {} values for {len} inputs", v.len())) }
}

/// x + h v, value by value.
fn euler_from(x: &[f32], v: &[f32], h: f32) -> Vec<f32> {
    x.iter().zip(v).map(|(&x, &v)| x + h * v).collect()
}

/// Heun's step from x at time t, given v = v(x, t) already evaluated.
fn heun_from(
    field: &mut impl FnMut(&[f32], f32) -> FamilyResult<Vec<f32>>,
    x: &[f32],
    v: &[f32],
    t: f32,
    h: f32,
) -> FamilyResult<Vec<f32>> {
    let guess = euler_from(x, v, h);
    let v_end = checked(field(&guess, t + h)?, x.len())?;
    Ok(x.iter().zip(v).zip(&v_end).map(|((&x, &a), &b)| x + 0.5 * h * (a + b)).collect())
}

/// One Euler step of size `h` from `x` at time `t`.
pub fn euler_step(mut field: impl FnMut(&[f32], f32) -> FamilyResult<Vec<f32>>, x: &[f32], t: f32, h: f32) -> FamilyResult<Vec<f32>> {
    let v = checked(field(x, t)?, x.len())?;
    Ok(euler_from(x, &v, h))
}

/// One Heun step of size `h` from `x` at time `t` (two evaluations of the field).
pub fn heun_step(mut field: impl FnMut(&[f32], f32) -> FamilyResult<Vec<f32>>, x: &[f32], t: f32, h: f32) -> FamilyResult<Vec<f32>> {
    let v = checked(field(x, t)?, x.len())?;
    heun_from(&mut field, x, &v, t, h)
}

/// Integrates from `x` at t = 0 to t = 1 in `steps` equal steps (at least one) with `solver`.
/// Before each step `visit(t, x, v)` sees the state x at the step's start time t and the
/// velocity v(x, t) the step starts with (a step-through keeps them). Returns x at t = 1.
pub fn integrate(
    solver: Solver,
    steps: usize,
    mut x: Vec<f32>,
    mut field: impl FnMut(&[f32], f32) -> FamilyResult<Vec<f32>>,
    mut visit: impl FnMut(f32, &[f32], &[f32]),
) -> FamilyResult<Vec<f32>> {
    let steps = steps.max(1);
    let h = 1.0 / steps as f32;
    for k in 0..steps {
        // k/steps afresh each step: no rounding piles up over many steps.
        let t = (k as f64 / steps as f64) as f32;
        let v = checked(field(&x, t)?, x.len())?;
        visit(t, &x, &v);
        x = match solver {
            Solver::Euler => euler_from(&x, &v, h),
            Solver::Heun => heun_from(&mut field, &x, &v, t, h)?,
        };
    }
    Ok(x)
}
