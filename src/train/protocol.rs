//! The command/event protocol between a training worker and its clients (GUI, CLI, tests).

use std::path::PathBuf;

use super::family::{DrawnToken, GameSnapshot, ImageBatch, LossBucket, LossTerms, NextToken, Player, Samples, Trajectory};
use crate::models::charlm::SamplingSettings;

/// What a client asks the worker to do.
#[derive(Clone, Debug)]
pub enum Command {
    /// Train continuously until paused.
    Start,
    Pause,
    /// Run exactly `n` steps, then pause.
    Step(u32),
    /// Change a family hyper-parameter, or the trainer's own `batch_size`.
    SetHyper { name: String, value: f64 },
    /// Draw `n` samples with a seed (a chosen class for conditional models).
    Sample { n: usize, seed: u64, label: Option<u8> },
    /// Encode up to `n` test images for the latent map.
    Encode { n: usize },
    /// Decode latent points; `tag` comes back so the client can match answers to requests.
    Decode { tag: u64, z: Vec<f32>, n: usize, label: Option<u8> },
    /// Encode two test images and decode `steps` points between them.
    Interpolate { a: usize, b: usize, steps: usize, spherical: bool },
    /// Reconstruct `n` test images.
    Reconstruct { n: usize },
    /// Estimate the test-set likelihood (families with a likelihood view) on up to
    /// `max_examples` test images; `importance_samples` is k of a bound that has one.
    Likelihood { max_examples: usize, importance_samples: usize },
    /// One update of one player of a two-player game, on the next batch (the GAN lab).
    PlayerStep(Player),
    /// The GAN lab's picture: D at `field` points, and G's points and pulls for `n` latent
    /// rows `z`.
    Game { field: Vec<[f32; 2]>, z: Vec<f32>, n: usize },
    /// A diffusion model's sampling run with every step kept (the step-through).
    Trajectory { n: usize, seed: u64, label: Option<u8> },
    /// A 2-D diffusion model's predicted noise at `points` at timestep `t`.
    NoiseField { points: Vec<[f32; 2]>, t: usize },
    /// Sample pixels `from..from + count` of `n` images `x` one at a time (PixelCNN).
    FillPixels { x: Vec<f32>, n: usize, from: usize, count: usize, seed: u64, label: Option<u8> },
    /// The next-token distribution and attention maps after `context` (character model).
    NextToken { context: Vec<u32> },
    /// Continue `prompt` by `n` tokens (character model).
    Generate { prompt: Vec<u32>, n: usize, settings: SamplingSettings, seed: u64 },
    /// The GMMN's witness over `field` points against `n` real and `n` generated points.
    Witness { field: Vec<[f32; 2]>, n: usize },
    /// A 2-D flow's picture: log-density at `field` points, `grid` base points pushed through
    /// each layer, and `data` points mapped back to the base space.
    FlowPicture { field: Vec<[f32; 2]>, grid: Vec<[f32; 2]>, data: Vec<[f32; 2]> },
    /// An RBM's picture: `filters` hidden units' weights, and a Gibbs chain of `steps` steps for
    /// `chains` chains from noise (or from test images), keeping every `every`-th.
    GibbsPicture { filters: usize, chains: usize, steps: usize, every: usize, from_test: bool, seed: u64 },
    /// Write a checkpoint directory (weights + config JSON), atomically.
    Save(PathBuf),
    /// Replace the model with the checkpoint in this directory.
    Load(PathBuf),
    /// End the worker thread.
    Stop,
}

/// What the worker reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// The model is ready: its description and parameter count.
    Ready { description: String, num_params: usize, hyper: Vec<super::family::HyperParam> },
    /// One step's loss terms.
    Losses { step: u64, terms: LossTerms },
    /// Throughput, sent about twice a second while training.
    Progress { step: u64, samples_seen: u64, steps_per_sec: f64, running: bool },
    /// A preview or requested sample batch; `seed` is the seed it was drawn with.
    Samples { step: u64, seed: u64, samples: Samples },
    Reconstructions { inputs: ImageBatch, outputs: ImageBatch },
    /// Encoded test points (posterior means), `dim` values each, with labels.
    Encoded { points: Vec<f32>, dim: usize, labels: Vec<u8> },
    Decoded { tag: u64, images: ImageBatch },
    Interpolation { images: ImageBatch, spherical: bool },
    /// Test-set likelihood estimates (nats per image, bits per dimension).
    Likelihood(Vec<crate::metrics::LikelihoodSummary>),
    /// The GAN lab's picture, answering `Command::Game`, at this step.
    Game { step: u64, snapshot: GameSnapshot },
    /// One player's update was made (`Command::PlayerStep`); its loss terms.
    PlayerStepped { player: Player, terms: LossTerms },
    /// The sampling run asked for by `Command::Trajectory`, at this training step.
    Trajectory { step: u64, trajectory: Trajectory },
    /// The predicted noise at the points asked for by `Command::NoiseField`.
    NoiseField { t: usize, eps: Vec<[f32; 2]> },
    /// A diffusion model's loss by timestep range, sent with every preview.
    LossByT(Vec<LossBucket>),
    /// Pixels filled in (answering `Command::FillPixels`): the images, each filled pixel's
    /// probability of being on (`n × count`), and what the next pixel can see.
    PixelsFilled { x: Vec<f32>, n: usize, from: usize, count: usize, probs: Vec<f32>, next_visible: Vec<bool> },
    NextToken(NextToken),
    /// Generated tokens after `prompt`, each with the probability it was drawn with.
    Generated { prompt: Vec<u32>, tokens: Vec<DrawnToken> },
    /// The witness values at the requested field points, and the generated points.
    Witness { step: u64, field: Vec<f32>, fakes: Vec<[f32; 2]> },
    /// Answer to `Command::FlowPicture`.
    FlowPicture { step: u64, log_density: Vec<f32>, layers: Vec<Vec<[f32; 2]>>, latent: Vec<[f32; 2]> },
    /// Answer to `Command::GibbsPicture`: the filters and the chain's frames.
    GibbsPicture { step: u64, filters: ImageBatch, chain: Vec<ImageBatch> },
    Saved(PathBuf),
    Loaded(PathBuf),
    /// Training paused; `reason` is set when the worker paused on its own (e.g. NaN loss).
    Paused { reason: Option<String> },
    Running,
    /// Something failed; the text is meant for a person.
    Error(String),
    Stopped,
}
