//! `genlab ood`: how well a checkpoint's likelihood tells its own test images from other sets
//! of images, by the raw negative log-likelihood and by the input-complexity correction of
//! Serrà et al. 2020 (`crate::eval::ood` has the method and its sources).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::device::ComputeDevice;
use crate::eval::ood::{CSV_HEADER, DEFAULT_EXAMPLES, OodOptions, OodSet, check_options, score_sets};
use crate::train::checkpoint::write_atomic;

#[derive(Args, Debug, Clone)]
pub struct OodArgs {
    /// A checkpoint folder of a family with a likelihood (VAE, PixelCNN, flow) trained on images.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// The in-distribution set: test (the checkpoint's own test split), mnist, fashion, shapes or
    /// folder:PATH (test splits of the datasets).
    #[arg(long = "in", value_name = "SET", default_value = "test")]
    pub inside: OodSet,
    /// A set to tell from it: mnist, fashion, shapes, noise, constant, flipped, inverted,
    /// folder:PATH or test. Repeat for more: --vs noise --vs fashion.
    #[arg(long = "vs", value_name = "SET", required = true)]
    pub vs: Vec<OodSet>,
    /// Images per set (all of a set that has fewer).
    #[arg(long, default_value_t = DEFAULT_EXAMPLES)]
    pub n: usize,
    /// k of the VAE's importance-weighted bound (Burda et al. 2016), which it is scored by when
    /// k > 1 (k = 1: its ELBO); for diffusion, the timesteps of its variational bound visited
    /// per image (each one network pass).
    #[arg(long, default_value_t = 64)]
    pub importance_samples: usize,
    /// Seeds the noise set and the likelihood's random draws (a VAE's, a flow's dequantization).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print the report as JSON (without the per-image scores: --csv writes those).
    #[arg(long)]
    pub json: bool,
    /// Write every image's scores to this CSV: set, index, nll_nats, complexity_bits,
    /// corrected_bits. A new file, or one an earlier `genlab ood --csv` wrote.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

pub fn run(args: &OodArgs, device: &ComputeDevice, data_dir: Option<&Path>) -> Result<(), String> {
    let options = OodOptions {
        inside: args.inside.clone(),
        against: args.vs.clone(),
        n: args.n,
        importance_samples: args.importance_samples,
        seed: args.seed,
        drawn: Vec::new(),
    };
    check_options(&options)?;
    // Refused before any scoring, so a wrong path costs nothing.
    if let Some(path) = &args.csv {
        check_csv_target(path)?;
    }
    let mut progress = super::progress_printer();
    let report = score_sets(&args.checkpoint, &options, &device.device, data_dir, &mut progress)?;
    if let Some(path) = &args.csv {
        // Again: the file may have appeared while the sets were scored.
        check_csv_target(path)?;
        write_atomic(path, report.to_csv().as_bytes())?;
        let rows: usize = std::iter::once(&report.inside).chain(&report.sets).map(|s| s.scores.len()).sum();
        eprintln!("genlab: wrote {rows} images' scores to {}", path.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        print!("{}", report.to_table());
    }
    Ok(())
}

/// `--csv` writes a new file or replaces one that `genlab ood` wrote (its first line is
/// `CSV_HEADER`); any other file, a folder or a link there is refused and left alone.
fn check_csv_target(path: &Path) -> Result<(), String> {
    let refuse = |what: &str| {
        Err(format!("{}: {what}; --csv writes a new file or replaces a CSV that genlab ood wrote, never anything else", path.display()))
    };
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: cannot look at this file ({e})", path.display())),
        Ok(meta) if meta.is_dir() => refuse("this is a folder"),
        Ok(meta) if !meta.is_file() => refuse("this exists and is not a plain file"),
        Ok(_) => {
            let mut head = Vec::new();
            std::fs::File::open(path)
                .and_then(|file| file.take(CSV_HEADER.len() as u64 + 2).read_to_end(&mut head))
                .map_err(|e| format!("{}: cannot read ({e})", path.display()))?;
            if String::from_utf8_lossy(&head).lines().next() == Some(CSV_HEADER) {
                Ok(())
            } else {
                refuse("this file exists and is not a CSV genlab ood wrote")
            }
        }
    }
}
