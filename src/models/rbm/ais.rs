//! The RBM's partition function Z = Σ_v e^{−F(v)}: estimated by annealed importance sampling
//! (AIS; Neal 2001) as Salakhutdinov & Murray 2008 ("On the quantitative analysis of deep
//! belief networks", ICML) do it for RBMs, and summed exactly when one layer is small.
//!
//! AIS anneals from a base-rate model A (no weights, visible biases b_A; its H hidden units are
//! free, so Z_A = 2^H Π_i (1 + e^{b_A,i})) to the RBM B through the unnormalised distributions
//!   p*_β(v) = e^{((1−β) b_A + β b)ᵀv} Π_j (1 + e^{β (c_j + (vW)_j)}),   0 = β_0 < … < β_K = 1,
//! with one Gibbs sweep that leaves p_β invariant between temperatures. A run that starts at
//! v_0 ~ A has the importance weight
//!   log w = Σ_{k=1..K} [log p*_{β_k}(v_{k−1}) − log p*_{β_{k−1}}(v_{k−1})],
//! and Ẑ = Z_A · (1/M) Σ_m w_m over M runs is unbiased for Z (Neal 2001, §3). log Ẑ is therefore
//! biased low (Jensen), and log p(v) = −F(v) − log Ẑ tends to come out too high. The same
//! algorithm, step for step, as the authors' RBM_AIS.m.
//!
//! Everything is f64 on the host, with one genlab `Rng` stream per run drawn from the seed: a
//! seed gives the same estimate on any backend and with any number of threads.

use rayon::prelude::*;

use crate::rng::Rng;

use super::model::check_sizes;

/// Temperatures of the default schedule: the paper's three pieces at one fourteenth of its
/// 14,500. Cost, by reasoning (not measured): one temperature of one run takes about
/// (ones in v)·H + (ones in h)·V scalar additions and V + H exponentials and uniform draws:
/// for the default 784 × 128 RBM ~10⁵ additions and ~10³ exponentials, of the order of 100 µs
/// at genlab's opt-level 1. 100 runs × 1,000 temperatures: ~10 s on one core, ~5 s on two
/// (the runs are spread over rayon's threads); evaluation's default 64 runs, two thirds of
/// that. Cost grows as V·H; the paper's schedule costs 14.5 times as much.
pub const DEFAULT_TEMPERATURES: usize = 1000;
/// Salakhutdinov & Murray's schedule: β from 0 to 0.5 in steps of 10⁻³, to 0.9 in steps of
/// 10⁻⁴, to 1 in steps of 10⁻⁵ (500 + 4,000 + 10,000: the `beta` of the authors' scripts
/// around RBM_AIS.m, less its repeated 0.5 and 0.9).
pub const PAPER_TEMPERATURES: usize = 14_500;
/// The most terms (2^m states of the smaller layer × the other layer's n units) that
/// `HostRbm::log_partition_exact` sums: 2^24, a fraction of a second. A 784-visible RBM is
/// summed exactly up to 14 hidden units.
pub const MAX_ENUMERATED_TERMS: u128 = 1 << 24;

/// softplus(x) = log(1 + e^x), without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// An RBM's parameters in f64 on the host.
#[derive(Clone, Debug, PartialEq)]
pub struct HostRbm {
    visible: usize,
    hidden: usize,
    /// W, row-major [V, H] (as `Rbm::weights`).
    weights: Vec<f64>,
    /// b: [V].
    visible_bias: Vec<f64>,
    /// c: [H].
    hidden_bias: Vec<f64>,
}

/// One of the RBM's two layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Visible,
    Hidden,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Visible => "visible",
            Layer::Hidden => "hidden",
        }
    }
}

impl HostRbm {
    /// From the values `Rbm::from_values` takes (or reads back): W row-major [V, H], b, c.
    pub fn new(visible: usize, hidden: usize, w: &[f32], b: &[f32], c: &[f32]) -> Result<Self, String> {
        check_sizes(visible, hidden, w, b, c)?;
        if w.iter().chain(b).chain(c).any(|x| !x.is_finite()) {
            return Err("the RBM's parameters are not all finite (did training diverge?): no likelihood to estimate".into());
        }
        let wide = |x: &[f32]| -> Vec<f64> { x.iter().map(|&v| v as f64).collect() };
        Ok(Self { visible, hidden, weights: wide(w), visible_bias: wide(b), hidden_bias: wide(c) })
    }

    pub fn visible(&self) -> usize {
        self.visible
    }

    pub fn hidden(&self) -> usize {
        self.hidden
    }

    pub fn visible_bias(&self) -> &[f64] {
        &self.visible_bias
    }

    /// c + vW for a binary v, into `out` ([H]): the rows of W where v is on.
    fn hidden_input(&self, v: &[bool], out: &mut [f64]) {
        out.copy_from_slice(&self.hidden_bias);
        for i in (0..self.visible).filter(|&i| v[i]) {
            for (o, w) in out.iter_mut().zip(&self.weights[i * self.hidden..(i + 1) * self.hidden]) {
                *o += w;
            }
        }
    }

    /// F(v) = −bᵀv − Σ_j softplus(c_j + (vW)_j) of a binary v ([V]): `model::free_energy` in f64.
    pub fn free_energy(&self, v: &[bool]) -> f64 {
        debug_assert_eq!(v.len(), self.visible);
        let mut input = vec![0.0; self.hidden];
        self.hidden_input(v, &mut input);
        let linear: f64 = (0..self.visible).filter(|&i| v[i]).map(|i| self.visible_bias[i]).sum();
        -linear - input.iter().map(|&x| softplus(x)).sum::<f64>()
    }

    /// The smaller layer and its size, when summing over its 2^m states is affordable
    /// (`MAX_ENUMERATED_TERMS`).
    pub fn enumerable_layer(&self) -> Option<(Layer, usize)> {
        let (layer, m, n) = if self.hidden <= self.visible {
            (Layer::Hidden, self.hidden, self.visible)
        } else {
            (Layer::Visible, self.visible, self.hidden)
        };
        (m < 64 && (1u128 << m) * n as u128 <= MAX_ENUMERATED_TERMS).then_some((layer, m))
    }

    /// log Z exactly, summed over every state of the smaller layer with the other layer
    /// marginalised: over h, log Z = log Σ_h e^{cᵀh} Π_i (1 + e^{b_i + (Wh)_i}); over v, the
    /// same with the layers' roles swapped (= log Σ_v e^{−F(v)}). None when too costly.
    pub fn log_partition_exact(&self) -> Option<f64> {
        let (layer, _) = self.enumerable_layer()?;
        let (h, w) = (self.hidden, &self.weights);
        Some(match layer {
            Layer::Hidden => sum_over_states(&self.hidden_bias, &self.visible_bias, |j, i| w[i * h + j]),
            Layer::Visible => sum_over_states(&self.visible_bias, &self.hidden_bias, |i, j| w[i * h + j]),
        })
    }
}

/// A running log Σ e^{x}.
struct LogSumExp {
    max: f64,
    sum: f64,
}

impl LogSumExp {
    fn new() -> Self {
        Self { max: f64::NEG_INFINITY, sum: 0.0 }
    }

    fn add(&mut self, x: f64) {
        if self.sum == 0.0 {
            (self.max, self.sum) = (x, 1.0);
        } else if x > self.max {
            self.sum = self.sum * (self.max - x).exp() + 1.0;
            self.max = x;
        } else {
            self.sum += (x - self.max).exp();
        }
    }

    fn value(&self) -> f64 {
        self.max + self.sum.ln()
    }
}

/// log Σ_{s ∈ {0,1}^m} exp(ownᵀs + Σ_k softplus(other_k + Σ_u s_u coupling(u, k))), m = own.len().
/// The states go in Gray-code order, each one unit away from the last, so a state costs one
/// update of the other layer's inputs rather than m.
fn sum_over_states(own: &[f64], other: &[f64], coupling: impl Fn(usize, usize) -> f64) -> f64 {
    let mut input = other.to_vec();
    let mut linear = 0.0;
    let mut on = vec![false; own.len()];
    let mut total = LogSumExp::new();
    total.add(input.iter().map(|&x| softplus(x)).sum::<f64>());
    for t in 1u64..(1u64 << own.len()) {
        // Binary-reflected Gray code: state t differs from state t − 1 in bit trailing_zeros(t).
        let u = t.trailing_zeros() as usize;
        on[u] = !on[u];
        let sign = if on[u] { 1.0 } else { -1.0 };
        linear += sign * own[u];
        for (k, x) in input.iter_mut().enumerate() {
            *x += sign * coupling(u, k);
        }
        total.add(linear + input.iter().map(|&x| softplus(x)).sum::<f64>());
    }
    total.value()
}

/// Inverse temperatures 0 = β_0 < β_1 < … < β_K = 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    betas: Vec<f64>,
}

impl Schedule {
    /// Salakhutdinov & Murray's 14,500 temperatures.
    pub fn salakhutdinov_murray() -> Self {
        Self::scaled(PAPER_TEMPERATURES)
    }

    /// `temperatures` (at least 3) in the paper's three pieces, [0, 0.5], [0.5, 0.9] and
    /// [0.9, 1], split in its proportions 500 : 4,000 : 10,000: the steps are finest near β = 1,
    /// where the weights' effect on p_β changes fastest.
    pub fn scaled(temperatures: usize) -> Self {
        let k = temperatures.max(3);
        let share = |part: usize| ((k * part) as f64 / PAPER_TEMPERATURES as f64).round().max(1.0) as usize;
        let (first, second) = (share(500), share(4000));
        let third = k.saturating_sub(first + second).max(1);
        let mut betas = vec![0.0];
        let mut start = 0.0;
        for (end, steps) in [(0.5, first), (0.9, second), (1.0, third)] {
            betas.extend((1..=steps).map(|s| start + (end - start) * (s as f64 / steps as f64)));
            start = end;
        }
        if let Some(last) = betas.last_mut() {
            *last = 1.0;
        }
        Self { betas }
    }

    /// K: the number of temperatures after β_0 = 0 (and of weight factors per run).
    pub fn temperatures(&self) -> usize {
        self.betas.len() - 1
    }

    pub fn betas(&self) -> &[f64] {
        &self.betas
    }
}

/// What M AIS runs estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct AisEstimate {
    /// log Ẑ = log Z_A + log (1/M) Σ_m w_m.
    pub log_z: f64,
    /// log(Ẑ − 3σ̂) and log(Ẑ + 3σ̂), σ̂ = sd(w)/√M the standard error of Ẑ, as the paper
    /// reports its estimates (RBM_AIS.m's logZZ_est_down/up). −∞ when 3σ̂ ≥ Ẑ.
    pub log_z_low: f64,
    pub log_z_high: f64,
    /// log Z_A of the base-rate model the runs started from.
    pub log_z_base: f64,
    /// log w_m of each run.
    pub log_weights: Vec<f64>,
    /// K of the schedule.
    pub temperatures: usize,
}

impl AisEstimate {
    /// The estimate and its spread from the runs' log weights (at least one).
    pub fn from_log_weights(log_weights: Vec<f64>, log_z_base: f64, temperatures: usize) -> Self {
        let m = log_weights.len() as f64;
        let max = log_weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // Weights relative to the largest, so that none overflows.
        let w: Vec<f64> = log_weights.iter().map(|&l| (l - max).exp()).collect();
        let mean = w.iter().sum::<f64>() / m;
        let var = w.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (m - 1.0).max(1.0);
        let spread = 3.0 * (var / m).sqrt() / mean;
        let log_z = log_z_base + max + mean.ln();
        let log_z_low = if spread < 1.0 { log_z + (-spread).ln_1p() } else { f64::NEG_INFINITY };
        Self { log_z, log_z_low, log_z_high: log_z + spread.ln_1p(), log_z_base, log_weights, temperatures }
    }

    /// M.
    pub fn runs(&self) -> usize {
        self.log_weights.len()
    }
}

/// AIS estimate of `rbm`'s log Z from `runs` runs along `schedule`, from the base-rate model
/// with visible biases `base` ([V]) and no weights. Any base gives an unbiased Ẑ; the closer
/// its visible marginals are to the RBM's, the smaller the spread.
pub fn estimate_log_partition(rbm: &HostRbm, base: &[f64], schedule: &Schedule, runs: usize, seed: u64) -> Result<AisEstimate, String> {
    if base.len() != rbm.visible {
        return Err(format!("the base-rate model has {} visible biases but the RBM {} visible units", base.len(), rbm.visible));
    }
    if runs == 0 || base.iter().any(|b| !b.is_finite()) {
        return Err("AIS needs at least one run and finite base-rate biases".into());
    }
    let mut streams = Rng::new(seed);
    let seeds: Vec<u64> = (0..runs).map(|_| streams.next_u64()).collect();
    let log_weights: Vec<f64> = seeds.par_iter().map(|&s| one_run(rbm, base, &schedule.betas, &mut Rng::new(s))).collect();
    let log_z_base = base.iter().map(|&b| softplus(b)).sum::<f64>() + rbm.hidden as f64 * std::f64::consts::LN_2;
    Ok(AisEstimate::from_log_weights(log_weights, log_z_base, schedule.temperatures()))
}

/// One annealing run from a draw of the base-rate model; its log importance weight.
fn one_run(rbm: &HostRbm, base: &[f64], betas: &[f64], rng: &mut Rng) -> f64 {
    let (nv, nh) = (rbm.visible, rbm.hidden);
    // b − b_A: how the visible term of log p*_β grows with β.
    let lift: Vec<f64> = rbm.visible_bias.iter().zip(base).map(|(b, a)| b - a).collect();
    // v_0 ~ A: independent units, p(v_i = 1) = σ(b_A,i).
    let mut v: Vec<bool> = base.iter().map(|&a| rng.uniform() < sigmoid(a)).collect();
    let mut input = vec![0.0; nh]; // c + vW
    let mut on_hidden: Vec<usize> = Vec::with_capacity(nh);
    let mut log_w = 0.0;
    for k in 1..betas.len() {
        let (before, beta) = (betas[k - 1], betas[k]);
        rbm.hidden_input(&v, &mut input);
        let lifted: f64 = (0..nv).filter(|&i| v[i]).map(|i| lift[i]).sum();
        log_w += (beta - before) * lifted + input.iter().map(|&x| softplus(beta * x) - softplus(before * x)).sum::<f64>();
        if k + 1 == betas.len() {
            break;
        }
        // One Gibbs sweep at β_k: h ~ σ(β (c + vW)), then v ~ σ((1 − β) b_A + β (b + Wh)).
        on_hidden.clear();
        on_hidden.extend((0..nh).filter(|&j| rng.uniform() < sigmoid(beta * input[j])));
        for i in 0..nv {
            let row = &rbm.weights[i * nh..(i + 1) * nh];
            let wh: f64 = on_hidden.iter().map(|&j| row[j]).sum();
            v[i] = rng.uniform() < sigmoid((1.0 - beta) * base[i] + beta * (rbm.visible_bias[i] + wh));
        }
    }
    log_w
}
