//! genlab patch: batch normalisation in training mode, forward and backward, in two passes
//! each (per-channel sums over the batch, then one element-wise pass per image), instead of
//! burn-backend's default of about ten tensor ops with two transposed copies.
//!
//! For x of shape `[N, C, ...]` with M = N·(spatial) values per channel (Ioffe & Szegedy
//! 2015, Algorithm 1 and its gradient):
//! - forward: μ_c, σ²_c (biased), y = γ_c (x − μ_c)/√(σ²_c + ε) + β_c;
//! - backward: with x̂ = (x − μ)/√(σ² + ε), dβ = Σ dy, dγ = Σ dy·x̂,
//!   dx = γ/√(σ² + ε) · (dy − dβ/M − x̂·dγ/M).
//!
//! Sums are accumulated in f64 per channel. f16 and bf16 are computed in f32.

use alloc::vec;
use alloc::vec::Vec;
use burn_backend::DType;
use burn_std::{Bytes, Shape, bf16, f16};

use crate::{FlexTensor, Layout};

/// Float types computed natively.
trait Elem:
    burn_backend::Element
    + bytemuck::Pod
    + Send
    + Sync
    + 'static
    + core::ops::Mul<Output = Self>
    + core::ops::Add<Output = Self>
{
    const DTYPE: DType;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
}

impl Elem for f32 {
    const DTYPE: DType = DType::F32;
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl Elem for f64 {
    const DTYPE: DType = DType::F64;
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(v: f64) -> Self {
        v
    }
}

/// (Σ f(a_i, b_i).0, Σ f(a_i, b_i).1) in f64, over eight independent accumulators so that
/// the loop vectorises (one running sum would fix the order of every addition).
#[inline(always)]
fn lane_sums<T: Elem>(a: &[T], b: &[T], f: impl Fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
    const LANES: usize = 8;
    let (mut p, mut q) = ([0.0f64; LANES], [0.0f64; LANES]);
    let whole = a.len().min(b.len()) / LANES * LANES;
    for (x, y) in a[..whole].chunks_exact(LANES).zip(b[..whole].chunks_exact(LANES)) {
        for i in 0..LANES {
            let (u, v) = f(x[i].to_f64(), y[i].to_f64());
            p[i] += u;
            q[i] += v;
        }
    }
    let (mut u, mut v) = (p.iter().sum::<f64>(), q.iter().sum::<f64>());
    for (x, y) in a[whole..].iter().zip(&b[whole..]) {
        let (du, dv) = f(x.to_f64(), y.to_f64());
        u += du;
        v += dv;
    }
    (u, v)
}

/// `[N, C, S]` view of a `[N, C, ...]` shape.
fn dims(shape: &Shape) -> (usize, usize, usize) {
    let (n, c) = (shape[0], shape[1]);
    let s = if n * c == 0 { 0 } else { shape.num_elements() / (n * c) };
    (n, c, s)
}

/// `f(c)` for every channel, in parallel when there is enough work.
fn per_channel<R: Send, F: Fn(usize) -> R + Sync + Send>(channels: usize, work: usize, f: F) -> Vec<R> {
    #[cfg(feature = "rayon")]
    if work >= 32 * 1024 {
        use rayon::prelude::*;
        return (0..channels).into_par_iter().map(f).collect();
    }
    let _ = work;
    (0..channels).map(f).collect()
}

/// `f(first_plane, planes)` over `out` cut into runs of whole planes (one plane: the `s`
/// values of one image and channel), in parallel when there is enough work. Plane `i` is
/// image `i / C`, channel `i % C`.
fn per_plane<T: Send, F: Fn(usize, &mut [T]) + Sync + Send>(out: &mut [T], plane: usize, f: F) {
    let plane = plane.max(1);
    // Runs of at least 16 K values, so that small planes (BatchNorm1d: one value) still make
    // tasks worth sending to another thread.
    let run = plane * (16 * 1024usize).div_ceil(plane);
    #[cfg(feature = "rayon")]
    if out.len() >= 32 * 1024 {
        use rayon::prelude::*;
        out.par_chunks_mut(run).enumerate().for_each(|(i, o)| f(i * run / plane, o));
        return;
    }
    let _ = run;
    f(0, out);
}

fn vector<T: Elem>(values: Vec<T>) -> FlexTensor {
    let n = values.len();
    FlexTensor::new(Bytes::from_elems(values), Layout::contiguous(Shape::from(vec![n])), T::DTYPE)
}

fn values<T: Elem>(t: &FlexTensor) -> Vec<f64> {
    t.to_contiguous().storage::<T>().iter().map(|v| v.to_f64()).collect()
}

/// Output, mean and biased variance.
fn train_typed<T: Elem>(
    x: &FlexTensor,
    gamma: &FlexTensor,
    beta: &FlexTensor,
    epsilon: f64,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let shape = x.layout().shape().clone();
    let x = x.to_contiguous();
    let data = x.storage::<T>();
    let (n, c, s) = dims(&shape);
    let m = (n * s).max(1) as f64;
    let stats = per_channel(c, data.len(), |ch| {
        let plane = |b: usize| &data[(b * c + ch) * s..][..s];
        let sum: f64 = (0..n).map(|b| lane_sums(plane(b), plane(b), |x, _| (x, 0.0)).0).sum();
        let mean = sum / m;
        let sq: f64 = (0..n).map(|b| lane_sums(plane(b), plane(b), |x, _| ((x - mean) * (x - mean), 0.0)).0).sum();
        (mean, sq / m)
    });
    let (gamma, beta) = (values::<T>(gamma), values::<T>(beta));
    // y = a_c·x + b_c with a_c = γ_c/√(σ²_c + ε), b_c = β_c − a_c·μ_c.
    let coef: Vec<(T, T)> = stats
        .iter()
        .zip(gamma.iter().zip(&beta))
        .map(|(&(mean, var), (&g, &b))| {
            let a = g / (var + epsilon).sqrt();
            (T::from_f64(a), T::from_f64(b - a * mean))
        })
        .collect();
    let mut out: Vec<T> = Vec::with_capacity(data.len());
    per_plane(&mut out.spare_capacity_mut()[..data.len()], s, |first, o| {
        for (k, y) in o.chunks_exact_mut(s.max(1)).enumerate() {
            let (a, b) = coef[(first + k) % c];
            let src = &data[(first + k) * s..][..s];
            for (y, &v) in y.iter_mut().zip(src) {
                y.write(a * v + b);
            }
        }
    });
    // SAFETY: every plane was written above.
    unsafe { out.set_len(data.len()) };
    let out = FlexTensor::new(Bytes::from_elems(out), Layout::contiguous(shape), T::DTYPE);
    let mean = vector(stats.iter().map(|&(mu, _)| T::from_f64(mu)).collect());
    let var = vector(stats.iter().map(|&(_, v)| T::from_f64(v)).collect());
    (out, mean, var)
}

/// x_grad, gamma_grad, beta_grad.
fn backward_typed<T: Elem>(
    x: &FlexTensor,
    gamma: &FlexTensor,
    mean: &FlexTensor,
    variance: &FlexTensor,
    epsilon: f64,
    output_grad: &FlexTensor,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let shape = x.layout().shape().clone();
    let x = x.to_contiguous();
    let dy = output_grad.to_contiguous();
    let (xs, dys) = (x.storage::<T>(), dy.storage::<T>());
    let (n, c, s) = dims(&shape);
    let m = (n * s).max(1) as f64;
    let (gamma, mean, var) = (values::<T>(gamma), values::<T>(mean), values::<T>(variance));
    let inv_std: Vec<f64> = var.iter().map(|v| 1.0 / (v + epsilon).sqrt()).collect();
    // Σ dy and Σ dy·x̂ per channel.
    let sums = per_channel(c, xs.len(), |ch| {
        let (mut db, mut dg) = (0.0, 0.0);
        for b in 0..n {
            let at = (b * c + ch) * s;
            let (sg, sgx) = lane_sums(&dys[at..at + s], &xs[at..at + s], |g, v| (g, g * (v - mean[ch])));
            db += sg;
            dg += sgx * inv_std[ch];
        }
        (db, dg)
    });
    // dx = γ·inv_std·(dy − dβ/M − (x − μ)·inv_std·dγ/M) = p·dy + q·x + r per channel.
    let coef: Vec<(T, T, T)> = (0..c)
        .map(|ch| {
            let (db, dg) = sums[ch];
            let scale = gamma[ch] * inv_std[ch];
            let q = -scale * inv_std[ch] * dg / m;
            (T::from_f64(scale), T::from_f64(q), T::from_f64(-scale * db / m - q * mean[ch]))
        })
        .collect();
    let mut dx: Vec<T> = Vec::with_capacity(xs.len());
    per_plane(&mut dx.spare_capacity_mut()[..xs.len()], s, |first, o| {
        for (k, d) in o.chunks_exact_mut(s.max(1)).enumerate() {
            let (p, q, r) = coef[(first + k) % c];
            let at = (first + k) * s;
            for ((d, &v), &g) in d.iter_mut().zip(&xs[at..at + s]).zip(&dys[at..at + s]) {
                d.write(p * g + q * v + r);
            }
        }
    });
    // SAFETY: every plane was written above.
    unsafe { dx.set_len(xs.len()) };
    let dx = FlexTensor::new(Bytes::from_elems(dx), Layout::contiguous(shape), T::DTYPE);
    let gamma_grad = vector(sums.iter().map(|&(_, dg)| T::from_f64(dg)).collect());
    let beta_grad = vector(sums.iter().map(|&(db, _)| T::from_f64(db)).collect());
    (dx, gamma_grad, beta_grad)
}

fn to_f32(t: FlexTensor) -> FlexTensor {
    match t.dtype() {
        DType::F16 => super::module::cast_to_f32(t, f16::to_f32),
        DType::BF16 => super::module::cast_to_f32(t, bf16::to_f32),
        _ => t,
    }
}

fn back_to(t: FlexTensor, dtype: DType) -> FlexTensor {
    match dtype {
        DType::F16 => super::module::cast_from_f32(t, f16::from_f32),
        DType::BF16 => super::module::cast_from_f32(t, bf16::from_f32),
        _ => t,
    }
}

/// Batch normalisation with the batch's own statistics: (output, mean, biased variance).
pub fn train(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    epsilon: f64,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let dtype = x.dtype();
    let (x, gamma, beta) = (to_f32(x), to_f32(gamma), to_f32(beta));
    let (y, mean, var) = match dtype {
        DType::F64 => train_typed::<f64>(&x, &gamma, &beta, epsilon),
        _ => train_typed::<f32>(&x, &gamma, &beta, epsilon),
    };
    (back_to(y, dtype), back_to(mean, dtype), back_to(var, dtype))
}

/// Gradients of [`train`]: (x_grad, gamma_grad, beta_grad).
pub fn train_backward(
    x: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    variance: FlexTensor,
    epsilon: f64,
    output_grad: FlexTensor,
) -> (FlexTensor, FlexTensor, FlexTensor) {
    let dtype = x.dtype();
    let (x, gamma, mean, variance, dy) =
        (to_f32(x), to_f32(gamma), to_f32(mean), to_f32(variance), to_f32(output_grad));
    let (dx, dg, db) = match dtype {
        DType::F64 => backward_typed::<f64>(&x, &gamma, &mean, &variance, epsilon, &dy),
        _ => backward_typed::<f32>(&x, &gamma, &mean, &variance, epsilon, &dy),
    };
    (back_to(dx, dtype), back_to(dg, dtype), back_to(db, dtype))
}
