//! A set of feature vectors: what every sample-based metric compares.
//!
//! Rows are samples. Values are f64, as in the reference implementations (pytorch-fid, prdc),
//! so the metrics agree with them to far better than the 1e-4 the tests ask.

use std::path::Path;

use super::MetricResult;

#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    n: usize,
    dim: usize,
    /// Row-major, `n * dim` finite values.
    data: Vec<f64>,
}

impl Features {
    /// Checks the shape and that every value is finite; `what` names the set in messages
    /// ("the real features", a file path…).
    pub fn new(n: usize, dim: usize, data: Vec<f64>, what: &str) -> MetricResult<Self> {
        if n == 0 || dim == 0 {
            return Err(format!("{what}: no samples (need at least one row with at least one value)"));
        }
        if data.len() != n * dim {
            return Err(format!("{what}: {} values do not make {n} rows of {dim}", data.len()));
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(format!("{what}: row {}, column {} is {} (features must be finite numbers)", i / dim + 1, i % dim + 1, data[i]));
        }
        Ok(Self { n, dim, data })
    }

    pub fn from_f32(n: usize, dim: usize, data: &[f32], what: &str) -> MetricResult<Self> {
        Self::new(n, dim, data.iter().map(|&v| v as f64).collect(), what)
    }

    pub fn from_points(points: &[[f32; 2]], what: &str) -> MetricResult<Self> {
        Self::new(points.len(), 2, points.iter().flat_map(|p| [p[0] as f64, p[1] as f64]).collect(), what)
    }

    pub fn from_rows(rows: &[Vec<f64>], what: &str) -> MetricResult<Self> {
        let dim = rows.first().map_or(0, Vec::len);
        if let Some(i) = rows.iter().position(|r| r.len() != dim) {
            return Err(format!("{what}: row {} has {} values but row 1 has {dim}", i + 1, rows[i].len()));
        }
        Self::new(rows.len(), dim, rows.concat(), what)
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn data(&self) -> &[f64] {
        &self.data
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// The first `n` rows (all of them when there are fewer).
    pub fn head(&self, n: usize) -> Features {
        let n = n.min(self.n);
        Features { n, dim: self.dim, data: self.data[..n * self.dim].to_vec() }
    }

    /// Reads a CSV file of features: one sample per row, comma-separated numbers, optionally
    /// one header line (recognised by a field that is not a number).
    pub fn read_csv(path: &Path) -> MetricResult<Self> {
        let what = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{what}: cannot read ({e})"))?;
        Self::parse_csv(&text, &what)
    }

    pub fn parse_csv(text: &str, what: &str) -> MetricResult<Self> {
        let mut rows: Vec<Vec<f64>> = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let parsed: Result<Vec<f64>, _> = fields.iter().map(|f| f.parse::<f64>()).collect();
            match parsed {
                Ok(row) => {
                    if let Some(first) = rows.first()
                        && first.len() != row.len()
                    {
                        return Err(format!(
                            "{what}: line {} has {} values but the first data line has {} (a ragged file)",
                            number + 1,
                            row.len(),
                            first.len()
                        ));
                    }
                    rows.push(row);
                }
                // A header is allowed only as the first non-empty line.
                Err(_) if rows.is_empty() && number == first_content_line(text) => {}
                Err(_) => {
                    let bad = fields.iter().find(|f| f.parse::<f64>().is_err()).unwrap_or(&"");
                    return Err(format!("{what}: line {}: \"{bad}\" is not a number", number + 1));
                }
            }
        }
        if rows.is_empty() {
            return Err(format!("{what}: the file holds no feature rows"));
        }
        Self::from_rows(&rows, what)
    }

    /// Per-dimension mean.
    pub fn mean(&self) -> Vec<f64> {
        let mut mean = vec![0.0; self.dim];
        for i in 0..self.n {
            for (m, v) in mean.iter_mut().zip(self.row(i)) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= self.n as f64);
        mean
    }

    /// Unbiased covariance (divides by N − 1, as `np.cov(rowvar=False)`), row-major dim × dim.
    /// With one sample it is all zeros.
    pub fn covariance(&self) -> Vec<f64> {
        let d = self.dim;
        let mean = self.mean();
        let mut cov = vec![0.0; d * d];
        let mut centred = vec![0.0; d];
        for i in 0..self.n {
            for ((c, v), m) in centred.iter_mut().zip(self.row(i)).zip(&mean) {
                *c = v - m;
            }
            for a in 0..d {
                let ca = centred[a];
                let row = &mut cov[a * d..(a + 1) * d];
                for (r, cb) in row[a..].iter_mut().zip(&centred[a..]) {
                    *r += ca * cb;
                }
            }
        }
        let denom = (self.n.max(2) - 1) as f64;
        for a in 0..d {
            for b in a..d {
                let v = cov[a * d + b] / denom;
                cov[a * d + b] = v;
                cov[b * d + a] = v;
            }
        }
        cov
    }
}

fn first_content_line(text: &str) -> usize {
    text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0)
}

/// The same dimension in both sets, or a message naming both.
pub fn check_same_dim(real: &Features, fake: &Features) -> MetricResult<()> {
    if real.dim() != fake.dim() {
        return Err(format!(
            "the real features have {} dimensions but the generated ones have {}: both must come from the same feature extractor",
            real.dim(),
            fake.dim()
        ));
    }
    Ok(())
}
