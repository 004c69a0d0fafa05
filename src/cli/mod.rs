//! The command line: `genlab` (the window), `genlab train`, `sample`, `eval`, `metrics`,
//! `train-classifier`, `schedule` and `bench`.
//! Errors are printed once, naming the file and the problem, and the exit status is non-zero.

mod bench;
mod eval;
mod inpaint;
mod metrics;
mod ood;
mod sample;
mod schedule;
mod train;
mod train_classifier;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

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
    #[command(after_help = "Limits (checked before anything is built): --steps 1-10,000,000; --batch-size 1-4,096; \
--lr 1e-8-1; image sides up to 256; --hidden up to 8,192; --channels up to 1,024; --layers up to 64 \
(PixelCNN/flow less); --latent-dim up to 64 for the VAE, 1,024 otherwise; --timesteps up to 10,000; for the \
VQ-VAE --codebook 16-512, --commitment 0-2, --ema 0 or 0.5-0.9999 and --restart-every 0-100,000; and no \
network or batch larger than half of this machine's memory. --out must be a new or empty folder or an \
earlier genlab checkpoint; other files are never written over.")]
    Train(train::TrainArgs),
    /// Draw samples from a checkpoint into a PNG grid.
    #[command(after_help = "Limits: --n 1-10,000 (and within half of this machine's memory); --steps 1-10,000; \
--eta 0-1; --guidance 0-20; --temperature 0-100; --top-p above 0, at most 1; --length 1-100,000; \
--label only for a class-conditional model, and one of its classes.")]
    Sample(sample::SampleArgs),
    /// Every metric defined for a checkpoint's family: FID, precision/recall, density/coverage,
    /// IS, likelihood, sampling time (cached in the checkpoint).
    #[command(after_help = "Limits: --n 1-50,000 (and within half of this machine's memory); --k 1-100 and below \
--n; --importance-samples 1-5,000. The cache is keyed by the checkpoint, the options and the data it was \
measured on.")]
    Eval(eval::EvalArgs),
    /// How well a checkpoint's likelihood tells its own test images from other sets (noise,
    /// constant, flipped, inverted, another dataset, your folder): mean NLL and AUROC, raw and
    /// corrected for input complexity (Serrà et al. 2020).
    #[command(after_help = "Limits: --n 1-50,000 per set (and within half of this machine's memory); --importance-samples \
1-5,000; up to 16 --vs sets, each named once. Families with a likelihood: VAE, PixelCNN, flow (trained on images). \
--csv writes a new file or replaces one genlab ood wrote; other files are never written over.")]
    Ood(ood::OodArgs),
    /// FID, precision, recall, density and coverage of two feature CSV files.
    #[command(after_help = "Limits: files up to 512 MiB, up to 4,096 columns, values finite and at most 1e50 in \
size; --k at least 1 and below the smaller file's row count.")]
    Metrics(metrics::MetricsArgs),
    /// Train the evaluation classifier (LeNet) whose features FID and PRDC use.
    TrainClassifier(train_classifier::TrainClassifierArgs),
    /// Print a diffusion noise schedule: t, β_t, ᾱ_t and SNR(t).
    Schedule(schedule::ScheduleArgs),
    /// Measure training steps/s and latent-decode latency, or (--metrics) the metrics' speed.
    Bench(bench::BenchArgs),
    /// Hide part of the first test images and let a checkpoint's model fill it in: a PNG grid
    /// of originals, masked inputs and completions, and the error on the hidden pixels.
    #[command(after_help = "Limits: --n 1-1,000 (the first test images; and within half of this machine's memory); \
--mask random:FRACTION with FRACTION in 0-1; --resamplings 1-100 and --jump 1-10,000 (diffusion only). --out must be \
a new .png file or a grid genlab inpaint wrote; other files are never written over.")]
    Inpaint(inpaint::InpaintArgs),
}

/// Parses the arguments and runs; the binary's `main` is just this.
pub fn main() -> ExitCode {
    let matches = Cli::command().mut_subcommand("train", with_family_flags).get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let (Some(Commands::Train(args)), Some(("train", train))) = (&mut cli.command, matches.subcommand()) {
        args.given = given_on_command_line(train);
    }
    if !matches!(cli.command, None | Some(Commands::Gui)) {
        end_quietly_on_a_closed_pipe();
    }
    let result = match cli.command {
        None | Some(Commands::Gui) => crate::gui::run(cli.device, cli.data_dir),
        Some(Commands::Train(args)) => train::run(&args, &headless_device(cli.device), cli.data_dir.as_deref()),
        Some(Commands::Sample(args)) => sample::run(&args, &headless_device(cli.device)),
        Some(Commands::Eval(args)) => eval::run(&args, &headless_device(cli.device), cli.data_dir.as_deref()),
        Some(Commands::Ood(args)) => ood::run(&args, &headless_device(cli.device), cli.data_dir.as_deref()),
        Some(Commands::Metrics(args)) => metrics::run(&args),
        Some(Commands::TrainClassifier(args)) => train_classifier::run(&args, &headless_device(cli.device), cli.data_dir.as_deref()),
        Some(Commands::Schedule(args)) => schedule::run(&args),
        Some(Commands::Bench(args)) => bench::run(&args, &headless_device(cli.device)),
        Some(Commands::Inpaint(args)) => inpaint::run(&args, &headless_device(cli.device), cli.data_dir.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("genlab: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A command whose output is cut short (`genlab bench | head`) ends as other command-line tools
/// do, silently: Rust ignores SIGPIPE, which turned the closed pipe into a panic in `println!`.
/// Files genlab writes are unaffected (they are written whole and then renamed).
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `genlab train --help` ends with the settings each family takes, from the registry.
fn with_family_flags(train: clap::Command) -> clap::Command {
    let limits = train.get_after_help().map(|h| h.to_string()).unwrap_or_default();
    let families: Vec<String> =
        crate::models::FAMILIES.iter().map(|k| format!("  {:<12} {}", k.name(), k.flag_names().join(" "))).collect();
    train.after_help(format!(
        "{limits}\n\nSettings each family takes (any other is refused; every family takes --dataset, --steps, --out, \
         --batch-size and --seed):\n{}",
        families.join("\n")
    ))
}

/// The arguments the user gave on the command line (not defaults), by their ids.
fn given_on_command_line(matches: &clap::ArgMatches) -> Vec<String> {
    matches
        .ids()
        .filter(|id| matches.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine))
        .map(|id| id.as_str().to_string())
        .collect()
}

/// Progress of a long evaluation on stderr: each stage at 0 %, every quarter and 100 %.
fn progress_printer() -> impl FnMut(&str, f64) -> bool {
    let mut last = String::new();
    move |stage: &str, fraction: f64| {
        let line = format!("{stage} {:.0}%", 100.0 * fraction);
        if line != last && (fraction == 0.0 || fraction >= 1.0 || (100.0 * fraction) as u32 % 25 == 0) {
            eprintln!("genlab: {line}");
            last = line;
        }
        true
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
