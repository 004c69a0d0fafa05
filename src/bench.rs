//! What `genlab bench` shares between families: the settings a run takes, the row each timed
//! model fills, the one timing loop, and the case most families use (train on random data of
//! the right shape, then sample). Each family's own cases sit in its registry entry
//! (`FamilyEntry::bench`, e.g. `crate::models::vae::entry`), at the batch, step count and
//! sampling calls its PyTorch twin in bench/ uses (bench/compare.sh sets them side by side).
//!
//! Every number comes from one timing loop, `time_steps`, which keeps each step's
//! duration: steps/s is their count over their sum, and the sampling p95 is a nearest-rank
//! percentile of the per-call times (`Timings::percentile_ms`).

use std::time::Instant;

use crate::data::images::ImageSet;
use crate::rng::Rng;
use crate::train::Batch;
use crate::views::Model;

/// What the command line asks of every family's cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchSettings {
    /// Timed training steps of a case, before the family scales it to match its PyTorch twin
    /// (fewer for the slow image models, three times as many for the 2-D ones).
    pub steps: usize,
    /// The batch of the cases that follow the command line (`--batch-size`); the others use
    /// their PyTorch twin's batch.
    pub batch_size: usize,
}

/// One printed row: a model's training steps and its sampling calls, each step and call timed.
pub struct BenchRow {
    /// The name bench/compare.sh looks the row up by.
    pub model: String,
    /// What one sampling time is, for the table's header: "one z for the VAE".
    pub sampling: &'static str,
    pub batch: usize,
    pub params: usize,
    /// One timing per training step.
    pub train: Timings,
    /// Sampling time per example (a call's time over the examples it made), one per call.
    pub sample: Timings,
    /// Diffusion: seconds for one DDIM-50 run of 64 images (or 256 points).
    pub ddim50_seconds: Option<f64>,
    /// Character model: training tokens (predicted characters) per second.
    pub tokens_per_sec: Option<f64>,
    /// Character model: characters generated per second, one at a time.
    pub chars_per_sec: Option<f64>,
}

impl BenchRow {
    pub fn new(model: &str, sampling: &'static str, batch: usize, params: usize, train: Timings, sample: Timings) -> Self {
        Self {
            model: model.to_string(),
            sampling,
            batch,
            params,
            train,
            sample,
            ddim50_seconds: None,
            tokens_per_sec: None,
            chars_per_sec: None,
        }
    }
}

/// Below this many samples the nearest-rank 95th percentile is the largest sample
/// (⌈0.95·n⌉ = n exactly when n < 20), so the output says so.
pub const FEW_SAMPLES: usize = 20;

/// The duration of every timed step, in milliseconds, in the order the steps ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Timings {
    ms: Vec<f64>,
}

impl Timings {
    pub fn len(&self) -> usize {
        self.ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ms.is_empty()
    }

    /// Steps per second over the whole run: the count over the summed durations.
    pub fn per_sec(&self) -> f64 {
        self.ms.len() as f64 / self.total_seconds()
    }

    pub fn total_seconds(&self) -> f64 {
        self.ms.iter().sum::<f64>() / 1e3
    }

    pub fn mean_ms(&self) -> f64 {
        self.ms.iter().sum::<f64>() / self.ms.len() as f64
    }

    /// The nearest-rank percentile: of n samples sorted ascending, the ⌈p/100 · n⌉-th smallest
    /// (1-based), so always one of the samples; `p` in percent, 0 < p ≤ 100. For p = 95: the
    /// 95th of 100 samples, the 19th of 20, and the largest of fewer than 20. NaN without
    /// samples.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.ms.is_empty() {
            return f64::NAN;
        }
        let mut sorted = self.ms.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        // p · n first, then / 100: exact for whole p and n, so a whole rank (95 of 100) is
        // not pushed up by one by 0.95's rounding.
        let rank = (p * n as f64 / 100.0).ceil() as usize;
        sorted[rank.clamp(1, n) - 1]
    }

    /// The same timings per example, for calls that each made `n` examples.
    pub fn per_example(self, n: usize) -> Timings {
        Timings { ms: self.ms.iter().map(|t| t / n as f64).collect() }
    }
}

/// The one timing loop: runs `step` `warmup` times untimed, then `steps` times (at least once),
/// timing each call on its own. `step` gets the call's index, counted from 0 over the warm-up
/// and timed calls alike (the seed or input of that call).
pub fn time_steps(warmup: usize, steps: usize, mut step: impl FnMut(usize) -> Result<(), String>) -> Result<Timings, String> {
    for i in 0..warmup {
        step(i)?;
    }
    let mut ms = Vec::with_capacity(steps.max(1));
    for i in warmup..warmup + steps.max(1) {
        let start = Instant::now();
        step(i)?;
        ms.push(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok(Timings { ms })
}

/// `n` random 28×28 images with labels 0-9 in turn: throughput does not depend on pixel values.
pub fn random_images(n: usize) -> ImageSet {
    let mut rng = Rng::new(0);
    ImageSet {
        width: 28,
        height: 28,
        pixels: (0..n * 784).map(|_| rng.uniform() as f32).collect(),
        labels: (0..n).map(|i| (i % 10) as u8).collect(),
    }
}

/// A batch of `batch` random examples for a model of `dim` inputs (uniform in [0, 1), from seed
/// 1), labels 0-9 in turn, and their dims: `[2]` for points, `[1, height, width]` for images.
pub fn random_batch(batch: usize, dim: usize, height: usize, width: usize) -> (Vec<f32>, Vec<u8>, Vec<usize>) {
    let mut rng = Rng::new(1);
    let x = (0..batch * dim).map(|_| rng.uniform() as f32).collect();
    let labels = (0..batch).map(|i| (i % 10) as u8).collect();
    (x, labels, if dim == 2 { vec![2] } else { vec![1, height, width] })
}

/// A model timed by `time_model`: its row's name and how it is fed and sampled.
pub struct Case {
    /// The row's name (bench/compare.sh looks rows up by it).
    pub model: &'static str,
    /// What one sampling time is, for the table's header.
    pub sampling: &'static str,
    pub batch: usize,
    /// The shape of one training example: `[2]` for points, `[1, 28, 28]` for images.
    pub dims: &'static [usize],
    /// Timed training steps.
    pub steps: usize,
    /// Standard-normal points instead of uniform grey images.
    pub points: bool,
    /// Examples one sampling call makes.
    pub per_call: usize,
    /// Timed sampling calls.
    pub calls: usize,
}

impl Case {
    /// A 2-D model at batch 256 on standard-normal points, sampled 8 times 256 points.
    pub fn points(model: &'static str, sampling: &'static str, steps: usize) -> Self {
        Self { model, sampling, batch: 256, dims: &[2], steps, points: true, per_call: 256, calls: 8 }
    }

    /// A 28×28 image model at `batch` on uniform grey images, sampled `calls` times `per_call`
    /// images.
    pub fn images(model: &'static str, sampling: &'static str, batch: usize, steps: usize, per_call: usize, calls: usize) -> Self {
        Self { model, sampling, batch, dims: &[1, 28, 28], steps, points: false, per_call, calls }
    }
}

/// Train steps/s of any model at `case.batch` on random data (standard-normal points or
/// uniform grey images; binary models threshold them) after 5 warm-up steps, and sampling time
/// per example over `case.calls` calls of `case.per_call` examples (after one warm-up call of 2).
pub fn time_model(case: Case, mut model: Box<dyn Model>) -> Result<BenchRow, String> {
    let Case { model: name, sampling, batch, dims, steps, points, per_call, calls } = case;
    let d: usize = dims.iter().product();
    let mut rng = Rng::new(4);
    let x: Vec<f32> = (0..batch * d).map(|_| if points { rng.normal() as f32 } else { rng.uniform() as f32 }).collect();
    let labels = vec![0u8; batch];
    let b = Batch { x: &x, n: batch, dims, labels: &labels };
    let train = time_steps(5, steps, |_| model.train_step(&b).map(drop))?;
    model.sample(2, 0, None)?;
    let sample = time_steps(0, calls, |i| model.sample(per_call, i as u64, None).map(drop))?.per_example(per_call);
    Ok(BenchRow::new(name, sampling, batch, model.num_params(), train, sample))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timings(ms: impl IntoIterator<Item = f64>) -> Timings {
        Timings { ms: ms.into_iter().collect() }
    }

    // Expected values from the nearest-rank definition, rank = ⌈0.95·n⌉ (1-based).

    #[test]
    fn p95_of_1_to_100_ms_is_the_95th() {
        // Given in descending order: the percentile sorts.
        assert_eq!(timings((1..=100).rev().map(f64::from)).percentile_ms(95.0), 95.0);
    }

    #[test]
    fn p95_of_1_to_20_ms_is_the_19th() {
        let t = timings((1..=20).map(f64::from));
        assert_eq!(t.percentile_ms(95.0), 19.0);
        assert!(t.len() >= FEW_SAMPLES);
    }

    #[test]
    fn below_20_samples_p95_is_the_largest() {
        // ⌈0.95 · 19⌉ = ⌈18.05⌉ = 19: the maximum, which the output marks.
        let t = timings((1..=19).map(f64::from));
        assert_eq!(t.percentile_ms(95.0), 19.0);
        assert!(t.len() < FEW_SAMPLES);
    }

    #[test]
    fn one_sample_is_its_own_percentile() {
        let t = timings([7.25]);
        assert_eq!(t.percentile_ms(95.0), 7.25);
        assert_eq!(t.percentile_ms(1.0), 7.25);
        assert_eq!(t.mean_ms(), 7.25);
    }

    #[test]
    fn other_percentiles_by_nearest_rank() {
        let t = timings((1..=10).map(f64::from));
        // ⌈0.5 · 10⌉ = 5, ⌈0.01 · 10⌉ = 1, ⌈1 · 10⌉ = 10.
        assert_eq!(t.percentile_ms(50.0), 5.0);
        assert_eq!(t.percentile_ms(1.0), 1.0);
        assert_eq!(t.percentile_ms(100.0), 10.0);
    }

    #[test]
    fn no_samples_have_no_percentile() {
        let t = timings(Vec::<f64>::new());
        assert!(t.is_empty());
        assert!(t.percentile_ms(95.0).is_nan());
    }

    #[test]
    fn mean_rate_and_per_example() {
        let t = timings([1.0, 2.0, 3.0, 6.0]);
        assert_eq!(t.mean_ms(), 3.0);
        // 4 steps in 12 ms.
        assert_eq!(t.total_seconds(), 0.012);
        assert!((t.per_sec() - 4.0 / 0.012).abs() < 1e-9);
        let per = t.per_example(4);
        assert_eq!(per.ms, vec![0.25, 0.5, 0.75, 1.5]);
        assert_eq!(per.mean_ms(), 0.75);
    }

    #[test]
    fn time_steps_warms_up_then_times_each_step() {
        let mut seen = Vec::new();
        let t = time_steps(3, 4, |i| {
            seen.push(i);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        assert_eq!(t.len(), 4);
        assert!(t.ms.iter().all(|&ms| ms >= 0.0));
        // Zero steps still times one, so the mean and percentiles exist.
        assert_eq!(time_steps(0, 0, |_| Ok(())).unwrap().len(), 1);
    }

    #[test]
    fn time_steps_stops_at_the_first_error() {
        let mut calls = 0;
        let result = time_steps(2, 5, |i| {
            calls += 1;
            if i == 3 { Err(format!("step {i} failed")) } else { Ok(()) }
        });
        assert_eq!(result, Err("step 3 failed".to_string()));
        assert_eq!(calls, 4);
    }
}
