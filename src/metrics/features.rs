//! A set of feature vectors: what every sample-based metric compares.
//!
//! Rows are samples. Values are f64, as in the reference implementations (pytorch-fid, prdc),
//! so the metrics agree with them to far better than the 1e-4 the tests ask.

use std::path::Path;

use super::MetricResult;
use crate::limits;

/// The most values per row a feature CSV may hold: Inception-v3 pool features are 2048 wide,
/// and the covariance of 4096 is already 128 MiB.
pub const MAX_FEATURE_COLUMNS: usize = 4096;
/// The largest magnitude a CSV feature may have. FID squares the features into covariances and
/// multiplies two of those (Σ_r^½ Σ_g Σ_r^½ grows as the fourth power): with |x| ≤ 1e50 a
/// covariance's eigenvalues stay below 4096 · (2e50)² ≈ 2e104 and that product below 1e210,
/// far from f64's 1.8e308, for any file within the CSV cap.
pub const MAX_ABS_FEATURE: f64 = 1e50;

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
    /// one header line (recognised by a field that is not a number). The file may hold at most
    /// `limits::files::CSV_BYTES`.
    pub fn read_csv(path: &Path) -> MetricResult<Self> {
        let what = path.display().to_string();
        let bytes = limits::read_file_capped(path, limits::files::CSV_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            format!("{what}: not UTF-8 text (invalid byte at offset {}); save it as UTF-8 CSV", e.utf8_error().valid_up_to())
        })?;
        Self::parse_csv(&text, &what)
    }

    /// Parses CSV text (see `read_csv`); `what` names it in messages. A UTF-8 byte-order mark
    /// (Excel writes one) is dropped; rows, columns and values are bounded before the values
    /// are stored.
    pub fn parse_csv(text: &str, what: &str) -> MetricResult<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let header_line = first_content_line(text);
        let mut dim = 0;
        let mut n = 0;
        let mut data: Vec<f64> = Vec::new();
        let mut row: Vec<f64> = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            // One more than allowed is enough to tell a row that is too wide.
            let fields: Vec<&str> = line.split(',').map(str::trim).take(MAX_FEATURE_COLUMNS + 1).collect();
            row.clear();
            let mut bad = None;
            for field in &fields {
                match field.parse::<f64>() {
                    Ok(v) => row.push(v),
                    Err(_) => {
                        bad = Some(*field);
                        break;
                    }
                }
            }
            if let Some(bad) = bad {
                // A header is allowed only as the first non-empty line.
                if n == 0 && number == header_line {
                    continue;
                }
                return Err(format!("{what}: line {}: \"{bad}\" is not a number", number + 1));
            }
            if row.len() > MAX_FEATURE_COLUMNS {
                return Err(format!(
                    "{what}: line {} has more than {MAX_FEATURE_COLUMNS} values; genlab's metrics take at most \
                     {MAX_FEATURE_COLUMNS} features per sample",
                    number + 1
                ));
            }
            if let Some(column) = row.iter().position(|v| !v.is_finite() || v.abs() > MAX_ABS_FEATURE) {
                return Err(format!(
                    "{what}: line {}, column {}: {} is {}; features must be finite numbers of magnitude at most {MAX_ABS_FEATURE:e}",
                    number + 1,
                    column + 1,
                    fields[column],
                    if row[column].is_finite() { "too large" } else { "not a finite number" }
                ));
            }
            if n == 0 {
                dim = row.len();
                // Every remaining line may be a row: refuse what would not fit before storing any.
                let rows = text.lines().skip(number).filter(|l| !l.trim().is_empty()).count();
                limits::check_alloc(&format!("{what}: {rows} rows of {dim} features"), rows as u128 * dim as u128, 8)?;
                data.reserve_exact(rows * dim);
            } else if row.len() != dim {
                return Err(format!(
                    "{what}: line {} has {} values but the first data line has {dim} (a ragged file)",
                    number + 1,
                    row.len()
                ));
            }
            data.extend_from_slice(&row);
            n += 1;
        }
        if n == 0 {
            return Err(format!("{what}: the file holds no feature rows"));
        }
        Self::new(n, dim, data, what)
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
