//! genlab's patched burn-flex kernels (vendor/burn-flex, issue 7) against the operations'
//! definitions, written out here as plain f64 loops: convolution and transposed convolution
//! (forward and the three gradients, through autodiff), batch normalisation in training mode
//! (forward and backward), and the vectorised exp / sigmoid / log-sigmoid / SiLU with their
//! gradients. Every comparison is to 1e-5 relative (to the largest reference value for the
//! sums, element by element for the maps), as issue 7 asks of each optimised op.

use burn::prelude::*;
use burn::tensor::Gradients;
use burn::tensor::activation::{gelu, log_sigmoid, sigmoid, silu};
use burn::tensor::module::{batch_norm_train, conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use genlab::rng::Rng;

fn device() -> Device {
    Device::flex().autodiff()
}

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.range(-1.0, 1.0) as f32).collect()
}

fn leaf<const D: usize>(values: &[f32], shape: [usize; D]) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), &device()).require_grad()
}

fn read<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.try_into_vec_as::<f32>().unwrap().into_iter().map(f64::from).collect()
}

fn grad<const D: usize>(t: &Tensor<D>, grads: &Gradients) -> Vec<f64> {
    read(t.grad(grads).expect("a gradient for every leaf"))
}

/// max |got − want| ≤ 1e-5 · max |want| (f32 sums of up to a few hundred products).
fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(worst <= 1e-5 * scale, "{what}: max error {worst:e} against scale {scale:e}");
}

/// Element by element: |got − want| ≤ 1e-5 · |want| + `floor`.
fn assert_close_each(what: &str, xs: &[f32], got: &[f64], want: &[f64], floor: f64) {
    for ((x, a), b) in xs.iter().zip(got).zip(want) {
        assert!((a - b).abs() <= 1e-5 * b.abs() + floor, "{what}({x}): {a:e}, want {b:e}");
    }
}

#[derive(Clone, Copy, Debug)]
struct Conv {
    batch: usize,
    c_in: usize,
    c_out: usize,
    k: [usize; 2],
    stride: [usize; 2],
    /// (begin, end) per spatial dimension.
    pad: [(usize, usize); 2],
    dilation: [usize; 2],
    groups: usize,
    h: usize,
    w: usize,
}

impl Conv {
    fn out(&self, d: usize) -> usize {
        let size = if d == 0 { self.h } else { self.w };
        (size + self.pad[d].0 + self.pad[d].1 - self.dilation[d] * (self.k[d] - 1) - 1) / self.stride[d] + 1
    }

    /// Calls `f(x_index, w_index, y_index)` for every product term of the convolution
    /// `y[b, o, oy, ox] = Σ x[b, c, oy·s − p + i·d, ox·s − p + j·d] · w[o, c mod C_in/g, i, j]`.
    fn for_each_term(&self, mut f: impl FnMut(usize, usize, usize)) {
        let (oh, ow) = (self.out(0), self.out(1));
        let (cig, cog) = (self.c_in / self.groups, self.c_out / self.groups);
        for b in 0..self.batch {
            for o in 0..self.c_out {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let y = ((b * self.c_out + o) * oh + oy) * ow + ox;
                        for ci in 0..cig {
                            let c = (o / cog) * cig + ci;
                            for i in 0..self.k[0] {
                                for j in 0..self.k[1] {
                                    let iy = (oy * self.stride[0] + i * self.dilation[0]) as isize - self.pad[0].0 as isize;
                                    let ix = (ox * self.stride[1] + j * self.dilation[1]) as isize - self.pad[1].0 as isize;
                                    if iy < 0 || ix < 0 || iy >= self.h as isize || ix >= self.w as isize {
                                        continue;
                                    }
                                    let x = ((b * self.c_in + c) * self.h + iy as usize) * self.w + ix as usize;
                                    let w = ((o * cig + ci) * self.k[0] + i) * self.k[1] + j;
                                    f(x, w, y);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn conv(batch: usize, (c_in, c_out): (usize, usize), k: usize, stride: usize, pad: usize, hw: (usize, usize)) -> Conv {
    Conv { batch, c_in, c_out, k: [k, k], stride: [stride, stride], pad: [(pad, pad); 2], dilation: [1, 1], groups: 1, h: hw.0, w: hw.1 }
}

/// The shapes genlab's models use (28×28 first layers, stride-2 4×4, 1×1 shortcuts), plus
/// dilation, groups, asymmetric padding, and a batch of one (the GEMM-parallel path).
fn conv_cases() -> Vec<Conv> {
    vec![
        conv(4, (1, 8), 3, 1, 1, (12, 12)),
        conv(3, (6, 4), 4, 2, 1, (10, 9)),
        conv(3, (5, 3), 1, 1, 0, (6, 6)),
        conv(1, (3, 4), 3, 1, 1, (9, 9)),
        conv(5, (8, 16), 3, 2, 1, (7, 7)),
        Conv { dilation: [2, 1], groups: 2, ..conv(2, (4, 6), 3, 1, 1, (8, 8)) },
        Conv { pad: [(0, 1), (2, 1)], ..conv(2, (3, 2), 3, 1, 0, (7, 6)) },
        // Two groups, and depthwise (forward through flex's own kernel, gradients through
        // genlab's).
        Conv { groups: 2, ..conv(6, (4, 6), 3, 1, 1, (5, 5)) },
        Conv { groups: 4, ..conv(3, (4, 4), 3, 1, 1, (6, 6)) },
        // A training-sized batch: several images per task on any thread count.
        conv(40, (3, 4), 3, 1, 1, (6, 6)),
    ]
}

#[test]
fn conv2d_and_its_gradients_match_the_definition() {
    for (n, c) in conv_cases().into_iter().enumerate() {
        let (oh, ow) = (c.out(0), c.out(1));
        let xs = random(c.batch * c.c_in * c.h * c.w, 10 + n as u64);
        let ws = random(c.c_out * c.c_in / c.groups * c.k[0] * c.k[1], 20 + n as u64);
        let bs = random(c.c_out, 30 + n as u64);
        let rs = random(c.batch * c.c_out * oh * ow, 40 + n as u64);

        let (mut y, mut dx, mut dw) = (vec![0.0; rs.len()], vec![0.0; xs.len()], vec![0.0; ws.len()]);
        c.for_each_term(|xi, wi, yi| {
            y[yi] += xs[xi] as f64 * ws[wi] as f64;
            dx[xi] += rs[yi] as f64 * ws[wi] as f64;
            dw[wi] += rs[yi] as f64 * xs[xi] as f64;
        });
        let plane = oh * ow;
        let mut db = vec![0.0; c.c_out];
        for (i, v) in y.iter_mut().enumerate() {
            let o = (i / plane) % c.c_out;
            *v += bs[o] as f64;
            db[o] += rs[i] as f64;
        }

        let x = leaf(&xs, [c.batch, c.c_in, c.h, c.w]);
        let w = leaf(&ws, [c.c_out, c.c_in / c.groups, c.k[0], c.k[1]]);
        let b = leaf(&bs, [c.c_out]);
        let r = Tensor::<4>::from_data(TensorData::new(rs.clone(), [c.batch, c.c_out, oh, ow]), &device());
        let options = ConvOptions::new_with_padding(c.stride, c.pad, c.dilation, c.groups);
        let out = conv2d(x.clone(), w.clone(), Some(b.clone()), options);
        let grads = (out.clone() * r).sum().backward();
        assert_close(&format!("conv2d {c:?}"), &read(out), &y);
        assert_close(&format!("conv2d dx {c:?}"), &grad(&x, &grads), &dx);
        assert_close(&format!("conv2d dw {c:?}"), &grad(&w, &grads), &dw);
        assert_close(&format!("conv2d db {c:?}"), &grad(&b, &grads), &db);
    }
}

#[derive(Clone, Copy, Debug)]
struct Transposed {
    batch: usize,
    c_in: usize,
    c_out: usize,
    k: usize,
    stride: usize,
    pad: usize,
    pad_out: usize,
    dilation: usize,
    groups: usize,
    h: usize,
}

#[test]
fn conv_transpose2d_and_its_gradients_match_the_definition() {
    let t =
        |batch, (c_in, c_out), k, stride, pad, h| Transposed { batch, c_in, c_out, k, stride, pad, pad_out: 0, dilation: 1, groups: 1, h };
    let cases = [
        // DCGAN's generator and the conv VAE's decoder: 4×4, stride 2, padding 1, 7 → 14.
        t(3, (8, 4), 4, 2, 1, 7),
        t(2, (4, 1), 4, 2, 1, 6),
        Transposed { pad_out: 1, groups: 2, ..t(2, (4, 6), 3, 2, 1, 5) },
        t(1, (3, 5), 3, 1, 0, 4),
        // Output padding of a whole stride (allowed with dilation): the input gradient must
        // still have the input's size.
        Transposed { pad_out: 1, dilation: 2, ..t(2, (3, 2), 3, 1, 1, 5) },
        // A training-sized batch: several images per task on any thread count.
        t(40, (4, 3), 4, 2, 1, 5),
    ];
    for (n, t) in cases.into_iter().enumerate() {
        let out = (t.h - 1) * t.stride + t.dilation * (t.k - 1) + 1 + t.pad_out - 2 * t.pad;
        let (cig, cog) = (t.c_in / t.groups, t.c_out / t.groups);
        let xs = random(t.batch * t.c_in * t.h * t.h, 50 + n as u64);
        let ws = random(t.c_in * cog * t.k * t.k, 60 + n as u64);
        let bs = random(t.c_out, 70 + n as u64);
        let rs = random(t.batch * t.c_out * out * out, 80 + n as u64);
        // y[b, o, iy·s − p + i, ix·s − p + j] += x[b, c, iy, ix] · w[c, o mod C_out/g, i, j]
        let (mut y, mut dx, mut dw) = (vec![0.0; rs.len()], vec![0.0; xs.len()], vec![0.0; ws.len()]);
        for b in 0..t.batch {
            for c in 0..t.c_in {
                for oc in 0..cog {
                    let o = (c / cig) * cog + oc;
                    for iy in 0..t.h {
                        for ix in 0..t.h {
                            for i in 0..t.k {
                                for j in 0..t.k {
                                    let (py, px) = (
                                        (iy * t.stride + i * t.dilation) as isize - t.pad as isize,
                                        (ix * t.stride + j * t.dilation) as isize - t.pad as isize,
                                    );
                                    if py < 0 || px < 0 || py >= out as isize || px >= out as isize {
                                        continue;
                                    }
                                    let xi = ((b * t.c_in + c) * t.h + iy) * t.h + ix;
                                    let wi = ((c * cog + oc) * t.k + i) * t.k + j;
                                    let yi = ((b * t.c_out + o) * out + py as usize) * out + px as usize;
                                    y[yi] += xs[xi] as f64 * ws[wi] as f64;
                                    dx[xi] += rs[yi] as f64 * ws[wi] as f64;
                                    dw[wi] += rs[yi] as f64 * xs[xi] as f64;
                                }
                            }
                        }
                    }
                }
            }
        }
        let mut db = vec![0.0; t.c_out];
        for (i, v) in y.iter_mut().enumerate() {
            let o = (i / (out * out)) % t.c_out;
            *v += bs[o] as f64;
            db[o] += rs[i] as f64;
        }

        let x = leaf(&xs, [t.batch, t.c_in, t.h, t.h]);
        let w = leaf(&ws, [t.c_in, cog, t.k, t.k]);
        let b = leaf(&bs, [t.c_out]);
        let r = Tensor::<4>::from_data(TensorData::new(rs.clone(), [t.batch, t.c_out, out, out]), &device());
        let options = ConvTransposeOptions::new([t.stride; 2], [t.pad; 2], [t.pad_out; 2], [t.dilation; 2], t.groups);
        let result = conv_transpose2d(x.clone(), w.clone(), Some(b.clone()), options);
        assert_eq!(result.dims(), [t.batch, t.c_out, out, out]);
        let grads = (result.clone() * r).sum().backward();
        assert_close(&format!("conv_transpose2d {t:?}"), &read(result), &y);
        assert_close(&format!("conv_transpose2d dx {t:?}"), &grad(&x, &grads), &dx);
        assert_close(&format!("conv_transpose2d dw {t:?}"), &grad(&w, &grads), &dw);
        assert_close(&format!("conv_transpose2d db {t:?}"), &grad(&b, &grads), &db);
    }
}

/// Batch norm in training mode against Ioffe & Szegedy 2015, Algorithm 1 (biased batch
/// variance, ε inside the square root) and its gradient, for an image batch and a `[N, C]` one.
#[test]
fn batch_norm_train_and_its_gradient_match_the_definition() {
    let eps = 1e-5;
    for (n, (batch, channels, plane)) in [(5usize, 3usize, 16usize), (7, 6, 1), (64, 128, 49)].into_iter().enumerate() {
        let xs: Vec<f32> = random(batch * channels * plane, 90 + n as u64).iter().map(|v| 3.0 * v + 0.5).collect();
        let gs = random(channels, 91 + n as u64);
        let bs = random(channels, 92 + n as u64);
        let rs = random(xs.len(), 93 + n as u64);
        let at = |b: usize, c: usize, p: usize| (b * channels + c) * plane + p;
        let m = (batch * plane) as f64;
        let (mut y, mut dx) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
        let (mut dg, mut db, mut means, mut vars) = (vec![0.0; channels], vec![0.0; channels], vec![], vec![]);
        for c in 0..channels {
            let idx: Vec<usize> = (0..batch).flat_map(|b| (0..plane).map(move |p| at(b, c, p))).collect();
            let mean = idx.iter().map(|&i| xs[i] as f64).sum::<f64>() / m;
            let var = idx.iter().map(|&i| (xs[i] as f64 - mean).powi(2)).sum::<f64>() / m;
            let inv = 1.0 / (var + eps).sqrt();
            for &i in &idx {
                let xhat = (xs[i] as f64 - mean) * inv;
                y[i] = gs[c] as f64 * xhat + bs[c] as f64;
                dg[c] += rs[i] as f64 * xhat;
                db[c] += rs[i] as f64;
            }
            for &i in &idx {
                let xhat = (xs[i] as f64 - mean) * inv;
                dx[i] = gs[c] as f64 * inv * (rs[i] as f64 - db[c] / m - xhat * dg[c] / m);
            }
            means.push(mean);
            vars.push(var);
        }
        let x = leaf(&xs, [batch, channels, plane]);
        let g = leaf(&gs, [channels]);
        let b = leaf(&bs, [channels]);
        let r = Tensor::<3>::from_data(TensorData::new(rs, [batch, channels, plane]), &device());
        let out = batch_norm_train(x.clone(), g.clone(), b.clone(), eps);
        let grads = (out.output.clone() * r).sum().backward();
        let what = format!("batch norm [{batch}, {channels}, {plane}]");
        assert_close(&format!("{what} output"), &read(out.output), &y);
        assert_close(&format!("{what} mean"), &read(out.mean), &means);
        assert_close(&format!("{what} variance"), &read(out.variance), &vars);
        assert_close(&format!("{what} dx"), &grad(&x, &grads), &dx);
        assert_close(&format!("{what} dgamma"), &grad(&g, &grads), &dg);
        assert_close(&format!("{what} dbeta"), &grad(&b, &grads), &db);
    }
}

fn sigma(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// exp, sigmoid, log-sigmoid and SiLU and their gradients, element by element against f64,
/// on 70,000 points over [−30, 30] (above the parallel threshold, 64 K) and on a short tensor (the
/// serial path); NaN stays NaN (training pauses on a NaN loss, so it must not vanish).
#[test]
fn vectorised_activations_match_f64() {
    type Op = fn(Tensor<1>) -> Tensor<1>;
    let cases: [(&str, Op, fn(f64) -> f64, fn(f64) -> f64); 4] = [
        ("exp", |t| t.exp(), f64::exp, f64::exp),
        ("sigmoid", sigmoid, sigma, |x| sigma(x) * (1.0 - sigma(x))),
        // log σ(x) = −ln(1 + e^−x), written to keep its digits for large |x|.
        ("log_sigmoid", log_sigmoid, |x| x.min(0.0) - (-x.abs()).exp().ln_1p(), |x| sigma(-x)),
        ("silu", silu, |x| x * sigma(x), |x| sigma(x) * (1.0 + x * (1.0 - sigma(x)))),
    ];
    for n in [70_000usize, 37] {
        let xs: Vec<f32> = (0..n).map(|i| -30.0 + 60.0 * i as f32 / (n - 1) as f32).collect();
        for (name, op, f, df) in cases {
            let x = leaf(&xs, [n]);
            let y = op(x.clone());
            let grads = y.clone().sum().backward();
            let want: Vec<f64> = xs.iter().map(|&v| f(v as f64)).collect();
            let dwant: Vec<f64> = xs.iter().map(|&v| df(v as f64)).collect();
            // The backward of sigmoid (and so of SiLU) is s·(1 − s) from the f32 output s
            // (burn-autodiff; PyTorch does the same): where s is near 1, 1 − s carries s's
            // rounding, up to 2 ulp of 1.0 (1.2e-7) in absolute terms, whatever the kernel.
            // SiLU's gradient multiplies that term by x, |x| ≤ 30.
            let floor = match name {
                "sigmoid" => 1.2e-7,
                "silu" => 1.2e-7 * 31.0,
                _ => 1e-37,
            };
            assert_close_each(name, &xs, &read(y), &want, 1e-37);
            assert_close_each(&format!("d {name}"), &xs, &grad(&x, &grads), &dwant, floor);
        }
    }
    for (name, op, _, _) in cases {
        let x = Tensor::<1>::from_data(TensorData::new(vec![f32::NAN, 1.0], [2]), &Device::flex());
        assert!(read(op(x))[0].is_nan(), "{name}(NaN) is not NaN");
    }
}

/// The parallel element-wise paths (scalar ops, same-shape binary ops with a closure) on a
/// tensor above the threshold, against the same arithmetic in f64.
#[test]
fn parallel_element_wise_ops_match_f64() {
    let n = 100_003;
    let a = random(n, 7);
    let b: Vec<f32> = random(n, 8).iter().map(|v| v + 2.0).collect();
    let dev = Device::flex();
    let ta = Tensor::<1>::from_data(TensorData::new(a.clone(), [n]), &dev);
    let tb = Tensor::<1>::from_data(TensorData::new(b.clone(), [n]), &dev);
    let got = read(ta.clone().mul_scalar(3.0).add_scalar(0.5).powf(tb.clone()).sqrt());
    // 3x + 0.5 rounded to f32 as the tensor holds it (near its zero the rounding alone is
    // above 1e-5 relative); the power and the root in f64.
    let want: Vec<f64> = a.iter().zip(&b).map(|(&x, &y)| ((x * 3.0 + 0.5) as f64).powf(y as f64).sqrt()).collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() <= 1e-5 * w.abs() || (g.is_nan() && w.is_nan()), "element {i}: {g} vs {w}");
    }
}

/// genlab's LeakyReLU through relu (src/models/fast_layers.rs) against burn's, value and
/// gradient, away from x = 0 (where the two conventions differ).
#[test]
fn leaky_relu_through_relu_matches_burns() {
    let xs: Vec<f32> = random(50_000, 9).into_iter().filter(|v| v.abs() > 1e-6).collect();
    let n = xs.len();
    let ours = leaf(&xs, [n]);
    let theirs = leaf(&xs, [n]);
    let a = genlab::models::fast_layers::leaky_relu(ours.clone(), 0.2);
    let b = burn::tensor::activation::leaky_relu(theirs.clone(), 0.2);
    let (ga, gb) = (a.clone().sum().backward(), b.clone().sum().backward());
    assert_close_each("leaky_relu", &xs, &read(a), &read(b), 1e-37);
    assert_close_each("d leaky_relu", &xs, &grad(&ours, &ga), &grad(&theirs, &gb), 1e-37);
}

/// genlab's GroupNorm as one batch-norm node (src/models/fast_layers.rs) against burn's
/// GroupNorm module, value and gradients (input, γ, β), with γ and β away from 1 and 0.
#[test]
fn group_norm_through_batch_norm_matches_burns() {
    use burn::module::Param;
    use burn::nn::GroupNormConfig;
    for (batch, channels, groups, hw) in [(4usize, 8usize, 4usize, 5usize), (3, 32, 8, 7), (2, 6, 3, 1)] {
        let mut norm = GroupNormConfig::new(groups, channels).init(&device());
        norm.gamma = Some(Param::from_tensor(leaf(&random(channels, 1).iter().map(|v| v + 1.0).collect::<Vec<_>>(), [channels])));
        norm.beta = Some(Param::from_tensor(leaf(&random(channels, 2), [channels])));
        let xs: Vec<f32> = random(batch * channels * hw * hw, 3).iter().map(|v| 2.0 * v + 0.3).collect();
        let rs = random(xs.len(), 4);
        let r = Tensor::<4>::from_data(TensorData::new(rs, [batch, channels, hw, hw]), &device());
        let mut results = Vec::new();
        for ours in [true, false] {
            let x = leaf(&xs, [batch, channels, hw, hw]);
            let y = if ours { genlab::models::fast_layers::group_norm(&norm, x.clone()) } else { norm.forward(x.clone()) };
            let grads = (y.clone() * r.clone()).sum().backward();
            let gamma = norm.gamma.as_ref().unwrap().val();
            let beta = norm.beta.as_ref().unwrap().val();
            results.push([read(y), grad(&x, &grads), grad(&gamma, &grads), grad(&beta, &grads)]);
        }
        for (i, what) in ["output", "dx", "dgamma", "dbeta"].iter().enumerate() {
            assert_close(&format!("group norm [{batch}, {channels}, {hw}, {hw}] / {groups}: {what}"), &results[0][i], &results[1][i]);
        }
    }
}

/// exp over its whole f32 range against libm: overflow to +inf above 88.72, the largest
/// finite values just below it, underflow to 0 below −103.97 (subnormals within 1 %).
#[test]
fn exp_over_its_whole_range() {
    let xs: Vec<f32> = (0..80_000).map(|i| -110.0 + 200.0 * i as f32 / 80_000.0).chain([88.72, 88.7228, 88.723, -87.5, -103.9]).collect();
    let n = xs.len();
    let got = Tensor::<1>::from_data(TensorData::new(xs.clone(), [n]), &Device::flex()).exp().try_into_vec_as::<f32>().unwrap();
    for (&x, &y) in xs.iter().zip(&got) {
        let want = x.exp();
        if want.is_infinite() || want == 0.0 {
            assert_eq!(y, want, "exp({x})");
        } else if want < f32::MIN_POSITIVE {
            assert!((y - want).abs() <= 0.01 * want + 2e-45, "exp({x}) = {y:e}, libm {want:e}");
        } else {
            assert!(((y - want) / want).abs() < 1e-6, "exp({x}) = {y:e}, libm {want:e}");
        }
    }
}

/// erf(x) from its definition, 2/√π ∫₀ˣ e^(−t²) dt, by Simpson's rule on 4,000 intervals (error
/// below 1e-13 for |x| ≤ 6); ±1 beyond, where erf is within 2e-17 of it.
fn erf_by_definition(x: f64) -> f64 {
    if x.abs() > 6.0 {
        return x.signum();
    }
    let n = 4000;
    let h = x / n as f64;
    let f = |t: f64| (-t * t).exp();
    let mut sum = f(0.0) + f(x);
    for i in 1..n {
        sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    2.0 / std::f64::consts::PI.sqrt() * sum * h / 3.0
}

/// erf (libm's) and GELU (0.5·x·(1 + erf(x/√2)), the exact GELU of Hendrycks & Gimpel 2016,
/// whose contiguous f32 path has its own vectorised erf) and GELU's gradient, element by
/// element against f64 on 70,000 points over [−8, 8] (the parallel path) and on a short tensor;
/// near 0 erf keeps its relative accuracy; NaN stays NaN.
#[test]
fn erf_and_gelu_match_their_definitions() {
    let sqrt2 = std::f64::consts::SQRT_2;
    let pdf = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    for n in [70_000usize, 41] {
        let xs: Vec<f32> = (0..n).map(|i| -8.0 + 16.0 * i as f32 / (n - 1) as f32).collect();
        let want: Vec<f64> = xs.iter().map(|&v| erf_by_definition(v as f64)).collect();
        // Abramowitz & Stegun 7.1.26 is within 1.5e-7 of erf; f32 rounding adds half an ulp.
        assert_close_each("erf", &xs, &read(leaf(&xs, [n]).erf()), &want, 2.5e-7);
        let x = leaf(&xs, [n]);
        let y = gelu(x.clone());
        let grads = y.clone().sum().backward();
        let gelu_want: Vec<f64> = xs.iter().map(|&v| 0.5 * v as f64 * (1.0 + erf_by_definition(v as f64 / sqrt2))).collect();
        let dgelu_want: Vec<f64> =
            xs.iter().map(|&v| 0.5 * (1.0 + erf_by_definition(v as f64 / sqrt2)) + v as f64 * pdf(v as f64)).collect();
        // erf's 2.5e-7, times 0.5·|x| ≤ 4 for GELU; for its gradient, plus the density's.
        assert_close_each("gelu", &xs, &read(y), &gelu_want, 1e-6);
        assert_close_each("d gelu", &xs, &grad(&x, &grads), &dgelu_want, 1e-6);
    }
    let tiny = [1e-6f32, -3e-9, 1e-30];
    let got = read(Tensor::<1>::from_data(TensorData::new(tiny.to_vec(), [3]), &Device::flex()).erf());
    for (x, g) in tiny.iter().zip(got) {
        let want = 2.0 / std::f64::consts::PI.sqrt() * *x as f64;
        assert!((g - want).abs() <= 1e-6 * want.abs(), "erf({x}) = {g:e}, want {want:e}");
    }
    let nan = Tensor::<1>::from_data(TensorData::new(vec![f32::NAN, 0.5], [2]), &Device::flex());
    assert!(read(nan.clone().erf())[0].is_nan() && read(gelu(nan))[0].is_nan());
}
