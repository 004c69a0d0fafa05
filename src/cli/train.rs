//! `genlab train`: headless training through the same worker protocol the GUI uses.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use crate::data::{load_images, DatasetId, ImageDatasetId};
use crate::device::ComputeDevice;
use crate::export::{save_grid_png, save_scatter_png};
use crate::models::diffusion::{DiffusionConfig, DiffusionFamily, Prediction, ScheduleKind};
use crate::data::text::{builtin_corpus, load_text_file};
use crate::models::charlm::{CharLmConfig, CharLmFamily};
use crate::models::flow::{FlowConfig, FlowFamily};
use crate::models::gan::{GanConfig, GanFamily, Objective};
use crate::models::gmmn::{GmmnConfig, GmmnFamily};
use crate::models::rbm::{RbmConfig, RbmFamily};
use crate::models::pixelcnn::{PixelCnnConfig, PixelCnnFamily};
use crate::models::vae::{Likelihood, VaeArch, VaeConfig, VaeFamily};
use crate::rng::Rng;
use crate::models::{load_family, FamilyKind};
use crate::limits::{check_alloc, check_range, check_real};
use crate::train::checkpoint::{check_out_folder, write_atomic, OutFolder};
use crate::train::{spawn, Command, Event, Family, LossHistory, Samples, TrainData, WorkerOptions};

use super::DatasetArg;

/// Points drawn once from a 2-D toy as the training set (fresh batches come from these).
const TOY_TRAIN_POINTS: usize = 50_000;

#[derive(Args, Debug, Clone)]
pub struct TrainArgs {
    #[arg(long, value_enum, default_value_t = FamilyKind::Vae)]
    pub family: FamilyKind,
    /// Images for the VAE (mnist, fashion, shapes, folder), 2-D toys for the GAN (ring8, grid25…).
    #[arg(long, value_enum, default_value_t = DatasetArg::Mnist)]
    pub dataset: DatasetArg,
    /// Number of optimisation steps (default: 2000 for the VAE, 3000 for the 2-D GAN, 3000
    /// for DCGAN, 3000 for 2-D diffusion, 3000 for the diffusion UNet, 2000 for PixelCNN,
    /// 3000 for the character model).
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
    #[arg(long, value_enum, default_value_t = VaeArch::Mlp)]
    pub arch: VaeArch,
    /// Size of z (default: 2 for the VAE and the 2-D GAN, 64 for DCGAN).
    #[arg(long)]
    pub latent_dim: Option<usize>,
    /// Hidden width (default: 400 for the VAE, 128 for the 2-D GAN, 64 for the 2-D flow and 256
    /// on images, 128 hidden units for the RBM).
    #[arg(long)]
    pub hidden: Option<usize>,
    #[arg(long, default_value_t = 1.0)]
    pub beta: f64,
    #[arg(long, value_enum, default_value_t = Likelihood::Bernoulli)]
    pub likelihood: Likelihood,
    /// Condition on the class label (CVAE, or the class-conditional DCGAN).
    #[arg(long)]
    pub conditional: bool,
    /// Learning rate (both players' for the GAN; default 1e-3, 2e-4 for DCGAN).
    #[arg(long)]
    pub lr: Option<f64>,
    /// The GAN's game.
    #[arg(long, value_enum, default_value_t = Objective::NonSaturating)]
    pub objective: Objective,
    /// The GAN discriminator's learning rate, when it differs from the generator's (--lr).
    #[arg(long)]
    pub lr_d: Option<f64>,
    /// The GAN's discriminator steps per generator step.
    #[arg(long)]
    pub d_steps: Option<usize>,
    /// The GAN's one-sided label smoothing ε (real targets 1 − ε).
    #[arg(long)]
    pub label_smoothing: Option<f64>,
    /// Adam's β1 for both GAN players.
    #[arg(long)]
    pub beta1: Option<f64>,
    /// Diffusion: the noise schedule.
    #[arg(long, value_enum, default_value_t = ScheduleKind::Linear)]
    pub schedule: ScheduleKind,
    /// Diffusion: T, the number of noising steps.
    #[arg(long, default_value_t = 1000)]
    pub timesteps: usize,
    /// Diffusion: what the network predicts.
    #[arg(long, value_enum, default_value_t = Prediction::Epsilon)]
    pub prediction: Prediction,
    /// Diffusion: the UNet's base width C (levels C, 2C, 4C; a multiple of 8). PixelCNN: the
    /// feature maps per layer (default 64).
    #[arg(long)]
    pub channels: Option<usize>,
    /// PixelCNN: residual mask-B layers (default 6). Character model: transformer blocks
    /// (default 3). Flow: coupling layers (default 8 on 2-D, 6 on images).
    #[arg(long)]
    pub layers: Option<usize>,
    /// RBM: Gibbs steps per update (CD-k; default 1).
    #[arg(long)]
    pub k: Option<usize>,
    /// RBM: plain contrastive divergence (chains restart at the data each update) instead of
    /// the default persistent chains (PCD, Tieleman 2008).
    #[arg(long)]
    pub cd: bool,
    /// Character model: a UTF-8 text file to learn (default: the built-in Shakespeare).
    #[arg(long)]
    pub text: Option<PathBuf>,
    /// Character model: the context length T (default 64).
    #[arg(long)]
    pub block_size: Option<usize>,
    /// Character model: the residual width (default 128).
    #[arg(long)]
    pub d_model: Option<usize>,
    /// Character model: attention heads per layer (default 4).
    #[arg(long)]
    pub heads: Option<usize>,
    /// Diffusion: Min-SNR-γ loss weighting (Hang et al. 2023); default 5 for the UNet, off for
    /// 2-D; 0 turns it off.
    #[arg(long)]
    pub min_snr: Option<f64>,
    /// Diffusion: sample from an exponential moving average of the weights with this decay
    /// (e.g. 0.999; 0 turns it off).
    #[arg(long)]
    pub ema: Option<f64>,
}

impl TrainArgs {
    pub fn vae_config(&self, num_classes: usize, width: usize, height: usize) -> VaeConfig {
        VaeConfig {
            arch: self.arch,
            latent_dim: self.latent_dim.unwrap_or(2),
            hidden: self.hidden.unwrap_or(400),
            beta: self.beta,
            likelihood: self.likelihood,
            conditional: self.conditional,
            num_classes,
            width,
            height,
            learning_rate: self.lr.unwrap_or(1e-3),
            ..VaeConfig::default()
        }
    }

    /// The diffusion model's configuration: `base` (2-D MLP or UNet defaults) with the flags given.
    pub fn diffusion_config(&self, base: DiffusionConfig) -> DiffusionConfig {
        DiffusionConfig {
            hidden: self.hidden.unwrap_or(base.hidden),
            channels: self.channels.unwrap_or(base.channels),
            schedule: self.schedule,
            timesteps: self.timesteps,
            prediction: self.prediction,
            learning_rate: self.lr.unwrap_or(base.learning_rate),
            // --min-snr 0 turns the weighting off.
            min_snr_gamma: match self.min_snr {
                Some(g) if g <= 0.0 => None,
                Some(g) => Some(g),
                None => base.min_snr_gamma,
            },
            ema_decay: match self.ema {
                Some(d) if d <= 0.0 => None,
                Some(d) => Some(d),
                None => base.ema_decay,
            },
            ..base
        }
    }

    /// The PixelCNN's configuration for images of this size, with the flags given.
    pub fn pixelcnn_config(&self, width: usize, height: usize, num_classes: usize) -> PixelCnnConfig {
        let base = PixelCnnConfig::default();
        PixelCnnConfig {
            width,
            height,
            channels: self.channels.unwrap_or(base.channels),
            layers: self.layers.unwrap_or(base.layers),
            conditional: self.conditional,
            num_classes,
            learning_rate: self.lr.unwrap_or(base.learning_rate),
            ..base
        }
    }

    /// The character model's configuration for this vocabulary, with the flags given.
    pub fn charlm_config(&self, vocab: Vec<char>) -> CharLmConfig {
        let base = CharLmConfig::default();
        CharLmConfig {
            vocab,
            block_size: self.block_size.unwrap_or(base.block_size),
            d_model: self.d_model.unwrap_or(base.d_model),
            heads: self.heads.unwrap_or(base.heads),
            layers: self.layers.unwrap_or(base.layers),
            learning_rate: self.lr.unwrap_or(base.learning_rate),
            ..base
        }
    }

    /// The GAN's configuration: `base` (2-D MLP or DCGAN defaults) with the flags given.
    pub fn gan_config(&self, base: GanConfig) -> GanConfig {
        GanConfig {
            latent_dim: self.latent_dim.unwrap_or(base.latent_dim),
            hidden: self.hidden.unwrap_or(base.hidden),
            conditional: self.conditional,
            objective: self.objective,
            lr_g: self.lr.unwrap_or(base.lr_g),
            lr_d: self.lr_d.or(self.lr).unwrap_or(base.lr_d),
            d_steps: self.d_steps.unwrap_or(base.d_steps),
            label_smoothing: self.label_smoothing.unwrap_or(base.label_smoothing),
            beta1: self.beta1.unwrap_or(base.beta1),
            ..base
        }
    }
}

/// The most examples per step: far above every default (32-256), and the batch's memory is
/// checked against this machine's as well.
pub const MAX_BATCH: usize = 4096;
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
    for (name, value) in [("--lr", args.lr), ("--lr-d", args.lr_d)] {
        if let Some(lr) = value {
            check_real(name, lr, 1e-8, 1.0)?;
        }
    }
    if args.text.is_some() && args.family != FamilyKind::Charlm {
        return Err("--text is for --family charlm".into());
    }
    Ok(())
}

pub fn run(args: &TrainArgs, device: &ComputeDevice, data_dir: Option<&Path>) -> Result<(), String> {
    check_flags(args)?;
    // Before any work: --out must be new, empty or an earlier genlab checkpoint.
    let out_kind = check_out_folder(&args.out)?;
    let dataset = args.dataset.id();
    let (family, train_data, real_points, steps, batch_size): (Box<dyn Family>, TrainData, Vec<[f32; 2]>, u32, usize) =
        match (args.family, dataset) {
            (FamilyKind::Vae | FamilyKind::Autoencoder, DatasetId::Images(id)) => {
                let data = Arc::new(load_images(id, data_dir)?);
                eprintln!("genlab: data: {} ({} train, {} test)", data.source, data.train.len(), data.test.len());
                let config = args.vae_config(data.num_classes(), data.train.width, data.train.height);
                let config = if args.family == FamilyKind::Autoencoder { crate::models::autoencoder::plain(config) } else { config };
                let family = VaeFamily::new(config, &device.device, args.seed)?;
                (Box::new(family), TrainData::Images(data), Vec::new(), 2000, 128)
            }
            (FamilyKind::Gan, DatasetId::Toy(toy)) => {
                let (points, labels) = toy.sample(TOY_TRAIN_POINTS, &mut Rng::new(args.seed ^ 0x7EA1));
                eprintln!("genlab: data: {} ({TOY_TRAIN_POINTS} points)", toy.label());
                let config = args.gan_config(GanConfig::default());
                let (steps, batch) = (config.default_steps(), config.default_batch_size());
                let real = points[..2000].to_vec();
                let data = TrainData::Points { points: Arc::new(points), labels: Arc::new(labels) };
                (Box::new(GanFamily::new(config, &device.device, args.seed)?), data, real, steps, batch)
            }
            (FamilyKind::Gan, DatasetId::Images(id)) => {
                let data = Arc::new(load_images(id, data_dir)?);
                eprintln!("genlab: data: {} ({} train, {} test)", data.source, data.train.len(), data.test.len());
                let base = GanConfig::dcgan(data.train.width, data.train.height, data.num_classes(), args.conditional);
                let config = args.gan_config(base);
                let (steps, batch) = (config.default_steps(), config.default_batch_size());
                (Box::new(GanFamily::new(config, &device.device, args.seed)?), TrainData::Images(data), Vec::new(), steps, batch)
            }
            (FamilyKind::Diffusion, DatasetId::Toy(toy)) => {
                let (points, labels) = toy.sample(TOY_TRAIN_POINTS, &mut Rng::new(args.seed ^ 0x7EA1));
                eprintln!("genlab: data: {} ({TOY_TRAIN_POINTS} points)", toy.label());
                let base = DiffusionConfig { conditional: args.conditional, num_classes: toy.num_classes(), ..DiffusionConfig::default() };
                let config = args.diffusion_config(base);
                let (steps, batch) = (config.default_steps(), config.default_batch_size());
                let real = points[..2000].to_vec();
                let data = TrainData::Points { points: Arc::new(points), labels: Arc::new(labels) };
                (Box::new(DiffusionFamily::new(config, &device.device, args.seed)?), data, real, steps, batch)
            }
            (FamilyKind::Diffusion, DatasetId::Images(id)) => {
                let data = Arc::new(load_images(id, data_dir)?);
                eprintln!("genlab: data: {} ({} train, {} test)", data.source, data.train.len(), data.test.len());
                let base = DiffusionConfig::unet(data.train.width, data.train.height, data.num_classes(), args.conditional);
                let config = args.diffusion_config(base);
                let (steps, batch) = (config.default_steps(), config.default_batch_size());
                (Box::new(DiffusionFamily::new(config, &device.device, args.seed)?), TrainData::Images(data), Vec::new(), steps, batch)
            }
            (FamilyKind::Flow | FamilyKind::Gmmn, DatasetId::Toy(toy)) => {
                let (points, labels) = toy.sample(TOY_TRAIN_POINTS, &mut Rng::new(args.seed ^ 0x7EA1));
                eprintln!("genlab: data: {} ({TOY_TRAIN_POINTS} points)", toy.label());
                let real = points[..2000].to_vec();
                let data = TrainData::Points { points: Arc::new(points), labels: Arc::new(labels) };
                let (family, steps, batch): (Box<dyn Family>, u32, usize) = if args.family == FamilyKind::Flow {
                    let config = FlowConfig { couplings: args.layers.unwrap_or(8), hidden: args.hidden.unwrap_or(64), learning_rate: args.lr.unwrap_or(1e-3), ..FlowConfig::default() };
                    let (s, b) = (config.default_steps(), config.default_batch_size());
                    (Box::new(FlowFamily::new(config, &device.device, args.seed)?), s, b)
                } else {
                    let base = GmmnConfig::default();
                    let config = GmmnConfig { latent_dim: args.latent_dim.unwrap_or(base.latent_dim), learning_rate: args.lr.unwrap_or(base.learning_rate), ..base };
                    let (s, b) = (config.default_steps(), config.default_batch_size());
                    (Box::new(GmmnFamily::new(config, &device.device, args.seed)?), s, b)
                };
                (family, data, real, steps, batch)
            }
            (FamilyKind::Flow | FamilyKind::Gmmn | FamilyKind::Rbm, DatasetId::Images(id)) => {
                let data = Arc::new(load_images(id, data_dir)?);
                eprintln!("genlab: data: {} ({} train, {} test)", data.source, data.train.len(), data.test.len());
                let (w, h) = (data.train.width, data.train.height);
                let (family, steps, batch): (Box<dyn Family>, u32, usize) = match args.family {
                    FamilyKind::Flow => {
                        let base = FlowConfig::images(w, h);
                        let config = FlowConfig { couplings: args.layers.unwrap_or(base.couplings), hidden: args.hidden.unwrap_or(base.hidden), learning_rate: args.lr.unwrap_or(base.learning_rate), ..base };
                        let (s, b) = (config.default_steps(), config.default_batch_size());
                        (Box::new(FlowFamily::new(config, &device.device, args.seed)?), s, b)
                    }
                    FamilyKind::Gmmn => {
                        let base = GmmnConfig::images(w, h);
                        let config = GmmnConfig { latent_dim: args.latent_dim.unwrap_or(base.latent_dim), learning_rate: args.lr.unwrap_or(base.learning_rate), ..base };
                        let (s, b) = (config.default_steps(), config.default_batch_size());
                        (Box::new(GmmnFamily::new(config, &device.device, args.seed)?), s, b)
                    }
                    _ => {
                        eprintln!("genlab: binarized at 0.5");
                        let base = RbmConfig::default();
                        let config = RbmConfig {
                            width: w,
                            height: h,
                            hidden: args.hidden.unwrap_or(base.hidden),
                            k: args.k.unwrap_or(base.k),
                            persistent: !args.cd,
                            learning_rate: args.lr.unwrap_or(base.learning_rate),
                        };
                        let (s, b) = (config.default_steps(), config.default_batch_size());
                        (Box::new(RbmFamily::new(config, &device.device, args.seed)?), s, b)
                    }
                };
                (family, TrainData::Images(data), Vec::new(), steps, batch)
            }
            (FamilyKind::Rbm, DatasetId::Toy(_)) => {
                return Err("the RBM models binarized images: pick --dataset mnist, fashion, shapes or folder".into())
            }
            (FamilyKind::Pixelcnn, DatasetId::Images(id)) => {
                let data = Arc::new(load_images(id, data_dir)?);
                eprintln!("genlab: data: {} ({} train, {} test), binarized at 0.5", data.source, data.train.len(), data.test.len());
                let config = args.pixelcnn_config(data.train.width, data.train.height, data.num_classes());
                let (steps, batch) = (config.default_steps(), config.default_batch_size());
                (Box::new(PixelCnnFamily::new(config, &device.device, args.seed)?), TrainData::Images(data), Vec::new(), steps, batch)
            }
            (FamilyKind::Charlm, DatasetId::Text) | (FamilyKind::Charlm, DatasetId::Images(ImageDatasetId::Mnist)) => {
                // --dataset defaults to mnist; for the character model that means "not given".
                let text = Arc::new(match &args.text {
                    Some(path) => load_text_file(path)?,
                    None => builtin_corpus(),
                });
                eprintln!(
                    "genlab: data: {} ({} train, {} test characters, {} distinct; unigram entropy {:.3} nats/char)",
                    text.source,
                    text.train.len(),
                    text.test.len(),
                    text.vocab.len(),
                    text.unigram_entropy()
                );
                let config = args.charlm_config(text.vocab.clone());
                let (steps, batch, window) = (config.default_steps(), config.default_batch_size(), config.block_size + 1);
                if text.train.len() < window {
                    return Err(format!("{}: the training text is shorter than one context of {window} characters", text.source));
                }
                let family = CharLmFamily::new(config, &device.device, args.seed)?;
                (Box::new(family), TrainData::Text { text, window }, Vec::new(), steps, batch)
            }
            (FamilyKind::Charlm, _) => {
                return Err("the character model trains on text: give --text FILE, or --dataset text for the built-in corpus".into())
            }
            (_, DatasetId::Text) => {
                return Err(format!("--dataset text is for --family charlm; the {} trains on images or 2-D points", args.family.label()))
            }
            (FamilyKind::Pixelcnn, DatasetId::Toy(_)) => {
                return Err("PixelCNN models binarized images: pick --dataset mnist, fashion, shapes or folder".into())
            }
            (FamilyKind::Vae | FamilyKind::Autoencoder, DatasetId::Toy(_)) => {
                return Err("the VAE and the autoencoder train on images: pick --dataset mnist, fashion, shapes or folder".into())
            }
        };
    let dataset = if args.family == FamilyKind::Charlm { DatasetId::Text } else { dataset };
    let steps = args.steps.unwrap_or(steps);
    if steps == 0 {
        return Err("--steps must be at least 1".into());
    }
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
        data_dir: if args.family == FamilyKind::Charlm { args.text.clone() } else { data_dir.map(Path::to_path_buf) },
        ..WorkerOptions::default()
    };
    let worker = spawn(
        family,
        train_data,
        options,
        Box::new(move |dir| load_family(dir, &loader_device)),
        None,
    );
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
    let n = match args.family {
        _ if !real_points.is_empty() => 2000,
        FamilyKind::Charlm => 4,
        // Pixel by pixel: 784 network passes per batch.
        FamilyKind::Pixelcnn => 16,
        _ => 64,
    };
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
    let file = if args.family == FamilyKind::Charlm { "samples.txt" } else { "samples.png" };
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
