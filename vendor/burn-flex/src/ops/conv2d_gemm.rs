//! genlab patch: 2-D convolution, its three gradients, and the transposed convolution, each
//! as one im2col (or col2im) and one GEMM per image, the batch split over the rayon threads.
//!
//! Why: stock flex runs conv2d through an NHWC tiled path whose transposes are serial, and
//! uses burn-backend's generic gradients: dx as a transposed convolution (which re-zeroes a
//! column buffer per image) and dW as a convolution whose "kernel" is the whole output map
//! (batch = C_in, output 3×3), which lands on one core for a 1-channel input. Small models on
//! small images (28×28, 1-128 channels) spend most of their time there.
//!
//! Layouts (all NCHW, contiguous):
//! - `col` for one image is `[C_in·kh·kw, OH·OW]`, rows ordered (c, i, j): group g's rows are
//!   a contiguous block, and `W` viewed as `[C_out, C_in/groups·kh·kw]` multiplies it directly.
//! - A transposed convolution with weight `[C_in_t, C_out_t/groups, kh, kw]` is the input
//!   gradient of the convolution from C_out_t to C_in_t channels with that same weight, so the
//!   three transposed-convolution ops are the conv ops with the roles of x and y swapped.

use alloc::vec;
use alloc::vec::Vec;
use core::mem::MaybeUninit;
use burn_backend::DType;
use burn_backend::ops::{ConvOptions, ConvTransposeOptions};
use burn_std::{Bytes, Shape, bf16, f16};
use gemm::Parallelism;

use crate::{FlexTensor, Layout};

/// Element types the GEMM path handles natively; f16 and bf16 go through f32.
pub(crate) trait ConvElem:
    burn_backend::Element + bytemuck::Pod + Copy + Send + Sync + 'static + core::ops::AddAssign
{
    const ZERO: Self;
    const ONE: Self;
    const DTYPE: DType;
}

impl ConvElem for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const DTYPE: DType = DType::F32;
}

impl ConvElem for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const DTYPE: DType = DType::F64;
}

/// One convolution from `c_in × h × w` to `c_out × oh × ow` (per image).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Geometry {
    pub c_in: usize,
    pub h: usize,
    pub w: usize,
    pub c_out: usize,
    pub kh: usize,
    pub kw: usize,
    pub oh: usize,
    pub ow: usize,
    pub stride: [usize; 2],
    /// Padding before the first row / column (the end padding only changes oh, ow).
    pub pad: [usize; 2],
    pub dilation: [usize; 2],
    pub groups: usize,
}

impl Geometry {
    /// Rows of one group's `col` block, and the length of one weight row.
    fn k_group(&self) -> usize {
        self.c_in / self.groups * self.kh * self.kw
    }
    fn positions(&self) -> usize {
        self.oh * self.ow
    }
    fn in_len(&self) -> usize {
        self.c_in * self.h * self.w
    }
    fn out_len(&self) -> usize {
        self.c_out * self.oh * self.ow
    }
    fn is_pointwise(&self) -> bool {
        self.kh == 1
            && self.kw == 1
            && self.stride == [1, 1]
            && self.pad == [0, 0]
            && self.oh == self.h
            && self.ow == self.w
    }

    /// The convolution of `conv2d(x, weight)` with `x: [B, C_in, H, W]`,
    /// `weight: [C_out, C_in/groups, kh, kw]`.
    fn of_conv(x: &Shape, weight: &Shape, options: &ConvOptions<2>) -> Self {
        let (h, w) = (x[2], x[3]);
        let (kh, kw) = (weight[2], weight[3]);
        let groups = options.groups;
        assert!(
            x[1] == weight[1] * groups && weight[0] % groups == 0,
            "conv2d: {} input channels and weight {:?} do not fit {groups} groups",
            x[1],
            weight.as_slice()
        );
        let out = |size: usize, k: usize, d: usize| {
            let (s, p) = (options.stride[d], options.padding[d]);
            let (padded, span) = (size + p.0 + p.1, options.dilation[d] * (k - 1) + 1);
            assert!(padded >= span, "conv2d: a kernel spanning {span} does not fit an input of {padded} with padding");
            (padded - span) / s + 1
        };
        Self {
            c_in: x[1],
            h,
            w,
            c_out: weight[0],
            kh,
            kw,
            oh: out(h, kh, 0),
            ow: out(w, kw, 1),
            stride: options.stride,
            pad: options.padding_begin(),
            dilation: options.dilation,
            groups: options.groups,
        }
    }

    /// The convolution whose input gradient is `conv_transpose2d(x, weight)`, with
    /// `x: [B, C_in_t, H_in, W_in]`, `weight: [C_in_t, C_out_t/groups, kh, kw]`.
    fn of_transpose(x: &Shape, weight: &Shape, options: &ConvTransposeOptions<2>) -> Self {
        let (kh, kw) = (weight[2], weight[3]);
        let groups = options.groups;
        assert!(
            x[1] == weight[0] && x[1] % groups == 0,
            "conv_transpose2d: {} input channels and weight {:?} do not fit {groups} groups",
            x[1],
            weight.as_slice()
        );
        let size = |n: usize, k: usize, d: usize| {
            let full = n.saturating_sub(1) * options.stride[d] + options.dilation[d] * (k - 1) + 1 + options.padding_out[d];
            full.checked_sub(2 * options.padding[d])
                .filter(|&size| size > 0)
                .expect("conv_transpose2d: the padding leaves no output")
        };
        Self {
            c_in: weight[1] * options.groups,
            h: size(x[2], kh, 0),
            w: size(x[3], kw, 1),
            c_out: x[1],
            kh,
            kw,
            oh: x[2],
            ow: x[3],
            stride: options.stride,
            pad: options.padding,
            dilation: options.dilation,
            groups: options.groups,
        }
    }

    /// For stride 1 along both axes and OW = W: the output rows `first..last` whose input
    /// row `oy + dy` exists, and the shift from a position in `col`'s row to the same value
    /// in the input plane. `None` when the copy cannot be done as one block.
    fn flat_block(&self, dy: isize, off: isize, lo: usize, hi: usize) -> Option<(usize, usize, isize)> {
        if self.stride != [1, 1] || self.ow != self.w || lo >= hi {
            return None;
        }
        let first = (-dy).max(0) as usize;
        let last = ((self.h as isize - dy).max(0) as usize).min(self.oh);
        (first < last).then_some((first, last, dy * self.w as isize + off))
    }

    /// The range of output columns `ox` whose input column `ox·s + off` lies in `[0, w)`.
    fn valid_columns(&self, off: isize) -> (usize, usize) {
        let s = self.stride[1] as isize;
        let lo = if off < 0 { ((-off) + s - 1) / s } else { 0 };
        let last = self.w as isize - 1 - off;
        let hi = if last < 0 { 0 } else { (last / s + 1).min(self.ow as isize) };
        let lo = lo.min(self.ow as isize);
        (lo as usize, hi.max(lo) as usize)
    }
}

/// Zeroes a short run (the padding at a row's ends, usually 0-2 values) without a memset call.
#[inline(always)]
fn zero<T: ConvElem>(run: &mut [T]) {
    match run.len() {
        0 => {}
        1 => run[0] = T::ZERO,
        2 => {
            run[0] = T::ZERO;
            run[1] = T::ZERO;
        }
        _ => run.fill(T::ZERO),
    }
}

/// Fills `col` (`[C_in·kh·kw, OH·OW]`) with the patches of one image `x` (`[C_in, H, W]`).
fn im2col<T: ConvElem>(x: &[T], g: &Geometry, col: &mut [T]) {
    let p = g.positions();
    let plane = g.h * g.w;
    let mut rows = col.chunks_exact_mut(p);
    for c in 0..g.c_in {
        let xc = &x[c * plane..(c + 1) * plane];
        for i in 0..g.kh {
            let dy = (i * g.dilation[0]) as isize - g.pad[0] as isize;
            for j in 0..g.kw {
                let off = (j * g.dilation[1]) as isize - g.pad[1] as isize;
                let (lo, hi) = g.valid_columns(off);
                let row = rows.next().expect("col has C_in·kh·kw rows");
                if let Some((first, last, shift)) = g.flat_block(dy, off, lo, hi) {
                    // One copy for all valid rows (they are contiguous in x and in col when
                    // the stride is 1 and OW = W), then zeros where the copy wrapped around.
                    row[..first * g.ow].fill(T::ZERO);
                    row[last * g.ow..].fill(T::ZERO);
                    let (a, b) = (first * g.ow + lo, (last - 1) * g.ow + hi);
                    let from = (a as isize + shift) as usize;
                    row[a..b].copy_from_slice(&xc[from..from + (b - a)]);
                    for oy in first..last {
                        zero(&mut row[oy * g.ow..oy * g.ow + lo]);
                        zero(&mut row[oy * g.ow + hi..(oy + 1) * g.ow]);
                    }
                    continue;
                }
                for oy in 0..g.oh {
                    let dst = &mut row[oy * g.ow..(oy + 1) * g.ow];
                    let iy = (oy * g.stride[0]) as isize + dy;
                    if iy < 0 || iy >= g.h as isize || lo >= hi {
                        dst.fill(T::ZERO);
                        continue;
                    }
                    let src = &xc[iy as usize * g.w..(iy as usize + 1) * g.w];
                    zero(&mut dst[..lo]);
                    zero(&mut dst[hi..]);
                    if g.stride[1] == 1 {
                        let start = (lo as isize + off) as usize;
                        dst[lo..hi].copy_from_slice(&src[start..start + (hi - lo)]);
                    } else {
                        let start = (lo as isize * g.stride[1] as isize + off) as usize;
                        for (d, &v) in dst[lo..hi].iter_mut().zip(src[start..].iter().step_by(g.stride[1])) {
                            *d = v;
                        }
                    }
                }
            }
        }
    }
}

/// Adds every entry of `col` (`[C_in·kh·kw, OH·OW]`) back to the input position it was
/// read from: the adjoint of [`im2col`]. `x` (`[C_in, H, W]`) must start zeroed.
fn col2im_add<T: ConvElem>(col: &mut [T], g: &Geometry, x: &mut [T]) {
    let p = g.positions();
    let plane = g.h * g.w;
    let mut rows = col.chunks_exact_mut(p);
    for c in 0..g.c_in {
        let xc = &mut x[c * plane..(c + 1) * plane];
        for i in 0..g.kh {
            let dy = (i * g.dilation[0]) as isize - g.pad[0] as isize;
            for j in 0..g.kw {
                let off = (j * g.dilation[1]) as isize - g.pad[1] as isize;
                let (lo, hi) = g.valid_columns(off);
                let row = rows.next().expect("col has C_in·kh·kw rows");
                if lo >= hi {
                    continue;
                }
                if let Some((first, last, shift)) = g.flat_block(dy, off, lo, hi) {
                    // The adjoint of im2col's single copy: zero the entries that would wrap
                    // around a row (col is scratch), then one flat add.
                    for oy in first..last {
                        zero(&mut row[oy * g.ow..oy * g.ow + lo]);
                        zero(&mut row[oy * g.ow + hi..(oy + 1) * g.ow]);
                    }
                    let (a, b) = (first * g.ow + lo, (last - 1) * g.ow + hi);
                    let from = (a as isize + shift) as usize;
                    for (d, &s) in xc[from..from + (b - a)].iter_mut().zip(&row[a..b]) {
                        *d += s;
                    }
                    continue;
                }
                for oy in 0..g.oh {
                    let iy = (oy * g.stride[0]) as isize + dy;
                    if iy < 0 || iy >= g.h as isize {
                        continue;
                    }
                    let src = &row[oy * g.ow + lo..oy * g.ow + hi];
                    let dst = &mut xc[iy as usize * g.w..(iy as usize + 1) * g.w];
                    if g.stride[1] == 1 {
                        let start = (lo as isize + off) as usize;
                        for (d, &s) in dst[start..start + (hi - lo)].iter_mut().zip(src) {
                            *d += s;
                        }
                    } else {
                        let start = (lo as isize * g.stride[1] as isize + off) as usize;
                        for (d, &v) in dst[start..].iter_mut().step_by(g.stride[1]).zip(src) {
                            *d += v;
                        }
                    }
                }
            }
        }
    }
}

/// `dst[m×n] (+)= lhs[m×k] · rhs[k×n]`, each operand given by its row and column strides.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_into<T: ConvElem>(
    (m, n, k): (usize, usize, usize),
    dst: *mut T,
    (dst_rs, dst_cs): (usize, usize),
    accumulate: bool,
    lhs: *const T,
    (lhs_rs, lhs_cs): (usize, usize),
    rhs: *const T,
    (rhs_rs, rhs_cs): (usize, usize),
    parallelism: Parallelism,
) {
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            dst_cs as isize,
            dst_rs as isize,
            accumulate,
            lhs,
            lhs_cs as isize,
            lhs_rs as isize,
            rhs,
            rhs_cs as isize,
            rhs_rs as isize,
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            parallelism,
        );
    }
}

fn threads() -> usize {
    #[cfg(feature = "rayon")]
    {
        rayon::current_num_threads().max(1)
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// How a batch is spread: `images` per task, and the GEMM's own parallelism (only when
/// there are fewer images than threads, e.g. sampling one image).
fn plan(batch: usize) -> (usize, Parallelism) {
    let t = threads();
    if batch >= t || t == 1 {
        (batch.div_ceil(t).max(1), Parallelism::None)
    } else {
        #[cfg(feature = "rayon")]
        {
            (1, Parallelism::Rayon(t))
        }
        #[cfg(not(feature = "rayon"))]
        {
            (1, Parallelism::None)
        }
    }
}

/// Runs `f(first_image, chunk)` over `out` cut into chunks of `images · len` elements.
fn for_each_chunk<T: Send, F>(out: &mut [T], images: usize, len: usize, f: F)
where
    F: Fn(usize, &mut [T]) + Sync + Send,
{
    let chunk = (images * len).max(1);
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i * images, c));
    }
    #[cfg(not(feature = "rayon"))]
    {
        out.chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i * images, c));
    }
}

/// A `batch · len` output built chunk by chunk on the threads that compute it, without
/// zeroing it first: `f(first_image, chunk)` must write every element of its chunk.
fn build<T: ConvElem, F>(batch: usize, images: usize, len: usize, f: F) -> Vec<T>
where
    F: Fn(usize, &mut [MaybeUninit<T>]) + Sync + Send,
{
    let total = batch * len;
    let mut out: Vec<T> = Vec::with_capacity(total);
    for_each_chunk(&mut out.spare_capacity_mut()[..total], images, len, f);
    // SAFETY: every chunk of the first `total` elements was written by `f`.
    unsafe { out.set_len(total) };
    out
}

/// `slice` after every element has been written.
///
/// # Safety
/// Every element of `slice` must be initialised.
unsafe fn assume_init<T>(slice: &mut [MaybeUninit<T>]) -> &mut [T] {
    // SAFETY: MaybeUninit<T> has T's layout; the caller guarantees initialisation.
    unsafe { &mut *(slice as *mut [MaybeUninit<T>] as *mut [T]) }
}

#[cfg(feature = "std")]
std::thread_local! {
    /// Each thread's im2col buffer, kept between calls (f64 words: aligned for f32 and f64).
    static SCRATCH: core::cell::RefCell<Vec<f64>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with a scratch slice of `len` elements whose contents are arbitrary: the
/// calling thread's reused buffer, or a fresh one when that is busy (a nested call, e.g.
/// from work stolen while a multi-threaded GEMM waits).
fn with_scratch<T: ConvElem, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    let words = (len * core::mem::size_of::<T>()).div_ceil(8);
    let mut f = Some(f);
    #[cfg(feature = "std")]
    {
        let reused = SCRATCH.with(|cell| {
            let mut buf = cell.try_borrow_mut().ok()?;
            if buf.len() < words {
                buf.resize(words, 0.0);
            }
            let slice: &mut [T] = bytemuck::cast_slice_mut(&mut buf[..words]);
            f.take().map(|f| f(&mut slice[..len]))
        });
        if let Some(r) = reused {
            return r;
        }
    }
    let mut buf = vec![0.0f64; words];
    let slice: &mut [T] = bytemuck::cast_slice_mut(&mut buf[..]);
    (f.take().expect("f runs once"))(&mut slice[..len])
}

fn contiguous_data(t: &FlexTensor) -> (FlexTensor, Shape) {
    let t = t.to_contiguous();
    let shape = t.layout().shape().clone();
    (t, shape)
}

fn tensor_from<T: ConvElem>(data: Vec<T>, shape: [usize; 4]) -> FlexTensor {
    FlexTensor::new(
        Bytes::from_elems(data),
        Layout::contiguous(Shape::from(shape.to_vec())),
        T::DTYPE,
    )
}

/// `y = conv(x, W) + b` for a batch laid out as `[B, C_in, H, W]`; returns `[B, C_out, OH, OW]`.
fn forward<T: ConvElem>(x: &[T], w: &[T], bias: Option<&[T]>, g: &Geometry, batch: usize) -> Vec<T> {
    let (kg, p) = (g.k_group(), g.positions());
    let cog = g.c_out / g.groups;
    let (images, parallelism) = plan(batch);
    let pointwise = g.is_pointwise();
    let col_len = if pointwise { 0 } else { g.groups * kg * p };
    build(batch, images, g.out_len(), |first, chunk| with_scratch(col_len, |col: &mut [T]| {
        for (n, y) in chunk.chunks_exact_mut(g.out_len()).enumerate() {
            let xb = &x[(first + n) * g.in_len()..][..g.in_len()];
            let patches: &[T] = if pointwise {
                xb
            } else {
                im2col(xb, g, col);
                col
            };
            if let Some(bias) = bias {
                for (row, &b) in y.chunks_exact_mut(p).zip(bias) {
                    row.fill(MaybeUninit::new(b));
                }
            }
            // Every row of y is written: by the bias fill, or by the GEMM (which does not
            // read dst when told not to).
            let y = y.as_mut_ptr() as *mut T;
            for grp in 0..g.groups {
                // y[grp] (C_out/g × P) = W[grp] (C_out/g × K_g) · col[grp] (K_g × P)
                unsafe {
                    gemm_into(
                        (cog, p, kg),
                        y.add(grp * cog * p),
                        (p, 1),
                        bias.is_some(),
                        w.as_ptr().add(grp * cog * kg),
                        (kg, 1),
                        patches.as_ptr().add(grp * kg * p),
                        (p, 1),
                        parallelism,
                    );
                }
            }
        }
    }))
}

/// `dx = convᵀ(dy, W)`: the input gradient, `[B, C_in, H, W]` from `dy: [B, C_out, OH, OW]`.
fn input_grad<T: ConvElem>(dy: &[T], w: &[T], g: &Geometry, batch: usize) -> Vec<T> {
    let (kg, p) = (g.k_group(), g.positions());
    let cog = g.c_out / g.groups;
    let (images, parallelism) = plan(batch);
    let pointwise = g.is_pointwise();
    let col_len = if pointwise { 0 } else { g.groups * kg * p };
    build(batch, images, g.in_len(), |first, chunk| with_scratch(col_len, |col: &mut [T]| {
        // col2im accumulates: start from zeros, written here on the thread that adds to them.
        chunk.fill(MaybeUninit::new(T::ZERO));
        // SAFETY: just filled.
        let chunk = unsafe { assume_init(chunk) };
        for (n, xb) in chunk.chunks_exact_mut(g.in_len()).enumerate() {
            let dyb = &dy[(first + n) * g.out_len()..][..g.out_len()];
            let target: *mut T = if pointwise { xb.as_mut_ptr() } else { col.as_mut_ptr() };
            for grp in 0..g.groups {
                // dcol[grp] (K_g × P) = W[grp]ᵀ (K_g × C_out/g) · dy[grp] (C_out/g × P)
                unsafe {
                    gemm_into(
                        (kg, p, cog),
                        target.add(grp * kg * p),
                        (p, 1),
                        false,
                        w.as_ptr().add(grp * cog * kg),
                        (1, kg),
                        dyb.as_ptr().add(grp * cog * p),
                        (p, 1),
                        parallelism,
                    );
                }
            }
            if !pointwise {
                col2im_add(col, g, xb);
            }
        }
    }))
}

/// `dW = Σ_b dy_b · col_bᵀ`: the weight gradient, `[C_out, C_in/groups, kh, kw]`.
fn weight_grad<T: ConvElem>(x: &[T], dy: &[T], g: &Geometry, batch: usize) -> Vec<T> {
    let (kg, p) = (g.k_group(), g.positions());
    let cog = g.c_out / g.groups;
    let w_len = g.c_out * kg;
    let (images, parallelism) = plan(batch);
    let tasks = batch.div_ceil(images).max(1);
    // One partial sum per task, reduced at the end.
    let mut partial = vec![T::ZERO; tasks * w_len];
    for_each_chunk(&mut partial, 1, w_len, |task, acc| {
        let first = task * images;
        let last = (first + images).min(batch);
        let pointwise = g.is_pointwise();
        let col_len = if pointwise { 0 } else { g.groups * kg * p };
        with_scratch(col_len, |col: &mut [T]| for n in first..last {
            let xb = &x[n * g.in_len()..][..g.in_len()];
            let dyb = &dy[n * g.out_len()..][..g.out_len()];
            let patches: &[T] = if pointwise {
                xb
            } else {
                im2col(xb, g, col);
                col
            };
            for grp in 0..g.groups {
                // dW[grp] (C_out/g × K_g) += dy[grp] (C_out/g × P) · col[grp]ᵀ (P × K_g)
                unsafe {
                    gemm_into(
                        (cog, kg, p),
                        acc.as_mut_ptr().add(grp * cog * kg),
                        (kg, 1),
                        n > first,
                        dyb.as_ptr().add(grp * cog * p),
                        (p, 1),
                        patches.as_ptr().add(grp * kg * p),
                        (1, p),
                        parallelism,
                    );
                }
            }
        });
    });
    let (total, rest) = partial.split_at_mut(w_len);
    for part in rest.chunks_exact(w_len) {
        for (t, &v) in total.iter_mut().zip(part) {
            *t += v;
        }
    }
    partial.truncate(w_len);
    partial
}

/// `db[c] = Σ_{b, positions} dy[b, c, ·]` for `dy: [B, C, OH, OW]`.
fn bias_grad<T: ConvElem>(dy: &[T], channels: usize, batch: usize) -> Vec<T> {
    let plane = if batch * channels == 0 { 0 } else { dy.len() / (batch * channels) };
    let mut db = vec![T::ZERO; channels];
    for image in dy.chunks_exact((channels * plane).max(1)) {
        for (acc, row) in db.iter_mut().zip(image.chunks_exact(plane.max(1))) {
            let mut s = T::ZERO;
            for &v in row {
                s += v;
            }
            *acc += s;
        }
    }
    db
}

// ============================================================================
// Entry points: dtype dispatch (f16 / bf16 computed in f32, as flex's own conv does).
// ============================================================================

fn via_f32(t: FlexTensor) -> FlexTensor {
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

macro_rules! by_dtype {
    ($dtype:expr, $f:ident ( $($arg:expr),* )) => {{
        let dtype = $dtype;
        let result = match dtype {
            DType::F64 => $f::<f64>($($arg),*),
            DType::F32 | DType::F16 | DType::BF16 => $f::<f32>($($arg),*),
            other => panic!("conv2d: unsupported dtype {other:?}"),
        };
        back_to(result, dtype)
    }};
}

fn conv2d_typed<T: ConvElem>(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let (x, xs) = contiguous_data(&via_f32(x));
    let (w, ws) = contiguous_data(&via_f32(weight));
    let bias = bias.map(|b| via_f32(b).to_contiguous());
    let g = Geometry::of_conv(&xs, &ws, options);
    if let Some(b) = &bias {
        assert_eq!(b.layout().num_elements(), g.c_out, "conv2d: one bias per output channel");
    }
    let y = forward(
        x.storage::<T>(),
        w.storage::<T>(),
        bias.as_ref().map(|b| b.storage::<T>()),
        &g,
        xs[0],
    );
    tensor_from(y, [xs[0], g.c_out, g.oh, g.ow])
}

/// `conv2d(x, weight) + bias`.
pub fn conv2d(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<2>,
) -> FlexTensor {
    by_dtype!(x.dtype(), conv2d_typed(x, weight, bias, options))
}

fn conv2d_x_backward_typed<T: ConvElem>(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let xs = x.layout().shape().clone();
    let (w, ws) = contiguous_data(&via_f32(weight));
    let (dy, _) = contiguous_data(&via_f32(output_grad));
    let g = Geometry::of_conv(&xs, &ws, options);
    let dx = input_grad(dy.storage::<T>(), w.storage::<T>(), &g, xs[0]);
    tensor_from(dx, [xs[0], g.c_in, g.h, g.w])
}

/// The gradient of `conv2d(x, weight)` with respect to `x`.
pub fn conv2d_x_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    by_dtype!(x.dtype(), conv2d_x_backward_typed(x, weight, output_grad, options))
}

fn conv2d_weight_backward_typed<T: ConvElem>(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let ws = weight.layout().shape().clone();
    let (x, xs) = contiguous_data(&via_f32(x));
    let (dy, _) = contiguous_data(&via_f32(output_grad));
    let g = Geometry::of_conv(&xs, &ws, options);
    let dw = weight_grad(x.storage::<T>(), dy.storage::<T>(), &g, xs[0]);
    tensor_from(dw, [ws[0], ws[1], ws[2], ws[3]])
}

/// The gradient of `conv2d(x, weight)` with respect to `weight`.
pub fn conv2d_weight_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    by_dtype!(x.dtype(), conv2d_weight_backward_typed(x, weight, output_grad, options))
}

fn bias_backward_typed<T: ConvElem>(output_grad: FlexTensor) -> FlexTensor {
    let (dy, s) = contiguous_data(&via_f32(output_grad));
    let db = bias_grad(dy.storage::<T>(), s[1], s[0]);
    FlexTensor::new(
        Bytes::from_elems(db),
        Layout::contiguous(Shape::from(vec![s[1]])),
        T::DTYPE,
    )
}

/// The gradient of a (transposed) convolution's bias: the output gradient summed over the
/// batch and the positions, `[C_out]`.
pub fn bias_backward(output_grad: FlexTensor) -> FlexTensor {
    by_dtype!(output_grad.dtype(), bias_backward_typed(output_grad))
}

fn conv_transpose2d_typed<T: ConvElem>(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    let (x, xs) = contiguous_data(&via_f32(x));
    let (w, ws) = contiguous_data(&via_f32(weight));
    let g = Geometry::of_transpose(&xs, &ws, options);
    let mut y = input_grad(x.storage::<T>(), w.storage::<T>(), &g, xs[0]);
    if let Some(bias) = bias {
        let bias = via_f32(bias).to_contiguous();
        assert_eq!(bias.layout().num_elements(), g.c_in, "conv_transpose2d: one bias per output channel");
        let plane = g.h * g.w;
        for image in y.chunks_exact_mut(g.in_len()) {
            for (row, &b) in image.chunks_exact_mut(plane).zip(bias.storage::<T>()) {
                for v in row {
                    *v += b;
                }
            }
        }
    }
    tensor_from(y, [xs[0], g.c_in, g.h, g.w])
}

/// `conv_transpose2d(x, weight) + bias`.
pub fn conv_transpose2d(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    by_dtype!(x.dtype(), conv_transpose2d_typed(x, weight, bias, options))
}

fn conv_transpose2d_x_backward_typed<T: ConvElem>(
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    let (w, ws) = contiguous_data(&via_f32(weight));
    let (dy, ds) = contiguous_data(&via_f32(output_grad));
    // The transposed convolution's output gradient is the input of the plain convolution.
    let conv = ConvOptions::new(options.stride, options.padding, options.dilation, options.groups);
    let mut g = Geometry::of_conv(&ds, &ws, &conv);
    // x's size: the plain convolution's output, less what the output padding added (it can
    // add a whole stride's worth or more when padding_out ≥ stride, e.g. with dilation).
    let input = |size: usize, k: usize, d: usize| {
        (size + 2 * options.padding[d] - options.dilation[d] * (k - 1) - options.padding_out[d] - 1) / options.stride[d] + 1
    };
    (g.oh, g.ow) = (input(ds[2], ws[2], 0), input(ds[3], ws[3], 1));
    let dx = forward(dy.storage::<T>(), w.storage::<T>(), None, &g, ds[0]);
    tensor_from(dx, [ds[0], g.c_out, g.oh, g.ow])
}

/// The gradient of `conv_transpose2d(x, weight)` with respect to `x`.
pub fn conv_transpose2d_x_backward(
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    by_dtype!(weight.dtype(), conv_transpose2d_x_backward_typed(weight, output_grad, options))
}

fn conv_transpose2d_weight_backward_typed<T: ConvElem>(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    let ws = weight.layout().shape().clone();
    let (x, xs) = contiguous_data(&via_f32(x));
    let (dy, _) = contiguous_data(&via_f32(output_grad));
    let g = Geometry::of_transpose(&xs, &ws, options);
    // The plain convolution reads dy (its input) and produced x (its output).
    let dw = weight_grad(dy.storage::<T>(), x.storage::<T>(), &g, xs[0]);
    tensor_from(dw, [ws[0], ws[1], ws[2], ws[3]])
}

/// The gradient of `conv_transpose2d(x, weight)` with respect to `weight`.
pub fn conv_transpose2d_weight_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    by_dtype!(x.dtype(), conv_transpose2d_weight_backward_typed(x, weight, output_grad, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct definition of the convolution, for comparison.
    fn naive(x: &[f64], w: &[f64], g: &Geometry, batch: usize) -> Vec<f64> {
        let cig = g.c_in / g.groups;
        let cog = g.c_out / g.groups;
        let mut y = vec![0.0; batch * g.out_len()];
        for b in 0..batch {
            for o in 0..g.c_out {
                let grp = o / cog;
                for oy in 0..g.oh {
                    for ox in 0..g.ow {
                        let mut s = 0.0;
                        for ci in 0..cig {
                            let c = grp * cig + ci;
                            for i in 0..g.kh {
                                for j in 0..g.kw {
                                    let iy = (oy * g.stride[0] + i * g.dilation[0]) as isize - g.pad[0] as isize;
                                    let ix = (ox * g.stride[1] + j * g.dilation[1]) as isize - g.pad[1] as isize;
                                    if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                                        continue;
                                    }
                                    s += x[((b * g.c_in + c) * g.h + iy as usize) * g.w + ix as usize]
                                        * w[((o * cig + ci) * g.kh + i) * g.kw + j];
                                }
                            }
                        }
                        y[((b * g.c_out + o) * g.oh + oy) * g.ow + ox] = s;
                    }
                }
            }
        }
        y
    }

    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5
            })
            .collect()
    }

    fn geometries() -> Vec<Geometry> {
        let mut out = Vec::new();
        for &(c_in, c_out, k, s, p, d, groups, h) in &[
            (3, 4, 3, 1, 1, 1, 1, 7),
            (2, 6, 4, 2, 1, 1, 1, 8),
            (4, 4, 3, 2, 0, 2, 2, 9),
            (3, 5, 1, 1, 0, 1, 1, 5),
            (1, 3, 5, 3, 2, 1, 1, 6),
        ] {
            let out_size = (h + 2 * p - d * (k - 1) - 1) / s + 1;
            out.push(Geometry {
                c_in,
                h,
                w: h + 1,
                c_out,
                kh: k,
                kw: k,
                oh: out_size,
                ow: (h + 1 + 2 * p - d * (k - 1) - 1) / s + 1,
                stride: [s, s],
                pad: [p, p],
                dilation: [d, d],
                groups,
            });
        }
        out
    }

    #[test]
    fn forward_and_gradients_match_the_definition() {
        let batch = 3;
        for g in geometries() {
            let x = values(batch * g.in_len(), 1);
            let w = values(g.c_out * g.k_group(), 2);
            let dy = values(batch * g.out_len(), 3);
            let y = forward(&x, &w, None, &g, batch);
            let reference = naive(&x, &w, &g, batch);
            for (a, b) in y.iter().zip(&reference) {
                assert!((a - b).abs() < 1e-12, "{g:?}");
            }
            // <conv(x), dy> is linear in x and in W: its gradients are input_grad, weight_grad.
            let dx = input_grad(&dy, &w, &g, batch);
            let dw = weight_grad(&x, &dy, &g, batch);
            let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
            for (i, e) in [0, x.len() / 2, x.len() - 1].into_iter().map(|i| (i, 1e-3)) {
                let mut xp = x.clone();
                xp[i] += e;
                let fd = (dot(&naive(&xp, &w, &g, batch), &dy) - dot(&reference, &dy)) / e;
                assert!((fd - dx[i]).abs() < 1e-8, "dx {g:?}");
            }
            for i in [0, w.len() / 2, w.len() - 1] {
                let mut wp = w.clone();
                wp[i] += 1e-3;
                let fd = (dot(&naive(&x, &wp, &g, batch), &dy) - dot(&reference, &dy)) / 1e-3;
                assert!((fd - dw[i]).abs() < 1e-8, "dw {g:?}");
            }
        }
    }
}
