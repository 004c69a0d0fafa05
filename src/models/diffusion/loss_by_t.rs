//! The "loss vs t" plot of the denoising view: the training loss as a running mean in each of
//! `LOSS_BUCKETS` equal ranges of the timestep. Diffusion's and flow matching's alike.

use crate::views::LossBucket;

/// Timestep ranges of the plot.
pub const LOSS_BUCKETS: usize = 10;
/// Weight of the newest step in each bucket's running mean.
const BUCKET_RATE: f64 = 0.02;

/// The buckets over timesteps 0 … `timesteps`, no loss recorded yet.
pub fn empty_buckets(timesteps: usize) -> Vec<LossBucket> {
    (0..LOSS_BUCKETS)
        .map(|i| LossBucket { t_lo: i * timesteps / LOSS_BUCKETS, t_hi: (i + 1) * timesteps / LOSS_BUCKETS, loss: f64::NAN })
        .collect()
}

/// Folds one step's losses at integer timesteps `ts` of a schedule of `timesteps` steps into the
/// running means, each timestep in the bucket of its equal range.
pub fn record_timesteps(buckets: &mut [LossBucket], timesteps: usize, ts: &[usize], losses: &[f32]) {
    let width = timesteps.div_ceil(LOSS_BUCKETS).max(1);
    record(buckets, ts.iter().zip(losses).map(|(&t, &l)| (t / width, l)));
}

/// Folds one step's losses into the running means: each item is an example's bucket (past the
/// last counts as the last) and its loss.
pub fn record(buckets: &mut [LossBucket], losses: impl IntoIterator<Item = (usize, f32)>) {
    let mut sums = [(0.0f64, 0usize); LOSS_BUCKETS];
    for (b, l) in losses {
        let b = b.min(LOSS_BUCKETS - 1);
        sums[b].0 += l as f64;
        sums[b].1 += 1;
    }
    for (bucket, (sum, count)) in buckets.iter_mut().zip(sums) {
        if count == 0 {
            continue;
        }
        let mean = sum / count as f64;
        bucket.loss = if bucket.loss.is_nan() { mean } else { bucket.loss + BUCKET_RATE * (mean - bucket.loss) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flow matching laid its buckets out as i·(1000 / 10) before it shared these: the same.
    #[test]
    fn buckets_split_the_timesteps_evenly() {
        let spans: Vec<(usize, usize)> = empty_buckets(1000).iter().map(|b| (b.t_lo, b.t_hi)).collect();
        assert_eq!(spans, (0..10).map(|i| (100 * i, 100 * (i + 1))).collect::<Vec<_>>());
    }

    /// A bucket's first mean is taken as it is; later ones move it by `BUCKET_RATE`:
    /// (0.5 + 1.5) / 2 = 1, then 1 + 0.02 · (3 − 1) = 1.04.
    #[test]
    fn running_mean_per_bucket() {
        let mut buckets = empty_buckets(1000);
        record(&mut buckets, [(0, 0.5), (0, 1.5), (12, 2.0)]);
        assert_eq!(buckets[0].loss, 1.0);
        assert_eq!(buckets[9].loss, 2.0, "past the last bucket counts as the last");
        assert!(buckets[1].loss.is_nan());
        record(&mut buckets, [(0, 3.0)]);
        assert!((buckets[0].loss - 1.04).abs() < 1e-12);
    }
}
