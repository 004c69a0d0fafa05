//! `genlab bench`: training throughput and latent-decode latency (a benchmark, not a test).

use std::time::Instant;

use clap::Args;

use crate::data::images::ImageSet;
use crate::device::ComputeDevice;
use crate::models::vae::{VaeArch, VaeConfig, VaeFamily};
use crate::rng::Rng;
use crate::train::{Batch, Family};

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Timed training steps per model (after 5 warm-up steps).
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    /// Print one JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

struct BenchRow {
    model: String,
    params: usize,
    steps_per_sec: f64,
    decode_ms_mean: f64,
    decode_ms_p95: f64,
}

pub fn run(args: &BenchArgs, device: &ComputeDevice) -> Result<(), String> {
    // Random images stand in for data: throughput does not depend on pixel values.
    let mut rng = Rng::new(0);
    let n = args.batch_size.max(1);
    let set = ImageSet {
        width: 28,
        height: 28,
        pixels: (0..n * 784).map(|_| rng.uniform() as f32).collect(),
        labels: (0..n).map(|i| (i % 10) as u8).collect(),
    };
    let mut rows = Vec::new();
    for (name, arch, latent) in [("VAE MLP 784-400-20", VaeArch::Mlp, 20), ("VAE conv, z=16", VaeArch::Conv, 16)] {
        let config = VaeConfig { arch, latent_dim: latent, ..VaeConfig::default() };
        let mut family = VaeFamily::new(config, &device.device, 0)?;
        rows.push(bench_family(name, &mut family, &set, args.steps)?);
    }
    if args.json {
        for r in &rows {
            println!(
                "{}",
                serde_json::json!({
                    "model": r.model, "device": device.label, "batch": n, "params": r.params,
                    "train_steps_per_sec": r.steps_per_sec,
                    "decode_latency_ms_mean": r.decode_ms_mean, "decode_latency_ms_p95": r.decode_ms_p95,
                })
            );
        }
    } else {
        println!("device: {}   batch: {n}   f32, Adam", device.label);
        println!("{:<22} {:>10} {:>14} {:>18} {:>17}", "model", "params", "train steps/s", "decode 1 z (ms)", "decode p95 (ms)");
        for r in &rows {
            println!(
                "{:<22} {:>10} {:>14.1} {:>18.3} {:>17.3}",
                r.model, r.params, r.steps_per_sec, r.decode_ms_mean, r.decode_ms_p95
            );
        }
    }
    Ok(())
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
        params: family.num_params(),
        steps_per_sec,
        decode_ms_mean: times.iter().sum::<f64>() / times.len() as f64,
        decode_ms_p95: times[(times.len() * 95) / 100 - 1],
    })
}
