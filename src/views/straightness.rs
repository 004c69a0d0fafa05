//! How straight sampling paths are. Liu et al. 2023 ("Flow Straight and Fast: Learning to
//! Generate and Transfer Data with Rectified Flow", ICLR) measure a flow X_t from noise (t = 0)
//! to data (t = 1) by its straightness
//!
//!   S = ∫₀¹ E ‖(X₁ − X₀) − dX_t/dt‖² dt,
//!
//! zero exactly when every path is a straight line run at constant speed; their reflow lowers
//! it. Beside it, a number a student can picture: the paths' length over their chords' (the
//! straight lines from start to end), 1 for straight paths whatever their speed.
//!
//! Both are read from the states a solver visits, x at times t₀ < t₁ < … < t_K, rescaled so the
//! run spans [0, 1]. Between two states the path is taken as the segment joining them, with
//! velocity d_k = Δx_k / Δt_k, so with the chord c = x_K − x₀ = Σ_k Δx_k and Σ_k Δt_k = 1:
//!
//!   S = Σ_k Δt_k ‖c − d_k‖² = Σ_k ‖Δx_k‖²/Δt_k − 2 c·Σ_k Δx_k + ‖c‖² Σ_k Δt_k
//!     = Σ_k ‖Δx_k‖²/Δt_k − ‖c‖²,
//!
//! never negative (Cauchy–Schwarz), and one pass that keeps only the previous state
//! (`PathTally`). With Euler's solver d_k is exactly the velocity v(x_k, t_k) the step used, so
//! this is the paper's integral by the solver's own rectangle rule.
//!
//! S depends on how the run is timed; the length ratio does not. A diffusion model's DDIM run
//! with η = 0 follows an ODE too (Song, Meng & Ermon 2021, §4.3) but on no clock shared with a
//! flow's, so the ratio is the number that compares the two families. Over a `Trajectory`
//! (`of_trajectory`, either family's step-through) the kept steps are timed evenly.

use super::Trajectory;
use crate::metrics::MetricResult;
use crate::train::Samples;

/// How straight a set of paths is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Straightness {
    /// S of Liu et al. 2023, averaged over the paths: 0 for straight lines run at constant speed.
    pub straightness: f64,
    /// The paths' total length over their chords' total length: 1 for straight paths.
    pub length_ratio: f64,
    /// How many paths were measured.
    pub paths: usize,
}

/// Measures paths state by state, keeping only the first and the previous state of each.
pub struct PathTally {
    dim: usize,
    /// Each path's state at the first time, then at the latest.
    start: Vec<f32>,
    previous: Vec<f32>,
    /// The first and the latest time; `None` before the first state.
    times: Option<(f64, f64)>,
    /// Per path: Σ_k ‖Δx_k‖²/Δt_k, and its length Σ_k ‖Δx_k‖.
    speed2: Vec<f64>,
    length: Vec<f64>,
}

impl PathTally {
    /// A tally of `paths` paths of `dim` values each.
    pub fn new(paths: usize, dim: usize) -> MetricResult<Self> {
        if paths == 0 || dim == 0 {
            return Err(format!("straightness needs at least one path of at least one value, not {paths} paths of {dim}"));
        }
        Ok(Self { dim, start: Vec::new(), previous: Vec::new(), times: None, speed2: vec![0.0; paths], length: vec![0.0; paths] })
    }

    /// The paths' states `x` (flat rows of `dim` values, one row a path) at time `t`, which must
    /// come after the previous state's time.
    pub fn visit(&mut self, t: f64, x: &[f32]) -> MetricResult<()> {
        let (paths, dim) = (self.length.len(), self.dim);
        if x.len() != paths * dim {
            return Err(format!("a state of {} values for {paths} paths of {dim} values", x.len()));
        }
        if !t.is_finite() {
            return Err(format!("a path's time must be a finite number, not {t}"));
        }
        let Some((first, last)) = self.times else {
            self.start = x.to_vec();
            self.previous = x.to_vec();
            self.times = Some((t, t));
            return Ok(());
        };
        let dt = t - last;
        if !(dt > 0.0) {
            return Err(format!("the times along a path must increase: {t} came after {last}"));
        }
        for (i, (now, before)) in x.chunks(dim).zip(self.previous.chunks(dim)).enumerate() {
            let step2 = squared_distance(now, before);
            self.speed2[i] += step2 / dt;
            self.length[i] += step2.sqrt();
        }
        self.previous.copy_from_slice(x);
        self.times = Some((first, t));
        Ok(())
    }

    /// S and the length ratio over the states visited, the run rescaled to [0, 1].
    pub fn finish(&self) -> MetricResult<Straightness> {
        let Some((first, last)) = self.times.filter(|(first, last)| last > first) else {
            return Err("a path needs at least two states to be measured".into());
        };
        // Δτ = Δt / span on the rescaled clock, so Σ ‖Δx‖²/Δτ = span · Σ ‖Δx‖²/Δt.
        let span = last - first;
        let paths = self.length.len();
        let (mut s, mut length, mut chord) = (0.0f64, 0.0f64, 0.0f64);
        for i in 0..paths {
            let rows = i * self.dim..(i + 1) * self.dim;
            let chord2 = squared_distance(&self.previous[rows.clone()], &self.start[rows]);
            let s_i = span * self.speed2[i] - chord2;
            if !s_i.is_finite() || !self.length[i].is_finite() {
                return Err(format!("path {i} holds values that are not finite numbers"));
            }
            // Never below 0 but for rounding (the identity in the module's comment).
            s += s_i.max(0.0);
            length += self.length[i];
            chord += chord2.sqrt();
        }
        let length_ratio = if chord > 0.0 {
            length / chord
        } else if length == 0.0 {
            1.0 // nothing moved: no bend either
        } else {
            f64::INFINITY // every path came back to where it started
        };
        Ok(Straightness { straightness: s / paths as f64, length_ratio, paths })
    }
}

fn squared_distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(&a, &b)| (a as f64 - b as f64).powi(2)).sum()
}

/// The paths and their flat values of one state of a run: points or images.
fn state(samples: &Samples) -> MetricResult<(usize, &[f32])> {
    match samples {
        Samples::Points(p) => Ok((p.len(), p.as_flattened())),
        Samples::Images(b) => Ok((b.n, b.pixels.as_slice())),
        Samples::Text(_) => Err("text has no paths to measure".into()),
    }
}

/// S and the length ratio of a sampling run kept step by step (the denoising view's
/// `Trajectory`, a flow's or a diffusion model's): its steps' x_t, then the result, timed evenly
/// (the k-th of K + 1 states at k/K). Each sample is one path; images are measured in [0, 1].
pub fn of_trajectory(trajectory: &Trajectory) -> MetricResult<Straightness> {
    let first = trajectory.steps.first().ok_or("a run with no steps has no path to measure")?;
    let (paths, values) = state(&first.x_t)?;
    let mut tally = PathTally::new(paths, values.len() / paths.max(1))?;
    let states = trajectory.steps.iter().map(|s| &s.x_t).chain(std::iter::once(&trajectory.result));
    for (k, samples) in states.enumerate() {
        tally.visit(k as f64, state(samples)?.1)?;
    }
    tally.finish()
}
