//! `genlab train-classifier`: trains the LeNet whose features the evaluation uses, and writes
//! it (by default over the shipped weights in assets/classifier/, which a rebuild embeds).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use crate::data::{load_images, ImageDatasetId};
use crate::device::ComputeDevice;
use crate::models::classifier::{asset_stem, train_classifier, ClassifierConfig, TrainOptions};

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
    /// The weights file to write (a .json with the test accuracy goes beside it).
    /// Default: assets/classifier/<dataset>.bpk under the current folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &TrainClassifierArgs, device: &ComputeDevice, data_dir: Option<&Path>) -> Result<(), String> {
    if args.epochs == 0 || args.batch_size == 0 {
        return Err("--epochs and --batch-size must be at least 1".into());
    }
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
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("assets/classifier/{}.bpk", asset_stem(args.dataset))));
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
