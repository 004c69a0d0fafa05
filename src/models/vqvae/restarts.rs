//! Dead-code restarts: a code that no encoder output is nearest to gets neither a gradient from
//! the codebook loss nor a share of the moving averages, so it never moves and stays unused
//! (`usage.rs`). Jukebox (Dhariwal et al. 2020, §2.2 and appendix A: "random restarts for
//! embeddings") resets every code whose moving-average use falls under a threshold to a
//! randomly drawn encoder output of the current batch; SoundStream (Zeghidour et al. 2021,
//! §3.3) replaces a code unused in a batch by a random input vector of that batch. Here, during
//! stage 1, every `restart_every` steps each code used fewer than `restart_threshold` times a
//! step on average since the last check moves to a randomly drawn row of the current batch's
//! z_e: distinct rows while the batch has enough, drawn from a seed. Its moving averages start
//! again as at the codebook's start (`Codebook::new`): N_k = 1 and m_k = e_k, so that
//! e_k = m_k / N_k is the new vector. The codes used at or above the threshold are not touched.

use burn::prelude::*;

use crate::models::weights::read_back;
use crate::rng::Rng;
use crate::train::FamilyResult;

use super::quantizer::{Codebook, code_counts, leaf};

/// How often each code was used since the last check, and over how many steps.
#[derive(Clone, Debug)]
pub struct RestartWindow {
    uses: Vec<u64>,
    steps: u64,
}

impl RestartWindow {
    /// An empty window over `k` codes.
    pub fn new(k: usize) -> Self {
        Self { uses: vec![0; k], steps: 0 }
    }

    /// Counts the codes one step of stage 1 picked.
    pub fn add(&mut self, codes: &[u32]) {
        let k = self.uses.len();
        for (total, add) in self.uses.iter_mut().zip(code_counts(codes, k)) {
            *total += add;
        }
        self.steps += 1;
    }

    /// After a step, with a check every `every` steps: once the window holds `every` steps, its
    /// uses and steps, and a new window opens; `None` before. With `every` = 0 (no restarts)
    /// always `None`, and the window starts afresh, so turning restarts on later counts from
    /// then.
    pub fn close_if_due(&mut self, every: usize) -> Option<(Vec<u64>, u64)> {
        if every == 0 {
            self.clear();
            return None;
        }
        if self.steps < every as u64 {
            return None;
        }
        let closed = (self.uses.clone(), self.steps);
        self.clear();
        Some(closed)
    }

    fn clear(&mut self) {
        self.uses.iter_mut().for_each(|u| *u = 0);
        self.steps = 0;
    }
}

/// The codes used fewer than `threshold` times a step on average over `steps` steps, lowest
/// first: those with `uses` < `threshold` · `steps`. None over an empty window.
pub fn codes_to_restart(uses: &[u64], steps: u64, threshold: f64) -> Vec<usize> {
    if steps == 0 {
        return Vec::new();
    }
    let below = threshold * steps as f64;
    uses.iter().enumerate().filter(|&(_, &u)| (u as f64) < below).map(|(k, _)| k).collect()
}

/// `codes` rows among `n`, drawn by `rng`: distinct while `n` allows (a partial Fisher-Yates
/// shuffle), then drawn again from all `n`. None when `n` is 0.
pub fn pick_rows(codes: usize, n: usize, rng: &mut Rng) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mut rows: Vec<usize> = (0..n).collect();
    (0..codes)
        .map(|i| {
            let i = i % n;
            let j = i + rng.below(n - i);
            rows.swap(i, j);
            rows[i]
        })
        .collect()
}

/// The seed of the check after stage 1's step `step` in a run seeded `seed`: a pure function of
/// the two, so the same run restarts the same codes at the same rows.
pub fn restart_seed(seed: u64, step: u64) -> u64 {
    seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ step.wrapping_mul(0xD1B5_4A32_D192_ED03)
}

impl Codebook {
    /// The codebook with code `codes[i]` moved to row `rows[i]` of `z` for every i: e_k = z_row,
    /// N_k = 1, m_k = z_row (e_k = m_k / N_k, as at the start). Every other code, count and sum
    /// keeps its value exactly; the parameters keep their ids (as `with_ema`). Computed on the
    /// host: K × D values and the batch's vectors, once a check.
    ///
    /// # Shapes
    /// z: [N, D]
    pub fn restarted(self, codes: &[usize], rows: &[usize], z: Tensor<2>) -> FamilyResult<Self> {
        if codes.is_empty() {
            return Ok(self);
        }
        let [k, d] = self.embeddings.dims();
        let [n, zd] = z.dims();
        if zd != d || codes.len() != rows.len() || codes.iter().any(|&c| c >= k) || rows.iter().any(|&r| r >= n) {
            return Err(format!(
                "cannot restart codes {codes:?} of a codebook of {k} × {d} at rows {rows:?} of {n} vectors of {zd}: the sizes \
                 do not match"
            ));
        }
        let z = read_back(z.without_autodiff())?;
        let mut embeddings = read_back(self.embeddings.val().without_autodiff())?;
        let mut counts = read_back(self.ema_counts.val().without_autodiff())?;
        let mut sums = read_back(self.ema_sums.val().without_autodiff())?;
        for (&code, &row) in codes.iter().zip(rows) {
            let vector = &z[row * d..(row + 1) * d];
            embeddings[code * d..(code + 1) * d].copy_from_slice(vector);
            sums[code * d..(code + 1) * d].copy_from_slice(vector);
            counts[code] = 1.0;
        }
        let device = self.embeddings.device();
        let embeddings = Tensor::<2>::from_data(TensorData::new(embeddings, [k, d]), &device);
        let counts = Tensor::<1>::from_data(TensorData::new(counts, [k]), &device);
        let sums = Tensor::<2>::from_data(TensorData::new(sums, [k, d]), &device);
        Ok(Self {
            embeddings: self.embeddings.map(|_| leaf(embeddings)),
            ema_counts: self.ema_counts.map(|_| leaf(counts)),
            ema_sums: self.ema_sums.map(|_| leaf(sums)),
        })
    }
}

/// One check: the codes of `codebook` used fewer than `threshold` times a step over a window of
/// `steps` steps (`uses` per code) restarted at rows of the batch's encoder outputs `z`, drawn
/// from `seed`; with the codes restarted, lowest first (none: the codebook as it was).
///
/// # Shapes
/// z: [N, D]
pub fn restart_codes(
    codebook: Codebook,
    z: Tensor<2>,
    uses: &[u64],
    steps: u64,
    threshold: f64,
    seed: u64,
) -> FamilyResult<(Codebook, Vec<usize>)> {
    let codes = codes_to_restart(uses, steps, threshold);
    let [n, _] = z.dims();
    if codes.is_empty() || n == 0 {
        return Ok((codebook, Vec::new()));
    }
    let rows = pick_rows(codes.len(), n, &mut Rng::new(seed));
    Ok((codebook.restarted(&codes, &rows, z)?, codes))
}
