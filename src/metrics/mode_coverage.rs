//! Mode coverage on 2-D Gaussian mixtures, the measure of the ring and grid experiments of
//! Metz et al. 2017 ("Unrolled GANs", §3.1) and Srivastava et al. 2017 (VEEGAN, Table 1):
//! a sample is *high quality* when it lies within 3σ of its nearest mode, and a mode is
//! *covered* when it holds enough high-quality samples. "Enough" follows PacGAN (Lin et al.
//! 2018, §5.1), which counts a mode as lost below 20 of 2500 samples on 25 modes, i.e. a fifth
//! of the mode's fair share n/modes; that scales to any n.

use super::MetricResult;

/// Fraction of a mode's fair share (n / modes) it must hold to count as covered (PacGAN).
pub const COVERED_SHARE: f64 = 0.2;

#[derive(Clone, Debug, PartialEq)]
pub struct ModeCoverage {
    pub modes_total: usize,
    pub modes_covered: usize,
    /// Fraction of samples within 3σ of their nearest mode.
    pub high_quality: f64,
    /// High-quality samples per mode.
    pub per_mode: Vec<usize>,
}

pub fn mode_coverage(samples: &[[f32; 2]], modes: &[[f32; 2]], sigma: f32) -> MetricResult<ModeCoverage> {
    if samples.is_empty() {
        return Err("mode coverage needs at least one sample".into());
    }
    if modes.is_empty() || !(sigma > 0.0) {
        return Err("mode coverage needs at least one mode and a positive σ".into());
    }
    let limit2 = (3.0 * sigma as f64).powi(2);
    let mut per_mode = vec![0usize; modes.len()];
    let mut good = 0usize;
    for p in samples {
        let (nearest, d2) = modes
            .iter()
            .map(|m| (p[0] as f64 - m[0] as f64).powi(2) + (p[1] as f64 - m[1] as f64).powi(2))
            .enumerate()
            .fold((0, f64::INFINITY), |best, (i, d)| if d < best.1 { (i, d) } else { best });
        if d2 <= limit2 {
            per_mode[nearest] += 1;
            good += 1;
        }
    }
    let needed = (COVERED_SHARE * samples.len() as f64 / modes.len() as f64).ceil().max(1.0) as usize;
    Ok(ModeCoverage {
        modes_total: modes.len(),
        modes_covered: per_mode.iter().filter(|&&c| c >= needed).count(),
        high_quality: good as f64 / samples.len() as f64,
        per_mode,
    })
}
