//! `genlab train-classifier`: trains the LeNet whose features the evaluation uses, and writes
//! it to --out (to retrain a shipped classifier, name its file in assets/classifier/; a rebuild embeds it).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use crate::data::{ImageDatasetId, load_images};
use crate::device::ComputeDevice;
use crate::models::classifier::{ClassifierConfig, TrainOptions, train_classifier};

#[derive(Args, Debug, Clone)]
pub struct TrainClassifierArgs {
    #[arg(long, value_enum)]
    pub dataset: ImageDatasetId,
    #[arg(long, default_value_t = 12)]
    pub epochs: usize,
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The weights file to write, e.g. runs/mnist-classifier.bpk (a .json with the test
    /// accuracy goes beside it). It may replace only an earlier classifier of genlab's
    /// (a .bpk with its .json); to retrain a shipped one, name it: assets/classifier/mnist.bpk.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &TrainClassifierArgs, device: &ComputeDevice, data_dir: Option<&Path>) -> Result<(), String> {
    crate::limits::check_range("--epochs", args.epochs, 1, 10_000)?;
    crate::limits::check_range("--batch-size", args.batch_size, 1, super::train::MAX_BATCH)?;
    check_classifier_out(&args.out)?;
    let data = load_images(args.dataset, data_dir)?;
    eprintln!("genlab: data: {} ({} train, {} test)", data.source, data.train.len(), data.test.len());
    let config = ClassifierConfig {
        width: data.train.width,
        height: data.train.height,
        num_classes: data.num_classes(),
        ..ClassifierConfig::default()
    };
    let options = TrainOptions { epochs: args.epochs, batch_size: args.batch_size, seed: args.seed };
    let started = Instant::now();
    let mut last_print = Instant::now();
    let mut progress = |p: &crate::models::classifier::TrainProgress| {
        if let Some(acc) = p.test_accuracy {
            eprintln!("epoch {:>3}/{}  test accuracy {:.2} %", p.epoch + 1, args.epochs, 100.0 * acc);
        } else if last_print.elapsed().as_secs_f64() >= 5.0 {
            let rate = p.step as f64 / started.elapsed().as_secs_f64();
            eprintln!("step {:>6}/{}  loss {:.4}  ({rate:.1} steps/s)", p.step, p.steps_total, p.loss);
            last_print = Instant::now();
        }
        true
    };
    let classifier = train_classifier(config, args.dataset.label(), &data, &options, &device.device, &mut progress)?;
    let out = args.out.clone();
    classifier.save(&out)?;
    eprintln!(
        "genlab: {:.2} % test accuracy on {} test images after {:.0} s; wrote {} and its .json",
        100.0 * classifier.info.test_accuracy,
        classifier.info.test_examples,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    println!("{}", out.display());
    Ok(())
}

/// `--out` must be a new file, or an earlier classifier of genlab's: a `.bpk` whose `.json`
/// describes a classifier. Anything else is the user's and is never written over.
fn check_classifier_out(out: &Path) -> Result<(), String> {
    if out.extension().and_then(|e| e.to_str()) != Some("bpk") {
        return Err(format!("{}: name the weights file with a .bpk extension (its .json goes beside it)", out.display()));
    }
    let info = out.with_extension("json");
    if !out.exists() && !info.exists() {
        return Ok(());
    }
    let genlab_info = crate::limits::read_file_capped(&info, crate::limits::files::JSON_BYTES)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|v| v.get("config").is_some() && v.get("test_accuracy").is_some());
    if out.is_file() && genlab_info {
        return Ok(());
    }
    Err(format!(
        "{}: already exists and is not a classifier genlab wrote (a .bpk with its .json); \
         genlab does not write over other files. Pick a new --out.",
        out.display()
    ))
}
