//! Loss history for every named term, at a bounded memory cost however long the run.
//!
//! Each term keeps at most `capacity` points. When full, neighbouring points are averaged in
//! pairs and the stride doubles, so a run of a million steps still fits in a few kB per term
//! and the curve keeps its shape (each stored point is the mean of `stride` steps).

/// One loss term's downsampled curve.
#[derive(Clone, Debug)]
pub struct TermHistory {
    pub name: String,
    /// (step of the first step in the bucket, mean value over the bucket).
    points: Vec<(u64, f64)>,
    stride: u64,
    pending_sum: f64,
    pending_count: u64,
    pending_start: u64,
    capacity: usize,
}

impl TermHistory {
    fn new(name: &str, capacity: usize) -> Self {
        Self {
            name: name.to_string(),
            points: Vec::new(),
            stride: 1,
            pending_sum: 0.0,
            pending_count: 0,
            pending_start: 0,
            capacity: capacity.max(4),
        }
    }

    fn push(&mut self, step: u64, value: f64) {
        if self.pending_count == 0 {
            self.pending_start = step;
        }
        self.pending_sum += value;
        self.pending_count += 1;
        if self.pending_count < self.stride {
            return;
        }
        self.points.push((self.pending_start, self.pending_sum / self.pending_count as f64));
        self.pending_sum = 0.0;
        self.pending_count = 0;
        if self.points.len() >= self.capacity {
            self.points =
                self.points.chunks(2).map(|pair| (pair[0].0, pair.iter().map(|p| p.1).sum::<f64>() / pair.len() as f64)).collect();
            self.stride *= 2;
        }
    }

    /// The stored points, oldest first.
    pub fn points(&self) -> &[(u64, f64)] {
        &self.points
    }

    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// Exponential moving average of the stored points; `smoothing` in [0, 1), 0 = raw.
    /// The weight is corrected for the stride so the slider means the same at any zoom.
    pub fn smoothed(&self, smoothing: f64) -> Vec<(u64, f64)> {
        let alpha = 1.0 - smoothing.clamp(0.0, 0.999).powf(self.stride as f64);
        let mut ema: Option<f64> = None;
        self.points
            .iter()
            .map(|&(s, v)| {
                let e = match ema {
                    None => v,
                    Some(prev) => prev + alpha * (v - prev),
                };
                ema = Some(e);
                (s, e)
            })
            .collect()
    }
}

/// All terms of one run.
#[derive(Clone, Debug)]
pub struct LossHistory {
    terms: Vec<TermHistory>,
    capacity: usize,
}

impl Default for LossHistory {
    fn default() -> Self {
        Self::with_capacity(2048)
    }
}

impl LossHistory {
    pub fn with_capacity(capacity: usize) -> Self {
        Self { terms: Vec::new(), capacity }
    }

    pub fn push(&mut self, step: u64, terms: &[(String, f64)]) {
        for (name, value) in terms {
            if !value.is_finite() {
                continue;
            }
            let idx = match self.terms.iter().position(|t| &t.name == name) {
                Some(i) => i,
                None => {
                    self.terms.push(TermHistory::new(name, self.capacity));
                    self.terms.len() - 1
                }
            };
            self.terms[idx].push(step, *value);
        }
    }

    pub fn terms(&self) -> &[TermHistory] {
        &self.terms
    }

    pub fn clear(&mut self) {
        self.terms.clear();
    }

    /// Writes `step,term1,term2,…` rows, one per stored point of the first term.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("step");
        for t in &self.terms {
            out.push(',');
            out.push_str(&t.name);
        }
        out.push('\n');
        let rows = self.terms.iter().map(|t| t.points.len()).min().unwrap_or(0);
        for i in 0..rows {
            out.push_str(&self.terms[0].points[i].0.to_string());
            for t in &self.terms {
                out.push_str(&format!(",{}", t.points[i].1));
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_stays_bounded_and_means_are_kept() {
        let mut h = LossHistory::with_capacity(64);
        for step in 0..100_000u64 {
            h.push(step, &[("loss".into(), (step % 2) as f64)]);
        }
        let t = &h.terms()[0];
        assert!(t.points().len() <= 64);
        assert!(t.stride() >= 100_000 / 64);
        // Alternating 0/1 averages to exactly 0.5 in every bucket of even stride.
        for &(_, v) in t.points() {
            assert!((v - 0.5).abs() < 1e-12);
        }
    }

    #[test]
    fn smoothing_zero_is_raw_and_nonfinite_is_skipped() {
        let mut h = LossHistory::default();
        h.push(0, &[("a".into(), 1.0)]);
        h.push(1, &[("a".into(), f64::NAN)]);
        h.push(2, &[("a".into(), 3.0)]);
        let raw: Vec<f64> = h.terms()[0].smoothed(0.0).iter().map(|p| p.1).collect();
        assert_eq!(raw, vec![1.0, 3.0]);
        let smooth: Vec<f64> = h.terms()[0].smoothed(0.5).iter().map(|p| p.1).collect();
        assert_eq!(smooth, vec![1.0, 2.0]);
    }
}
