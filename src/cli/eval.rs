//! `genlab eval`: every metric defined for a checkpoint's family, against real test data.

use std::path::PathBuf;

use clap::Args;

use crate::device::ComputeDevice;
use crate::eval::run::{MAX_EVAL_SAMPLES, check_options, check_sample_memory};
use crate::eval::{EvalOptions, cache, evaluate};
use crate::limits::check_range;

use super::DatasetArg;

#[derive(Args, Debug, Clone)]
pub struct EvalArgs {
    /// A checkpoint folder written by `genlab train` or the GUI.
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Samples to generate (and real training examples for the baseline row); for a character
    /// model, the most held-out windows to score.
    #[arg(long, default_value_t = 10_000)]
    pub n: usize,
    /// k of the k-nearest-neighbour balls (precision, recall, density, coverage).
    #[arg(long, default_value_t = 5)]
    pub k: usize,
    /// k of the importance-weighted likelihood bound (Burda et al. 2016); for diffusion, the
    /// timesteps of its variational bound visited per image (Ho et al. 2020 eq. 5; at most 500
    /// test images, each k + 1 network passes).
    #[arg(long, default_value_t = 64)]
    pub importance_samples: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The dataset, when the checkpoint does not record it (or to evaluate on another).
    #[arg(long, value_enum)]
    pub dataset: Option<DatasetArg>,
    /// A classifier .bpk written by `genlab train-classifier --out` instead of the shipped one.
    #[arg(long)]
    pub classifier: Option<PathBuf>,
    /// Recompute even when the checkpoint holds a cached result for these options.
    #[arg(long)]
    pub no_cache: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &EvalArgs, device: &ComputeDevice, data_dir: Option<&std::path::Path>) -> Result<(), String> {
    // --n first: it is the one flag a character model's evaluation reads.
    check_range("--n", args.n, 1, MAX_EVAL_SAMPLES)?;
    let options = EvalOptions {
        n: args.n,
        k: args.k,
        importance_samples: args.importance_samples,
        seed: args.seed,
        dataset: args.dataset.map(DatasetArg::id),
        classifier: args.classifier.clone(),
        ..EvalOptions::default()
    };
    if crate::eval::run::checkpoint_dataset(&args.checkpoint, &options)? == crate::data::DatasetId::Text {
        let report = crate::eval::text::evaluate_text(&args.checkpoint, &options, &device.device)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
        } else {
            print!("{}", report.to_table());
        }
        return Ok(());
    }
    check_options(&options)?;
    check_sample_memory(&args.checkpoint, options.n)?;
    // Keyed by the data too: another --data-dir (or changed data files) recomputes.
    let cached = if args.no_cache { None } else { cache::load_with_data(&args.checkpoint, &options, data_dir) };
    let report = match cached {
        Some(report) => {
            eprintln!("genlab: using the cached evaluation in {} (--no-cache recomputes)", args.checkpoint.display());
            report
        }
        None => {
            let mut progress = super::progress_printer();
            let report = evaluate(&args.checkpoint, &options, &device.device, data_dir, &mut progress)?;
            if let Err(e) = cache::store_with_data(&args.checkpoint, &options, data_dir, &report) {
                eprintln!("genlab: warning: could not cache the result: {e}");
            }
            report
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        print!("{}", report.to_table());
    }
    Ok(())
}
