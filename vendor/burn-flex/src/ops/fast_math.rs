//! genlab patch: branch-free f32 exp / sigmoid / log-sigmoid, and element-wise maps that use
//! every core and the CPU's vector width.
//!
//! Stock flex maps element-wise f32 closures serially at the baseline ISA (SSE2), and its exp
//! is a libm call per element, so SiLU, sigmoid and the log-sigmoid of a Bernoulli likelihood
//! cost more than the convolutions around them on small models. Here:
//! - [`exp`] is Cephes' `expf` (range reduction by ln 2 in two parts, a degree-5 polynomial,
//!   the exponent written into the float's bits) written without branches, so that a loop over
//!   it vectorises; `ln_1p_unit` is Cephes' `logf` polynomial with the usual log1p correction.
//!   Both stay within a few ulp of libm (tested in genlab's `tests/flex_kernels.rs`).
//! - [`map`] and [`zip_map`] run a closure over contiguous slices in chunks on the rayon pool
//!   (above [`PARALLEL_MIN`] elements), each chunk through a copy of the loop compiled for
//!   AVX2 + FMA when the CPU has it (runtime detection; the binary still runs on any x86-64).

use alloc::vec::Vec;
use core::mem::MaybeUninit;

/// Below this many elements a map stays on the calling thread.
pub(crate) const PARALLEL_MIN: usize = 64 * 1024;
/// Elements per rayon task.
const CHUNK: usize = 16 * 1024;

const LOG2E: f32 = core::f32::consts::LOG2_E;
/// ln 2 split in two (Cody & Waite), so that `x - n·ln2` is exact for the `n` that occur.
const LN2_HI: f32 = 0.693_359_375;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5·2²³: adding it rounds an f32 of magnitude below 2²² to an integer.
const ROUND: f32 = 12_582_912.0;

/// e^x for f32, branch-free (Cephes `expf`). NaN stays NaN; overflow gives +inf and
/// underflow 0, as libm does; subnormal results are rounded once.
///
/// Kept small on purpose: the element-wise maps rely on LLVM inlining it (through the
/// closure) into their AVX2 loops, and a larger body was called per element instead.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    let xc = x.clamp(-104.0, 88.722_84);
    let t = xc * LOG2E + ROUND;
    let n = t - ROUND;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.987_569_2e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5.000_000_1e-1;
    let e = p * r * r + r + 1.0;
    // 2^k with k = n, the integer in t's low mantissa bits, in [−150, 128]: as two normal
    // powers 2^(k/2)·2^(k − k/2), so that both ends of the range need no special case.
    let k = t.to_bits() as i32 - 0x4B40_0000;
    let (k1, k2) = (k >> 1, k - (k >> 1));
    let y = e * f32::from_bits(((k1 + 127) << 23) as u32) * f32::from_bits(((k2 + 127) << 23) as u32);
    let y = if x > 88.722_84 { f32::INFINITY } else { y };
    let y = if x < -103.972_08 { 0.0 } else { y };
    if x.is_nan() { x } else { y }
}

/// ln(1 + u) for u in [0, 1], branch-free: Cephes' `logf` polynomial on the mantissa of
/// y = 1 + u, then the log1p correction −((y − 1) − u)/y for the rounding of 1 + u.
#[inline(always)]
pub(crate) fn ln_1p_unit(u: f32) -> f32 {
    let y = 1.0 + u;
    // y in [1, 2]: take m = y/2 and e = 1 above √2, so m lies in [√½, √2].
    let big = y > core::f32::consts::SQRT_2;
    let m = if big { y * 0.5 } else { y };
    let e = if big { 1.0 } else { 0.0 };
    let f = m - 1.0;
    let z = f * f;
    let mut p = 7.037_683_6e-2;
    p = p * f - 1.151_461e-1;
    p = p * f + 1.167_699_9e-1;
    p = p * f - 1.242_014_1e-1;
    p = p * f + 1.424_932_3e-1;
    p = p * f - 1.666_805_8e-1;
    p = p * f + 2.000_071_4e-1;
    p = p * f - 2.499_999_4e-1;
    p = p * f + 3.333_333_1e-1;
    let mut l = f * z * p;
    l += e * LN2_LO;
    l -= 0.5 * z;
    let l = f + l + e * LN2_HI;
    // y − 1 differs from u by the rounding of 1 + u; ln(1 + u) ≈ ln(y) − (y − 1 − u)/y.
    l - ((y - 1.0) - u) / y
}

/// erf(x) for f32, branch-free so that it vectorises: for |x| ≤ 1 the Maclaurin series
/// 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n + 1)) to n = 10 (truncation below 1.3e-9, relative accuracy
/// near 0 kept); above, Abramowitz & Stegun 7.1.26, 1 − t(a₁ + t(a₂ + …)) e^(−x²) with
/// t = 1/(1 + p|x|), absolute error below 1.5e-7 (about one f32 ulp near 1). NaN stays NaN.
/// Used by GELU's dedicated loops below (flex's `erf` op keeps libm).
#[inline(always)]
pub(crate) fn erf(x: f32) -> f32 {
    let a = x.abs();
    let s = x.clamp(-1.0, 1.0);
    let z = s * s;
    // 2/√π · (−1)ⁿ / (n! (2n + 1)), n = 10 down to 0.
    let mut q = 1.480_719_3e-8;
    q = q * z - 1.636_584_5e-7;
    q = q * z + 1.646_211_4e-6;
    q = q * z - 1.492_565e-5;
    q = q * z + 1.205_533_3e-4;
    q = q * z - 8.548_327e-4;
    q = q * z + 5.223_977_6e-3;
    q = q * z - 2.686_617_1e-2;
    q = q * z + 1.128_379_2e-1;
    q = q * z - 3.761_263_9e-1;
    q = q * z + 1.128_379_2;
    let small = s * q;
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let mut p = 1.061_405_4;
    p = p * t - 1.453_152;
    p = p * t + 1.421_413_8;
    p = p * t - 2.844_967_4e-1;
    p = p * t + 2.548_296e-1;
    let large = (1.0 - p * t * exp(-a * a)).copysign(x);
    let y = if a <= 1.0 { small } else { large };
    if x.is_nan() { x } else { y }
}

/// GELU, 0.5·x·(1 + erf(x/√2)) (Hendrycks & Gimpel 2016).
#[inline(always)]
fn gelu_one(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * core::f32::consts::FRAC_1_SQRT_2))
}

/// `g` times GELU's derivative, Φ(x) + x·φ(x).
#[inline(always)]
fn gelu_grad_one(x: f32, g: f32) -> f32 {
    const INV_SQRT_2PI: f32 = 0.398_942_3;
    let cdf = 0.5 * (1.0 + erf(x * core::f32::consts::FRAC_1_SQRT_2));
    g * (cdf + x * (INV_SQRT_2PI * exp(-0.5 * x * x)))
}

/// σ(x) = 1 / (1 + e^−x), from e^−|x| so that nothing overflows.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    let e = exp(-x.abs());
    let r = 1.0 / (1.0 + e);
    if x >= 0.0 { r } else if x.is_nan() { x } else { e * r }
}

/// log σ(x) = min(x, 0) − ln(1 + e^−|x|).
#[inline(always)]
pub(crate) fn log_sigmoid(x: f32) -> f32 {
    let l = ln_1p_unit(exp(-x.abs()));
    let y = x.min(0.0) - l;
    if x.is_nan() { x } else { y }
}

#[inline(always)]
fn map_serial<F: Fn(f32) -> f32>(src: &[f32], dst: &mut [MaybeUninit<f32>], f: &F) {
    for (d, &s) in dst.iter_mut().zip(src) {
        d.write(f(s));
    }
}

#[inline(always)]
fn map_in_place_serial<F: Fn(f32) -> f32>(data: &mut [f32], f: &F) {
    for d in data.iter_mut() {
        *d = f(*d);
    }
}

#[inline(always)]
fn zip_serial<F: Fn(f32, f32) -> f32>(a: &[f32], b: &[f32], dst: &mut [MaybeUninit<f32>], f: &F) {
    for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
        d.write(f(x, y));
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use core::mem::MaybeUninit;

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn map<F: Fn(f32) -> f32>(src: &[f32], dst: &mut [MaybeUninit<f32>], f: &F) {
        super::map_serial(src, dst, f)
    }
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn map_in_place<F: Fn(f32) -> f32>(data: &mut [f32], f: &F) {
        super::map_in_place_serial(data, f)
    }
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn zip<F: Fn(f32, f32) -> f32>(a: &[f32], b: &[f32], dst: &mut [MaybeUninit<f32>], f: &F) {
        super::zip_serial(a, b, dst, f)
    }
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

#[cfg(not(all(target_arch = "x86_64", feature = "std")))]
#[allow(dead_code)]
fn has_avx2() -> bool {
    false
}

fn map_chunk<F: Fn(f32) -> f32>(src: &[f32], dst: &mut [MaybeUninit<f32>], f: &F) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { avx2::map(src, dst, f) };
    }
    map_serial(src, dst, f)
}

fn map_in_place_chunk<F: Fn(f32) -> f32>(data: &mut [f32], f: &F) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { avx2::map_in_place(data, f) };
    }
    map_in_place_serial(data, f)
}

fn zip_chunk<F: Fn(f32, f32) -> f32>(a: &[f32], b: &[f32], dst: &mut [MaybeUninit<f32>], f: &F) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { avx2::zip(a, b, dst, f) };
    }
    zip_serial(a, b, dst, f)
}

/// A new vector of `f(src[i])`, built in parallel chunks for large slices (never zeroed
/// first).
pub(crate) fn map_collect<F: Fn(f32) -> f32 + Sync>(src: &[f32], f: F) -> Vec<f32> {
    let mut out = Vec::with_capacity(src.len());
    map(src, &mut out.spare_capacity_mut()[..src.len()], f);
    // SAFETY: `map` wrote every element.
    unsafe { out.set_len(src.len()) };
    out
}

/// A new vector of `f(a[i], b[i])`, as [`map_collect`].
pub(crate) fn zip_collect<F: Fn(f32, f32) -> f32 + Sync>(a: &[f32], b: &[f32], f: F) -> Vec<f32> {
    let n = a.len().min(b.len());
    let mut out = Vec::with_capacity(n);
    zip_map(&a[..n], &b[..n], &mut out.spare_capacity_mut()[..n], f);
    // SAFETY: `zip_map` wrote every element.
    unsafe { out.set_len(n) };
    out
}

/// `dst[i] = f(src[i])`, in parallel chunks for large slices.
fn map<F: Fn(f32) -> f32 + Sync>(src: &[f32], dst: &mut [MaybeUninit<f32>], f: F) {
    debug_assert_eq!(src.len(), dst.len());
    #[cfg(feature = "rayon")]
    if dst.len() >= PARALLEL_MIN {
        use rayon::prelude::*;
        dst.par_chunks_mut(CHUNK)
            .zip(src.par_chunks(CHUNK))
            .for_each(|(d, s)| map_chunk(s, d, &f));
        return;
    }
    map_chunk(src, dst, &f)
}

/// `data[i] = f(data[i])`, in parallel chunks for large slices.
pub(crate) fn map_in_place<F: Fn(f32) -> f32 + Sync>(data: &mut [f32], f: F) {
    #[cfg(feature = "rayon")]
    if data.len() >= PARALLEL_MIN {
        use rayon::prelude::*;
        data.par_chunks_mut(CHUNK)
            .for_each(|d| map_in_place_chunk(d, &f));
        return;
    }
    map_in_place_chunk(data, &f)
}

#[inline(always)]
fn zip_in_place_serial<F: Fn(f32, f32) -> f32>(a: &mut [f32], b: &[f32], f: &F) {
    for (x, &y) in a.iter_mut().zip(b) {
        *x = f(*x, y);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn zip_in_place_avx2<F: Fn(f32, f32) -> f32>(a: &mut [f32], b: &[f32], f: &F) {
    zip_in_place_serial(a, b, f)
}

fn zip_in_place_chunk<F: Fn(f32, f32) -> f32>(a: &mut [f32], b: &[f32], f: &F) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { zip_in_place_avx2(a, b, f) };
    }
    zip_in_place_serial(a, b, f)
}

/// `a[i] = f(a[i], b[i])`, in parallel chunks for large slices.
pub(crate) fn zip_map_in_place<F: Fn(f32, f32) -> f32 + Sync>(a: &mut [f32], b: &[f32], f: F) {
    debug_assert_eq!(a.len(), b.len());
    #[cfg(feature = "rayon")]
    if a.len() >= PARALLEL_MIN {
        use rayon::prelude::*;
        a.par_chunks_mut(CHUNK)
            .zip(b.par_chunks(CHUNK))
            .for_each(|(x, y)| zip_in_place_chunk(x, y, &f));
        return;
    }
    zip_in_place_chunk(a, b, &f)
}

/// `dst[i] = f(a[i], b[i])`, in parallel chunks for large slices.
fn zip_map<F: Fn(f32, f32) -> f32 + Sync>(a: &[f32], b: &[f32], dst: &mut [MaybeUninit<f32>], f: F) {
    debug_assert!(a.len() == dst.len() && b.len() == dst.len());
    #[cfg(feature = "rayon")]
    if dst.len() >= PARALLEL_MIN {
        use rayon::prelude::*;
        dst.par_chunks_mut(CHUNK)
            .zip(a.par_chunks(CHUNK))
            .zip(b.par_chunks(CHUNK))
            .for_each(|((d, x), y)| zip_chunk(x, y, d, &f));
        return;
    }
    zip_chunk(a, b, dst, &f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f32, b: f32) -> f32 {
        if a == b { 0.0 } else { (a - b).abs() / b.abs().max(f32::MIN_POSITIVE) }
    }

    #[test]
    fn exp_matches_libm() {
        let mut x = -110.0f32;
        while x < 90.0 {
            let (a, b) = (exp(x), x.exp());
            if b > 1e-37 && b.is_finite() {
                assert!(rel(a, b) < 4e-7, "exp({x}) = {a}, libm {b}");
            } else if b.is_infinite() {
                assert!(a.is_infinite());
            } else {
                assert!((a - b).abs() <= b * 0.01 + 1e-44, "exp({x}) = {a}, libm {b}");
            }
            x += 0.0137;
        }
        assert!(exp(f32::NAN).is_nan());
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
    }

    #[test]
    fn log_sigmoid_and_sigmoid_match_libm() {
        let mut x = -60.0f32;
        while x < 60.0 {
            let s = if x >= 0.0 { 1.0 / (1.0 + (-x).exp()) } else { x.exp() / (1.0 + x.exp()) };
            let ls = x.min(0.0) - (-x.abs()).exp().ln_1p();
            assert!(rel(sigmoid(x), s) < 1e-6, "sigmoid({x})");
            assert!(rel(log_sigmoid(x), ls) < 1e-6, "log_sigmoid({x}) = {}, libm {ls}", log_sigmoid(x));
            x += 0.00731;
        }
        assert!(sigmoid(f32::NAN).is_nan() && log_sigmoid(f32::NAN).is_nan());
    }
}

// GELU's loops are written out rather than passed through `map`/`zip_map`: through a closure,
// LLVM would not inline bodies this large into the AVX2 copies, and each element became a
// call (slower than libm's erf in a plain loop).

#[inline(always)]
fn gelu_serial(src: &[f32], dst: &mut [MaybeUninit<f32>]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        d.write(gelu_one(s));
    }
}

#[inline(always)]
fn gelu_grad_serial(x: &[f32], g: &mut [f32]) {
    for (gi, &xi) in g.iter_mut().zip(x) {
        *gi = gelu_grad_one(xi, *gi);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn gelu_avx2(src: &[f32], dst: &mut [MaybeUninit<f32>]) {
    gelu_serial(src, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn gelu_grad_avx2(x: &[f32], g: &mut [f32]) {
    gelu_grad_serial(x, g)
}

fn gelu_chunk(src: &[f32], dst: &mut [MaybeUninit<f32>]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { gelu_avx2(src, dst) };
    }
    gelu_serial(src, dst)
}

fn gelu_grad_chunk(x: &[f32], g: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above).
        return unsafe { gelu_grad_avx2(x, g) };
    }
    gelu_grad_serial(x, g)
}

/// GELU of every element, in parallel chunks for large slices.
pub(crate) fn gelu_collect(src: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(src.len());
    let dst = &mut out.spare_capacity_mut()[..src.len()];
    #[cfg(feature = "rayon")]
    if src.len() >= PARALLEL_MIN {
        use rayon::prelude::*;
        dst.par_chunks_mut(CHUNK).zip(src.par_chunks(CHUNK)).for_each(|(d, s)| gelu_chunk(s, d));
        // SAFETY: every chunk was written.
        unsafe { out.set_len(src.len()) };
        return out;
    }
    gelu_chunk(src, dst);
    // SAFETY: `gelu_chunk` wrote every element.
    unsafe { out.set_len(src.len()) };
    out
}

/// `g[i] ← g[i] · GELU′(x[i])`, in parallel chunks for large slices.
pub(crate) fn gelu_grad_in_place(x: &[f32], g: &mut [f32]) {
    debug_assert_eq!(x.len(), g.len());
    #[cfg(feature = "rayon")]
    if g.len() >= PARALLEL_MIN {
        use rayon::prelude::*;
        g.par_chunks_mut(CHUNK).zip(x.par_chunks(CHUNK)).for_each(|(gc, xc)| gelu_grad_chunk(xc, gc));
        return;
    }
    gelu_grad_chunk(x, g)
}
