//! `genlab train`: headless training through the same worker protocol the GUI uses.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;

use crate::data::{DatasetId, ImageDatasetId};
use crate::device::ComputeDevice;
use crate::export::{save_grid_png, save_scatter_png};
use crate::limits::{check_alloc, check_range, check_real};
use crate::models::{DataKind, DataShape, FamilyKind, Settings};
use crate::train::checkpoint::{OutFolder, check_out_folder, write_atomic};
use crate::train::{Command, Event, LossHistory, Samples, TrainData, WorkerOptions, spawn};

use super::DatasetArg;

#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    #[arg(long, value_enum, default_value_t = crate::models::vae::KIND)]
    pub family: FamilyKind,
    /// Images (mnist, fashion, shapes, folder), 2-D toys (ring8, grid25…) or text.
    #[arg(long, value_enum, default_value_t = DatasetArg::Mnist)]
    pub dataset: DatasetArg,
    /// Number of optimisation steps (default: each family's, e.g. 2000 for the VAE, 3000 for
    /// the 2-D GAN and DCGAN, 3000 for diffusion, 2000 for PixelCNN, 3000 for the character model).
    #[arg(long)]
    pub steps: Option<u32>,
    /// Output folder: the checkpoint, losses.csv and samples.png.
    #[arg(long)]
    pub out: PathBuf,
    /// Examples per step (default: 128 for the VAE, 256 for 2-D models, 64 for DCGAN, 32 for the UNet).
    #[arg(long)]
    pub batch_size: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Character model: a UTF-8 text file to learn (default: the built-in Shakespeare).
    #[arg(long)]
    pub text: Option<PathBuf>,
    /// What shapes the model; each family takes some of these (`genlab train --family F
    /// --help-flags`… see the error a flag that does not apply gives).
    #[command(flatten)]
    pub settings: Settings,
    /// The flags given on the command line (their `Settings` names), filled in after parsing:
    /// a flag the chosen family does not take is refused.
    #[arg(skip)]
    pub given: Vec<String>,
}

/// The most examples per step (the trainer's limit, also for a batch size changed live).
pub use crate::train::MAX_BATCH;
/// The most optimisation steps one command runs (a week of the UNet on 2 cores).
pub const MAX_STEPS: u32 = 10_000_000;

/// The flags that are plain numbers, checked before anything is loaded or built; the sizes of
/// the networks are checked by each family's configuration.
fn check_flags(args: &TrainArgs) -> Result<(), String> {
    if let Some(steps) = args.steps {
        check_range("--steps", steps as usize, 1, MAX_STEPS as usize)?;
    }
    if let Some(batch) = args.batch_size {
        check_range("--batch-size", batch, 1, MAX_BATCH)?;
    }
    // Named by their flag here; every other setting is checked, with its limit, by the
    // family's configuration before a network is built.
    for (name, value) in [("--lr", args.settings.lr), ("--lr-d", args.settings.lr_d)] {
        if let Some(lr) = value {
            check_real(name, lr, 1e-8, 1.0)?;
        }
    }
    let entry = args.family.entry();
    let foreign: Vec<String> = args
        .given
        .iter()
        .filter(|name| is_setting(name) && !entry.flags.contains(&name.as_str()))
        .map(|name| format!("--{}", name.replace('_', "-")))
        .collect();
    if !foreign.is_empty() {
        return Err(format!(
            "{} {} not apply to the {}, which takes {} (besides --dataset, --steps, --out, --batch-size and --seed)",
            foreign.join(", "),
            if foreign.len() == 1 { "does" } else { "do" },
            entry.in_sentence(),
            args.family.flag_names().join(", ")
        ));
    }
    if args.text.is_some() && !entry.data.contains(&DataKind::Text) {
        return Err(format!("--text is for a text model (--family charlm); the {} trains on {}", entry.in_sentence(), kinds(entry.data)));
    }
    Ok(())
}

/// Whether `name` is one of the model settings (not a flag every family takes).
fn is_setting(name: &str) -> bool {
    use clap::CommandFactory;
    #[derive(clap::Parser)]
    struct Only {
        #[command(flatten)]
        settings: Settings,
    }
    Only::command().get_arguments().any(|a| a.get_id().as_str() == name)
}

fn kinds(data: &[DataKind]) -> String {
    data.iter().map(|k| k.describe()).collect::<Vec<_>>().join(" or ")
}

pub fn run(args: &TrainArgs, device: &ComputeDevice, data_dir: Option<&Path>) -> Result<(), String> {
    check_flags(args)?;
    // Before any work: --out must be new, empty or an earlier genlab checkpoint.
    let out_kind = check_out_folder(&args.out)?;
    let entry = args.family.entry();
    // --dataset defaults to mnist; for a text model that means "not given".
    let text_model = entry.data == [DataKind::Text];
    let dataset = match args.dataset.id() {
        DatasetId::Images(ImageDatasetId::Mnist) if text_model => DatasetId::Text,
        DatasetId::Text if !text_model => {
            return Err(format!(
                "--dataset text is for a text model (--family charlm); the {} trains on {}",
                entry.in_sentence(),
                kinds(entry.data)
            ));
        }
        id => id,
    };
    let wanted = match dataset {
        DatasetId::Images(_) => DataKind::Images,
        DatasetId::Toy(_) => DataKind::Points,
        DatasetId::Text => DataKind::Text,
    };
    if !entry.data.contains(&wanted) {
        return Err(format!("the {} trains on {}: pick another --dataset", entry.in_sentence(), kinds(entry.data)));
    }
    let train_data = TrainData::load(dataset, data_dir, args.text.as_deref(), args.seed)?;
    let built = (entry.build)(&args.settings, &DataShape::of(&train_data), &device.device, args.seed)?;
    let train_data = match built.text_window {
        Some(window) => train_data.with_text_window(window)?,
        None => train_data,
    };
    match (&train_data, dataset) {
        (TrainData::Points { .. }, DatasetId::Toy(toy)) => eprintln!("genlab: data: {} ({})", toy.label(), train_data.describe()),
        _ => eprintln!("genlab: data: {}", train_data.describe()),
    }
    if let Some(note) = built.data_note {
        eprintln!("genlab: {note}");
    }
    // The real points drawn beside the samples in samples.png.
    let real_points: Vec<[f32; 2]> = match &train_data {
        TrainData::Points { points, .. } => points[..2000.min(points.len())].to_vec(),
        _ => Vec::new(),
    };
    let (family, steps, batch_size) = (built.model, built.steps, built.batch_size);
    let steps = args.steps.unwrap_or(steps);
    let batch_size = args.batch_size.unwrap_or(batch_size);
    let example_floats = match &train_data {
        TrainData::Images(data) => data.train.pixels_per_image(),
        TrainData::Points { .. } => 2,
        TrainData::Text { window, .. } => *window,
    };
    // Activations are many times the batch's inputs; this catches the absurd, not the tight.
    check_alloc(&format!("--batch-size {batch_size}"), batch_size as u128 * example_floats as u128, 4 * 64)?;
    let loader_device = device.device.clone();
    let options = WorkerOptions {
        seed: args.seed,
        batch_size,
        dataset: Some(dataset),
        // The text file a character model learnt, so a checkpoint says where its text came from.
        data_dir: if text_model { args.text.clone() } else { data_dir.map(Path::to_path_buf) },
        ..WorkerOptions::default()
    };
    let worker = spawn(family, train_data, options, Box::new(move |dir| crate::models::load_family(dir, &loader_device)), None);
    worker.send(Command::Step(steps));

    let mut history = LossHistory::default();
    let started = Instant::now();
    let mut last_print = Instant::now();
    let mut last_terms = Vec::new();
    let mut done = false;
    // A run that pauses on its own (divergence) is still saved before the command fails.
    let mut failure = None;
    let mut trained = 0u64;
    while !done {
        let Some(event) = worker.recv() else {
            return Err("the training thread stopped without saying why".into());
        };
        match event {
            Event::Ready { description, num_params, .. } => {
                eprintln!("genlab: model: {description}, {num_params} parameters");
            }
            Event::Losses { step, terms } => {
                history.push(step, &terms);
                trained = step;
                if last_print.elapsed() >= Duration::from_secs(2) || step == steps as u64 {
                    print_progress(step, steps, &terms, started.elapsed());
                    last_print = Instant::now();
                }
                last_terms = terms;
            }
            Event::Paused { reason: Some(reason) } => {
                failure = Some(reason);
                done = true;
            }
            Event::Paused { reason: None } => done = true,
            Event::Error(e) => return Err(e),
            _ => {}
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!("genlab: {trained} steps in {elapsed:.1} s ({:.1} steps/s)", trained as f64 / elapsed);
    if let Some((_, loss)) = last_terms.first() {
        eprintln!("genlab: final loss {loss:.3}");
    }

    // A failed run never replaces a checkpoint that was there: it is saved (its last good
    // weights) only into a new folder, for a look at what went wrong.
    let keep_old = failure.is_some() && out_kind == OutFolder::Checkpoint;
    if keep_old {
        worker.stop();
        let reason = failure.unwrap_or_default();
        return Err(format!(
            "training stopped early: {reason}\nThe checkpoint already in {} was kept as it was; \
             this run was not saved (give a new --out to keep it).",
            args.out.display()
        ));
    }
    worker.send(Command::Save(args.out.clone()));
    let n = if real_points.is_empty() { entry.preview_samples } else { 2000 };
    worker.send(Command::Sample { n, seed: args.seed, label: None });
    let mut samples = None;
    let mut saved = false;
    let waiting = Instant::now();
    let mut said_at = 0u64;
    while !(saved && samples.is_some()) {
        // Sampling takes as long as the device needs (a diffusion model on a weak GPU: minutes):
        // wait as long as the worker lives, and say what it is doing.
        match worker.recv_timeout(Duration::from_secs(5)) {
            Some(Event::Saved(_)) => saved = true,
            Some(Event::Samples { samples: s, .. }) => samples = Some(s),
            Some(Event::Error(e)) if !saved => return Err(e),
            Some(Event::Error(e)) => return Err(format!("the checkpoint was saved in {}, but {e}", args.out.display())),
            Some(_) => {}
            None if worker.is_alive() => {
                let secs = waiting.elapsed().as_secs();
                if secs >= said_at + 30 || said_at == 0 {
                    eprintln!("genlab: saved; drawing {n} samples for the preview ({secs} s so far)");
                    said_at = secs.max(1);
                }
            }
            None => return Err("the training thread stopped without saying why".into()),
        }
    }
    worker.stop();
    write_atomic(&args.out.join("losses.csv"), history.to_csv().as_bytes())?;
    match samples {
        Some(Samples::Images(batch)) => save_grid_png(&batch, 8, 3, &args.out.join("samples.png"))?,
        Some(Samples::Points(points)) => save_scatter_png(&points, &real_points, 480, &args.out.join("samples.png"))?,
        Some(Samples::Text(texts)) => super::sample::save_texts(&texts, &args.out.join("samples.txt"))?,
        None => {}
    }
    println!("{}", args.out.display());
    let file = if text_model { "samples.txt" } else { "samples.png" };
    eprintln!("genlab: wrote the checkpoint, losses.csv and {file} to {}", args.out.display());
    match failure {
        Some(reason) => Err(format!("training stopped early: {reason}")),
        None => Ok(()),
    }
}

fn print_progress(step: u64, total: u32, terms: &[(String, f64)], elapsed: Duration) {
    let terms: Vec<String> = terms.iter().map(|(n, v)| format!("{n} {v:.3}")).collect();
    let rate = step as f64 / elapsed.as_secs_f64().max(1e-9);
    eprintln!("step {step:>6}/{total}  {}  ({rate:.1} steps/s)", terms.join("  "));
}
