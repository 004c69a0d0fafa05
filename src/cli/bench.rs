//! `genlab bench`: training throughput and latent-decode latency (a benchmark, not a test).

use std::time::Instant;

use clap::Args;

use crate::data::images::ImageSet;
use crate::device::ComputeDevice;
use crate::models::diffusion::{DiffusionConfig, DiffusionFamily};
use crate::data::text::builtin_corpus;
use crate::models::charlm::{CharLmConfig, CharLmFamily};
use crate::models::gan::{GanConfig, GanFamily};
use crate::models::pixelcnn::{PixelCnnConfig, PixelCnnFamily};
use crate::models::vae::{VaeArch, VaeConfig, VaeFamily};
use crate::models::FamilyKind;
use crate::rng::Rng;
use crate::train::{Batch, Family};

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Timed training steps per model (after 5 warm-up steps; 1 to 1,000,000).
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
    /// The VAE's batch (the others use their defaults: 64 for DCGAN and the UNet, 256 for the
    /// 2-D models; 1 to 4096).
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    /// Only this family's models (default: all).
    #[arg(long, value_enum)]
    pub family: Option<FamilyKind>,
    /// Print one JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Time the metrics instead: FID and precision/recall/density/coverage on two sets of
    /// random features (see bench/metrics.sh for the side-by-side with prdc + pytorch-fid).
    #[arg(long)]
    pub metrics: bool,
    /// With --metrics: samples per set (6 to 1,000,000, and within half this machine's memory).
    #[arg(long, default_value_t = 10_000)]
    pub n: usize,
    /// With --metrics: feature dimension (1 to 4096).
    #[arg(long, default_value_t = 64)]
    pub dim: usize,
    /// With --metrics: also write the two feature sets as real.csv and fake.csv here, so
    /// another implementation can time the same data.
    #[arg(long)]
    pub write_features: Option<std::path::PathBuf>,
}

struct BenchRow {
    model: String,
    batch: usize,
    params: usize,
    steps_per_sec: f64,
    decode_ms_mean: f64,
    decode_ms_p95: f64,
    /// Diffusion: seconds for one DDIM-50 run of 64 images (or 256 points).
    ddim50_seconds: Option<f64>,
    /// Character model: training tokens (predicted characters) per second.
    tokens_per_sec: Option<f64>,
    /// Character model: characters generated per second, one at a time.
    chars_per_sec: Option<f64>,
}

pub fn run(args: &BenchArgs, device: &ComputeDevice) -> Result<(), String> {
    if args.metrics {
        return bench_metrics(args);
    }
    crate::limits::check_range("--steps", args.steps, 1, 1_000_000)?;
    crate::limits::check_range("--batch-size", args.batch_size, 1, super::train::MAX_BATCH)?;
    // Random images stand in for data: throughput does not depend on pixel values.
    let mut rng = Rng::new(0);
    let n = args.batch_size;
    let set = ImageSet {
        width: 28,
        height: 28,
        pixels: (0..n * 784).map(|_| rng.uniform() as f32).collect(),
        labels: (0..n).map(|i| (i % 10) as u8).collect(),
    };
    let mut rows = Vec::new();
    let wants = |kind: FamilyKind| args.family.is_none_or(|f| f == kind);
    if wants(FamilyKind::Vae) {
        for (name, arch, latent) in [("VAE MLP 784-400-20", VaeArch::Mlp, 20), ("VAE conv, z=16", VaeArch::Conv, 16)] {
            let config = VaeConfig { arch, latent_dim: latent, ..VaeConfig::default() };
            let mut family = VaeFamily::new(config, &device.device, 0)?;
            rows.push(bench_family(name, &mut family, &set, args.steps)?);
        }
    }
    if wants(FamilyKind::Gan) {
        rows.push(bench_gan("DCGAN 28x28, z=64", GanConfig::dcgan(28, 28, 10, false), args.steps.div_ceil(4), device)?);
        rows.push(bench_gan("GAN MLP 2-D, 3x128", GanConfig::default(), args.steps * 3, device)?);
    }
    if wants(FamilyKind::Diffusion) {
        let unet = DiffusionConfig::unet(28, 28, 10, false);
        // The UNet at batch 64, as the table and bench/diffusion_reference.py (its default
        // training batch is 32).
        rows.push(bench_diffusion("Diffusion UNet 28x28, C=32", unet, 64, (args.steps / 10).max(3), 64, device)?);
        rows.push(bench_diffusion("Diffusion MLP 2-D, 3x128", DiffusionConfig::default(), 256, args.steps * 3, 256, device)?);
    }
    if wants(FamilyKind::Autoencoder) {
        let config = crate::models::autoencoder::plain(VaeConfig::default());
        let mut family = VaeFamily::new(config, &device.device, 0)?;
        rows.push(bench_family("Autoencoder MLP 784-400-2", &mut family, &set, args.steps)?);
    }
    if wants(FamilyKind::Flow) {
        let config = crate::models::flow::FlowConfig::default();
        let family = crate::models::flow::FlowFamily::new(config, &device.device, 0)?;
        rows.push(bench_steps("RealNVP 2-D, 8 couplings", Box::new(family), 256, &[2], args.steps * 3, true, (256, 8))?);
    }
    if wants(FamilyKind::Rbm) {
        let family = crate::models::rbm::RbmFamily::new(crate::models::rbm::RbmConfig::default(), &device.device, 0)?;
        rows.push(bench_steps("RBM 784x128, PCD-1", Box::new(family), 64, &[1, 28, 28], args.steps * 3, false, (64, 8))?);
    }
    if wants(FamilyKind::Gmmn) {
        let family = crate::models::gmmn::GmmnFamily::new(crate::models::gmmn::GmmnConfig::default(), &device.device, 0)?;
        rows.push(bench_steps("GMMN 2-D, 3x128", Box::new(family), 256, &[2], args.steps * 3, true, (256, 8))?);
        let family = crate::models::gmmn::GmmnFamily::new(crate::models::gmmn::GmmnConfig::images(28, 28), &device.device, 0)?;
        rows.push(bench_steps("GMMN 28x28, 32-256-512", Box::new(family), 128, &[1, 28, 28], args.steps, false, (64, 8))?);
    }
    if wants(FamilyKind::Pixelcnn) {
        // Sampling as bench/pixelcnn_reference.py times it: 16 images pixel by pixel, one call.
        let family = PixelCnnFamily::new(PixelCnnConfig::default(), &device.device, 0)?;
        rows.push(bench_steps("PixelCNN 28x28, 64 ch, 6 layers", Box::new(family), 32, &[1, 28, 28], args.steps.div_ceil(4), false, (16, 1))?);
    }
    if wants(FamilyKind::Charlm) {
        rows.push(bench_charlm(args.steps, device)?);
    }
    if args.json {
        for r in &rows {
            println!(
                "{}",
                serde_json::json!({
                    "model": r.model, "device": device.label, "batch": r.batch, "params": r.params,
                    "train_steps_per_sec": r.steps_per_sec,
                    "sample_ms_mean": r.decode_ms_mean, "sample_ms_p95": r.decode_ms_p95,
                    "ddim50_seconds": r.ddim50_seconds,
                    "tokens_per_sec": r.tokens_per_sec, "chars_per_sec": r.chars_per_sec,
                })
            );
        }
    } else {
        println!(
            "device: {}   f32, Adam; sampling: one z for the VAE, per image (64 a call) for DCGAN, per point (256 a call) for the 2-D GAN, per image of a DDIM-50 run of 64 images (256 points) for diffusion, per image of 16 drawn pixel by pixel for PixelCNN, per character for the character model",
            device.label
        );
        println!("{:<22} {:>6} {:>10} {:>14} {:>16} {:>15}", "model", "batch", "params", "train steps/s", "sample (ms)", "sample p95 (ms)");
        for r in &rows {
            println!(
                "{:<22} {:>6} {:>10} {:>14.1} {:>16.4} {:>15.4}",
                r.model, r.batch, r.params, r.steps_per_sec, r.decode_ms_mean, r.decode_ms_p95
            );
            if let (Some(tokens), Some(chars)) = (r.tokens_per_sec, r.chars_per_sec) {
                println!("{:<22} training {tokens:.0} tokens/s, generating {chars:.0} characters/s", "");
            }
        }
    }
    Ok(())
}

/// Train steps/s of a diffusion model at `batch`, and one DDIM-50 run (η = 0, as
/// bench/diffusion_reference.py times PyTorch) of `per_call` samples.
fn bench_diffusion(
    name: &str,
    config: DiffusionConfig,
    batch: usize,
    steps: usize,
    per_call: usize,
    device: &ComputeDevice,
) -> Result<BenchRow, String> {
    let dim = config.data_dim;
    let mut rng = Rng::new(1);
    let x: Vec<f32> = (0..batch * dim).map(|_| rng.uniform() as f32).collect();
    let labels: Vec<u8> = (0..batch).map(|i| (i % 10) as u8).collect();
    let dims = if dim == 2 { vec![2] } else { vec![1, config.height, config.width] };
    let mut family = DiffusionFamily::new(config, &device.device, 0)?;
    family.set_hyper("sample_steps", 50.0)?;
    let b = Batch { x: &x, n: batch, dims: &dims, labels: &labels };
    for _ in 0..2 {
        family.train_step(&b)?;
    }
    let start = Instant::now();
    for _ in 0..steps.max(1) {
        family.train_step(&b)?;
    }
    let steps_per_sec = steps.max(1) as f64 / start.elapsed().as_secs_f64();
    let t = Instant::now();
    family.sample(per_call, 3, None)?;
    let seconds = t.elapsed().as_secs_f64();
    let per_sample_ms = seconds * 1e3 / per_call as f64;
    Ok(BenchRow {
        model: name.to_string(),
        batch,
        params: family.num_params(),
        steps_per_sec,
        decode_ms_mean: per_sample_ms,
        decode_ms_p95: per_sample_ms,
        tokens_per_sec: None,
        chars_per_sec: None,
        ddim50_seconds: Some(seconds),
    })
}

/// Train steps/s of a GAN at its default batch (one D update + one G update a step, as
/// bench/gan_reference.py times PyTorch), and sampling time per example.
fn bench_gan(name: &str, config: GanConfig, steps: usize, device: &ComputeDevice) -> Result<BenchRow, String> {
    let batch = config.default_batch_size();
    let dim = config.data_dim;
    let mut rng = Rng::new(1);
    let x: Vec<f32> = (0..batch * dim).map(|_| rng.uniform() as f32).collect();
    let labels: Vec<u8> = (0..batch).map(|i| (i % 10) as u8).collect();
    let dims = if dim == 2 { vec![2] } else { vec![1, config.height, config.width] };
    let per_call = if dim == 2 { 256 } else { 64 };
    let mut family = GanFamily::new(config, &device.device, 0)?;
    let b = Batch { x: &x, n: batch, dims: &dims, labels: &labels };
    for _ in 0..3 {
        family.train_step(&b)?;
    }
    let start = Instant::now();
    for _ in 0..steps.max(1) {
        family.train_step(&b)?;
    }
    let steps_per_sec = steps.max(1) as f64 / start.elapsed().as_secs_f64();
    let mut times = Vec::new();
    for i in 0..23 {
        let t = Instant::now();
        family.sample(per_call, i, None)?;
        if i >= 3 {
            times.push(t.elapsed().as_secs_f64() * 1e3 / per_call as f64);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(BenchRow {
        model: name.to_string(),
        batch,
        params: family.num_params(),
        steps_per_sec,
        decode_ms_mean: times.iter().sum::<f64>() / times.len() as f64,
        decode_ms_p95: times[(times.len() * 95) / 100 - 1],
        ddim50_seconds: None,
        tokens_per_sec: None,
        chars_per_sec: None,
    })
}

fn bench_family(name: &str, family: &mut VaeFamily, set: &ImageSet, steps: usize) -> Result<BenchRow, String> {
    let dims = [1, 28, 28];
    let batch = Batch { x: &set.pixels, n: set.len(), dims: &dims, labels: &set.labels };
    for _ in 0..5 {
        family.train_step(&batch)?;
    }
    let start = Instant::now();
    for _ in 0..steps.max(1) {
        family.train_step(&batch)?;
    }
    let steps_per_sec = steps.max(1) as f64 / start.elapsed().as_secs_f64();

    let latent = family.config().latent_dim;
    let latent_model = family.latent().ok_or("the VAE has no latent view")?;
    let mut times = Vec::new();
    for i in 0..105 {
        let z = vec![0.01 * i as f32; latent];
        let t = Instant::now();
        latent_model.decode(&z, 1, &[])?;
        if i >= 5 {
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(BenchRow {
        model: name.to_string(),
        batch: set.len(),
        params: family.num_params(),
        steps_per_sec,
        decode_ms_mean: times.iter().sum::<f64>() / times.len() as f64,
        decode_ms_p95: times[(times.len() * 95) / 100 - 1],
        ddim50_seconds: None,
        tokens_per_sec: None,
        chars_per_sec: None,
    })
}

/// Two seeded Gaussian feature sets (the fake one shifted and scaled), timed through FID and
/// PRDC with k = 5.
fn bench_metrics(args: &BenchArgs) -> Result<(), String> {
    use crate::metrics::{frechet_distance, prdc, Features};
    let n = crate::limits::check_range("--n", args.n, 6, 1_000_000)?;
    let d = crate::limits::check_range("--dim", args.dim, 1, 4096)?;
    // Two n × d feature sets and PRDC's blocks of distances: refused when they would not fit.
    crate::limits::check_alloc(&format!("--n {n} --dim {d}"), 2 * n as u128 * d as u128, 8)?;
    let mut rng = Rng::new(42);
    let real: Vec<f64> = (0..n * d).map(|_| rng.normal()).collect();
    let fake: Vec<f64> = (0..n * d).map(|_| 1.2 * rng.normal() + 0.3).collect();
    if let Some(dir) = &args.write_features {
        for name in ["real.csv", "fake.csv"] {
            if dir.join(name).exists() {
                return Err(format!("{}: already exists; genlab does not write over files (pick another --write-features folder)", dir.join(name).display()));
            }
        }
        for (name, data) in [("real.csv", &real), ("fake.csv", &fake)] {
            let text: String = data.chunks(d).map(|row| row.iter().map(|v| format!("{v:.9}")).collect::<Vec<_>>().join(",") + "\n").collect();
            crate::train::checkpoint::write_atomic(&dir.join(name), text.as_bytes())?;
        }
    }
    let real = Features::new(n, d, real, "real")?;
    let fake = Features::new(n, d, fake, "fake")?;
    let t = Instant::now();
    let fid = frechet_distance(&real, &fake)?;
    let fid_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let p = prdc(&real, &fake, 5)?;
    let prdc_s = t.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "implementation": "genlab", "n": n, "dim": d, "threads": rayon::current_num_threads(),
                "fid": fid.distance, "fid_seconds": fid_s, "precision": p.precision, "recall": p.recall,
                "density": p.density, "coverage": p.coverage, "prdc_seconds": prdc_s, "total_seconds": fid_s + prdc_s,
            })
        );
    } else {
        println!("genlab metrics on {n} vs {n} features of {d} dimensions ({} threads)", rayon::current_num_threads());
        println!("FID {:.4} in {fid_s:.3} s", fid.distance);
        println!("precision {:.4} recall {:.4} density {:.4} coverage {:.4} in {prdc_s:.3} s", p.precision, p.recall, p.density, p.coverage);
        println!("total {:.3} s", fid_s + prdc_s);
    }
    Ok(())
}

/// The character model's default: train steps/s and tokens/s at batch 32 on windows of the
/// built-in corpus, and characters generated per second one at a time (no cache, as
/// bench/charlm_reference.py times PyTorch).
fn bench_charlm(steps: usize, device: &ComputeDevice) -> Result<BenchRow, String> {
    let text = builtin_corpus();
    let config = CharLmConfig { vocab: text.vocab.clone(), ..CharLmConfig::default() };
    let (batch, window) = (config.default_batch_size(), config.block_size + 1);
    let x: Vec<f32> = text.train[..batch * window].iter().map(|&t| t as f32).collect();
    let labels = vec![0u8; batch];
    let dims = [window];
    let mut family = CharLmFamily::new(config, &device.device, 0)?;
    let b = Batch { x: &x, n: batch, dims: &dims, labels: &labels };
    for _ in 0..5 {
        family.train_step(&b)?;
    }
    let start = Instant::now();
    for _ in 0..steps.max(1) {
        family.train_step(&b)?;
    }
    let steps_per_sec = steps.max(1) as f64 / start.elapsed().as_secs_f64();
    let settings = crate::models::charlm::SamplingSettings::default();
    let view = family.tokens().ok_or("the character model has no token view")?;
    view.generate(&[0], 10, &settings, 0)?;
    let t = Instant::now();
    view.generate(&[0], 200, &settings, 1)?;
    let seconds = t.elapsed().as_secs_f64();
    Ok(BenchRow {
        model: "Char transformer 3x128, T=64".into(),
        batch,
        params: family.num_params(),
        steps_per_sec,
        decode_ms_mean: seconds * 1e3 / 200.0,
        decode_ms_p95: seconds * 1e3 / 200.0,
        ddim50_seconds: None,
        tokens_per_sec: Some(steps_per_sec * (batch * (window - 1)) as f64),
        chars_per_sec: Some(200.0 / seconds),
    })
}

/// Train steps/s of any family at `batch` on random data (standard-normal points or uniform
/// grey images; binary models threshold them), and sampling time per example over `calls`
/// calls of `per_call` examples (after one warm-up call of 2).
fn bench_steps(
    name: &str,
    mut family: Box<dyn Family>,
    batch: usize,
    dims: &[usize],
    steps: usize,
    points: bool,
    (per_call, calls): (usize, usize),
) -> Result<BenchRow, String> {
    let d: usize = dims.iter().product();
    let mut rng = Rng::new(4);
    let x: Vec<f32> = (0..batch * d).map(|_| if points { rng.normal() as f32 } else { rng.uniform() as f32 }).collect();
    let labels = vec![0u8; batch];
    let b = Batch { x: &x, n: batch, dims, labels: &labels };
    for _ in 0..5 {
        family.train_step(&b)?;
    }
    let start = Instant::now();
    for _ in 0..steps.max(1) {
        family.train_step(&b)?;
    }
    let steps_per_sec = steps.max(1) as f64 / start.elapsed().as_secs_f64();
    family.sample(2, 0, None)?;
    let mut times = Vec::new();
    for i in 0..calls as u64 {
        let t = Instant::now();
        family.sample(per_call, i, None)?;
        times.push(t.elapsed().as_secs_f64() * 1e3 / per_call as f64);
    }
    times.sort_by(f64::total_cmp);
    Ok(BenchRow {
        model: name.to_string(),
        batch,
        params: family.num_params(),
        steps_per_sec,
        decode_ms_mean: times.iter().sum::<f64>() / times.len() as f64,
        decode_ms_p95: times[times.len() - 1],
        ddim50_seconds: None,
        tokens_per_sec: None,
        chars_per_sec: None,
    })
}
