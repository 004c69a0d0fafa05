//! `genlab bench`: training throughput and sampling latency (a benchmark, not a test).
//!
//! Which models run, and how each is timed, is each family's business: its registry entry's
//! `bench` (`crate::models::FAMILIES`) returns its rows, timed by `crate::bench`'s one
//! loop. This file reads the command line, walks the registry and prints the rows (the JSON
//! lines are what bench/compare.sh reads, by their "model" key).

use std::time::Instant;

use clap::Args;

use crate::bench::{BenchRow, BenchSettings, FEW_SAMPLES};
use crate::device::ComputeDevice;
use crate::models::{FAMILIES, FamilyKind};
use crate::rng::Rng;

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Timed training steps per model, which each family scales as its PyTorch twin does
    /// (fewer for the slow image models, three times as many for the 2-D ones; 1 to 1,000,000).
    #[arg(long, default_value_t = 100)]
    pub steps: usize,
    /// The batch of the models that follow it (the others use their PyTorch twin's batch,
    /// which the table's batch column shows; 1 to 4096).
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

pub fn run(args: &BenchArgs, device: &ComputeDevice) -> Result<(), String> {
    if args.metrics {
        return bench_metrics(args);
    }
    crate::limits::check_range("--steps", args.steps, 1, 1_000_000)?;
    crate::limits::check_range("--batch-size", args.batch_size, 1, super::train::MAX_BATCH)?;
    let settings = BenchSettings { steps: args.steps, batch_size: args.batch_size };
    let mut rows = Vec::new();
    for kind in FAMILIES.iter().filter(|&&kind| args.family.is_none_or(|f| f == kind)) {
        rows.extend((kind.entry().bench)(&settings, &device.device)?);
    }
    if args.json {
        for r in &rows {
            println!(
                "{}",
                serde_json::json!({
                    "model": r.model, "device": device.label, "batch": r.batch, "params": r.params,
                    "train_steps_per_sec": r.train.per_sec(),
                    "sample_ms_mean": r.sample.mean_ms(), "sample_ms_p95": r.sample.percentile_ms(95.0),
                    // Below FEW_SAMPLES calls, sample_ms_p95 is the largest of them.
                    "sample_calls": r.sample.len(),
                    "ddim50_seconds": r.ddim50_seconds,
                    "tokens_per_sec": r.tokens_per_sec, "chars_per_sec": r.chars_per_sec,
                })
            );
        }
    } else {
        print_table(&rows, device);
    }
    Ok(())
}

fn print_table(rows: &[BenchRow], device: &ComputeDevice) {
    // What one sampling time is, each phrase once, in the rows' order.
    let mut sampling: Vec<&str> = Vec::new();
    for r in rows {
        if !sampling.contains(&r.sampling) {
            sampling.push(r.sampling);
        }
    }
    println!("device: {}   f32, Adam; sampling: {}", device.label, sampling.join(", "));
    println!(
        "p95: the ⌈0.95·n⌉-th smallest of n timed sampling calls; with fewer than {FEW_SAMPLES} calls that is the largest, and the row says so"
    );
    println!("{:<22} {:>6} {:>10} {:>14} {:>16} {:>15}", "model", "batch", "params", "train steps/s", "sample (ms)", "sample p95 (ms)");
    for r in rows {
        let calls = r.sample.len();
        let note = if calls < FEW_SAMPLES {
            format!("  (the largest of {calls} call{})", if calls == 1 { "" } else { "s" })
        } else {
            String::new()
        };
        println!(
            "{:<22} {:>6} {:>10} {:>14.1} {:>16.4} {:>15.4}{note}",
            r.model,
            r.batch,
            r.params,
            r.train.per_sec(),
            r.sample.mean_ms(),
            r.sample.percentile_ms(95.0)
        );
        if let (Some(tokens), Some(chars)) = (r.tokens_per_sec, r.chars_per_sec) {
            println!("{:<22} training {tokens:.0} tokens/s, generating {chars:.0} characters/s", "");
        }
    }
}

/// Two seeded Gaussian feature sets (the fake one shifted and scaled), timed through FID and
/// PRDC with k = 5.
fn bench_metrics(args: &BenchArgs) -> Result<(), String> {
    use crate::metrics::{Features, frechet_distance, prdc};
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
                return Err(format!(
                    "{}: already exists; genlab does not write over files (pick another --write-features folder)",
                    dir.join(name).display()
                ));
            }
        }
        for (name, data) in [("real.csv", &real), ("fake.csv", &fake)] {
            let text: String =
                data.chunks(d).map(|row| row.iter().map(|v| format!("{v:.9}")).collect::<Vec<_>>().join(",") + "\n").collect();
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
        println!(
            "precision {:.4} recall {:.4} density {:.4} coverage {:.4} in {prdc_s:.3} s",
            p.precision, p.recall, p.density, p.coverage
        );
        println!("total {:.3} s", fid_s + prdc_s);
    }
    Ok(())
}
