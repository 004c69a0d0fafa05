//! The command line: `genlab` (the window), `genlab train`, `sample`, `eval`, `metrics`,
//! `train-classifier`, `schedule` and `bench`.
//! Errors are printed once, naming the file and the problem, and the exit status is non-zero.

mod bench;
mod eval;
mod metrics;
mod sample;
mod schedule;
mod train;
mod train_classifier;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::data::{DatasetId, ImageDatasetId, ToyKind};
use crate::device::{ComputeDevice, DeviceChoice};

#[derive(Parser, Debug)]
#[command(name = "genlab", version, about = "Train every family of generative model live and look inside it")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Commands>,
    /// Where models compute: a real GPU when there is one (auto), or force cpu / gpu.
    #[arg(long, global = true, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// A folder with MNIST / Fashion-MNIST IDX files (.gz or raw).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Commands {
    /// Open the window (the default).
    Gui,
    /// Train a model headless: prints progress, writes losses.csv, samples.png and a checkpoint.
    Train(train::TrainArgs),
    /// Draw samples from a checkpoint into a PNG grid.
    Sample(sample::SampleArgs),
    /// Every metric defined for a checkpoint's family: FID, precision/recall, density/coverage,
    /// IS, likelihood, sampling time (cached in the checkpoint).
    Eval(eval::EvalArgs),
    /// FID, precision, recall, density and coverage of two feature CSV files.
    Metrics(metrics::MetricsArgs),
    /// Train the evaluation classifier (LeNet) whose features FID and PRDC use.
    TrainClassifier(train_classifier::TrainClassifierArgs),
    /// Print a diffusion noise schedule: t, β_t, ᾱ_t and SNR(t).
    Schedule(schedule::ScheduleArgs),
    /// Measure training steps/s and latent-decode latency, or (--metrics) the metrics' speed.
    Bench(bench::BenchArgs),
}

/// Parses the arguments and runs; the binary's `main` is just this.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None | Some(Commands::Gui) => crate::gui::run(cli.device, cli.data_dir),
        Some(Commands::Train(args)) => train::run(&args, &headless_device(cli.device), cli.data_dir.as_deref()),
        Some(Commands::Sample(args)) => sample::run(&args, &headless_device(cli.device)),
        Some(Commands::Eval(args)) => eval::run(&args, &headless_device(cli.device), cli.data_dir.as_deref()),
        Some(Commands::Metrics(args)) => metrics::run(&args),
        Some(Commands::TrainClassifier(args)) => {
            train_classifier::run(&args, &headless_device(cli.device), cli.data_dir.as_deref())
        }
        Some(Commands::Schedule(args)) => schedule::run(&args),
        Some(Commands::Bench(args)) => bench::run(&args, &headless_device(cli.device)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("genlab: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn headless_device(choice: DeviceChoice) -> ComputeDevice {
    let device = ComputeDevice::headless(choice);
    if let Some(warning) = &device.warning {
        eprintln!("genlab: warning: {warning}");
    }
    eprintln!("genlab: computing on {}", device.label);
    device
}

/// The datasets `--dataset` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DatasetArg {
    Mnist,
    Fashion,
    Shapes,
    /// The image folder given with --data-dir.
    Folder,
    Ring8,
    Grid25,
    TwoMoons,
    SwissRoll,
    Checkerboard,
    Spiral,
    /// Text for the character model: the built-in corpus, or the file given with --text.
    Text,
}

impl DatasetArg {
    pub fn id(self) -> DatasetId {
        match self {
            DatasetArg::Mnist => DatasetId::Images(ImageDatasetId::Mnist),
            DatasetArg::Fashion => DatasetId::Images(ImageDatasetId::Fashion),
            DatasetArg::Shapes => DatasetId::Images(ImageDatasetId::Shapes),
            DatasetArg::Folder => DatasetId::Images(ImageDatasetId::Folder),
            DatasetArg::Ring8 => DatasetId::Toy(ToyKind::Ring8),
            DatasetArg::Grid25 => DatasetId::Toy(ToyKind::Grid25),
            DatasetArg::TwoMoons => DatasetId::Toy(ToyKind::TwoMoons),
            DatasetArg::SwissRoll => DatasetId::Toy(ToyKind::SwissRoll),
            DatasetArg::Checkerboard => DatasetId::Toy(ToyKind::Checkerboard),
            DatasetArg::Spiral => DatasetId::Toy(ToyKind::Spiral),
            DatasetArg::Text => DatasetId::Text,
        }
    }
}
