//! Small numeric helpers on plain vectors: interpolation paths and a 2-D PCA for latent maps.

/// `steps` points from `a` to `b` (both ends included), flattened.
/// Linear, or spherical (slerp, Shoemake 1985; White 2016 "Sampling Generative Networks"
/// argues it stays in the high-density shell of a Gaussian prior).
pub fn interpolate(a: &[f32], b: &[f32], steps: usize, spherical: bool) -> Vec<f32> {
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    let cos = if na > 0.0 && nb > 0.0 { (a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / (na * nb)).clamp(-1.0, 1.0) } else { 1.0 };
    let omega = cos.acos();
    let mut out = Vec::with_capacity(steps * a.len());
    for i in 0..steps {
        let t = i as f32 / (steps - 1).max(1) as f32;
        let (wa, wb) = if spherical && omega.sin().abs() > 1e-4 {
            (((1.0 - t) * omega).sin() / omega.sin(), (t * omega).sin() / omega.sin())
        } else {
            (1.0 - t, t)
        };
        out.extend(a.iter().zip(b).map(|(x, y)| wa * x + wb * y));
    }
    out
}

/// The mean and the two leading principal directions of `n` points of `dim` values,
/// by power iteration with deflation on the covariance (dim is small: a latent size).
pub fn pca2(points: &[f32], n: usize, dim: usize) -> (Vec<f32>, [Vec<f32>; 2]) {
    let mut mean = vec![0.0f64; dim];
    for p in points.chunks(dim).take(n) {
        for (m, &x) in mean.iter_mut().zip(p) {
            *m += x as f64 / n.max(1) as f64;
        }
    }
    let mut cov = vec![0.0f64; dim * dim];
    for p in points.chunks(dim).take(n) {
        for i in 0..dim {
            let di = p[i] as f64 - mean[i];
            for j in 0..dim {
                cov[i * dim + j] += di * (p[j] as f64 - mean[j]) / n.max(1) as f64;
            }
        }
    }
    let mut components: [Vec<f32>; 2] = [vec![0.0; dim], vec![0.0; dim]];
    for (k, component) in components.iter_mut().enumerate() {
        let mut v: Vec<f64> = (0..dim).map(|i| if i == k % dim.max(1) { 1.0 } else { 0.1 }).collect();
        let mut lambda = 0.0;
        for _ in 0..200 {
            let w: Vec<f64> = (0..dim).map(|i| (0..dim).map(|j| cov[i * dim + j] * v[j]).sum()).collect();
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm < 1e-12 {
                break;
            }
            lambda = norm;
            v = w.iter().map(|x| x / norm).collect();
        }
        for i in 0..dim {
            for j in 0..dim {
                cov[i * dim + j] -= lambda * v[i] * v[j];
            }
        }
        *component = v.iter().map(|&x| x as f32).collect();
    }
    (mean.iter().map(|&m| m as f32).collect(), components)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slerp_keeps_norm_between_unit_vectors_and_lerp_does_not() {
        let (a, b) = ([1.0f32, 0.0], [0.0f32, 1.0]);
        let s = interpolate(&a, &b, 3, true);
        let l = interpolate(&a, &b, 3, false);
        let mid_norm = |v: &[f32]| (v[2] * v[2] + v[3] * v[3]).sqrt();
        assert!((mid_norm(&s) - 1.0).abs() < 1e-6);
        assert!((mid_norm(&l) - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert_eq!(&s[..2], &a);
        assert_eq!(&s[4..], &b);
    }

    #[test]
    fn pca_finds_the_long_axis() {
        // Points along (1, 1)/√2 with a little spread across it.
        let mut pts = Vec::new();
        for i in 0..100 {
            let t = i as f32 / 10.0 - 5.0;
            let s = if i % 2 == 0 { 0.1 } else { -0.1 };
            pts.extend([t + s, t - s, 0.0]);
        }
        let (_, [c0, _]) = pca2(&pts, 100, 3);
        let along = (c0[0] + c0[1]).abs() / 2f32.sqrt();
        assert!(along > 0.999, "first component {c0:?}");
    }
}
