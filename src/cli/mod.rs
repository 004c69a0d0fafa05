//! The command line: `genlab` (the window), `genlab train`, `genlab sample`, `genlab bench`.
//! Errors are printed once, naming the file and the problem, and the exit status is non-zero.

mod bench;
mod sample;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Measure training steps/s and latent-decode latency.
    Bench(bench::BenchArgs),
}

/// Parses the arguments and runs; the binary's `main` is just this.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None | Some(Commands::Gui) => crate::gui::run(cli.device, cli.data_dir),
        Some(Commands::Train(args)) => train::run(&args, &headless_device(cli.device), cli.data_dir.as_deref()),
        Some(Commands::Sample(args)) => sample::run(&args, &headless_device(cli.device)),
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
