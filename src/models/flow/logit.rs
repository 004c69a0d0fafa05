//! Images into the flow's space and back (Dinh et al. 2017, §4.1): dequantize the 8-bit
//! values with uniform noise, x̃ = (k + u) / 256 with u ~ U[0, 1), then y = logit(α + (1 − 2α) x̃).
//! The change of variables adds log|dy/dx̃| = Σ [log(1 − 2α) − log p − log(1 − p)] with
//! p = α + (1 − 2α) x̃, and a density on [0, 1]^D becomes one on 8-bit images by
//! subtracting D log 256 (each integer bin has width 1/256).

/// The transformed values and log|dy/dx̃| of one image (f64 for the Jacobian's sum).
pub fn to_logit_space(x: &[f32], alpha: f64, uniforms: &[f64]) -> (Vec<f32>, f64) {
    let mut log_det = 0.0;
    let y = x
        .iter()
        .zip(uniforms)
        .map(|(&v, &u)| {
            let k = (v as f64 * 255.0).round().clamp(0.0, 255.0);
            let dequantized = (k + u) / 256.0;
            let p = alpha + (1.0 - 2.0 * alpha) * dequantized;
            log_det += (1.0 - 2.0 * alpha).ln() - p.ln() - (1.0 - p).ln();
            (p / (1.0 - p)).ln() as f32
        })
        .collect();
    (y, log_det)
}

/// Back to [0, 1] pixels: x = (σ(y) − α) / (1 − 2α), clamped.
pub fn from_logit_space(y: &[f32], alpha: f64) -> Vec<f32> {
    y.iter()
        .map(|&v| {
            let p = 1.0 / (1.0 + (-(v as f64)).exp());
            ((p - alpha) / (1.0 - 2.0 * alpha)).clamp(0.0, 1.0) as f32
        })
        .collect()
}

/// D log 256: from a density on [0, 1]^D to probabilities of 8-bit images.
pub fn bins_correction(dim: usize) -> f64 {
    dim as f64 * 256f64.ln()
}
