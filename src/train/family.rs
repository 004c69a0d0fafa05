//! What every model family offers the trainer, the GUI and the command line.
//!
//! The trainer only ever sees `dyn Family`: a train step that returns named loss terms,
//! sampling with a seed, live hyper-parameters, save, and a last-good snapshot. Views that
//! only some families have (a latent space, a denoising trajectory…) are optional traits
//! reached through `Family::latent()` and friends, so a new family adds files, not ifs.

use std::path::Path;

/// A batch handed to a family: `n` examples of `dims` values each, and their labels.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    pub x: &'a [f32],
    pub n: usize,
    /// Per-example shape: `[1, 28, 28]` for images, `[2]` for points.
    pub dims: &'a [usize],
    pub labels: &'a [u8],
}

/// Grey images in [0, 1], row-major, `n * height * width` values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageBatch {
    pub n: usize,
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<f32>,
}

impl ImageBatch {
    pub fn image(&self, i: usize) -> &[f32] {
        let d = self.width * self.height;
        &self.pixels[i * d..(i + 1) * d]
    }
}

/// What a family's sampler produces.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    Images(ImageBatch),
    Points(Vec<[f32; 2]>),
    /// Generated text, one string per sample.
    Text(Vec<String>),
}

/// A hyper-parameter the GUI can show and change while training.
#[derive(Clone, Debug, PartialEq)]
pub struct HyperParam {
    pub name: &'static str,
    /// One line shown as a tooltip: what the knob does.
    pub help: &'static str,
    pub value: f64,
    pub min: f64,
    pub max: f64,
    pub logarithmic: bool,
    /// Integer-valued (e.g. a count).
    pub integer: bool,
}

/// Named loss terms of one step, the total first.
pub type LossTerms = Vec<(String, f64)>;

/// Errors a family reports are already sentences for a person.
pub type FamilyResult<T> = Result<T, String>;

pub trait Family: Send {
    /// Short family name, e.g. "vae"; stored in checkpoints.
    fn family_name(&self) -> &'static str;

    /// One line describing the architecture, e.g. "MLP VAE 784-400-20, 0.65 M parameters".
    fn describe(&self) -> String;

    fn num_params(&self) -> usize;

    /// One optimisation step on a batch; returns the loss terms (total first).
    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms>;

    /// `n` samples from the model; the same seed gives the same samples.
    fn sample(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Samples>;

    fn hyper_params(&self) -> Vec<HyperParam>;

    fn set_hyper(&mut self, name: &str, value: f64) -> FamilyResult<()>;

    /// Writes the weights and the config JSON into `dir` (which exists). Each file is
    /// written atomically by the caller's helpers.
    fn save(&self, dir: &Path) -> FamilyResult<()>;

    /// Remembers the current weights as known-good (called after finite steps).
    fn remember_good(&mut self);

    /// Goes back to the last known-good weights (after a NaN/Inf loss).
    fn restore_good(&mut self);

    /// The latent-space view, for families that have one (autoencoders, VAEs).
    fn latent(&mut self) -> Option<&mut dyn LatentModel> {
        None
    }

    /// The likelihood view, for families with an exact log-likelihood or a bound on it.
    fn likelihood(&mut self) -> Option<&mut dyn LikelihoodModel> {
        None
    }

    /// The two-player view, for GANs on 2-D data (the GAN lab).
    fn game(&mut self) -> Option<&mut dyn GameView> {
        None
    }

    /// The denoising view, for diffusion models (the step-through and the 2-D noise field).
    fn denoising(&mut self) -> Option<&mut dyn DenoisingView> {
        None
    }

    /// The pixel-by-pixel view, for autoregressive image models (PixelCNN).
    fn pixels(&mut self) -> Option<&mut dyn PixelView> {
        None
    }

    /// The next-token view, for autoregressive text models (the character model).
    fn tokens(&mut self) -> Option<&mut dyn TokenView> {
        None
    }

    /// The witness view, for kernel-trained generators on 2-D data (GMMN).
    fn witness(&mut self) -> Option<&mut dyn WitnessView> {
        None
    }

    /// The flow view: exact densities and the transform layer by layer (normalizing flows).
    fn flow(&mut self) -> Option<&mut dyn FlowView> {
        None
    }

    /// The Boltzmann-machine view: hidden units' filters and Gibbs chains (RBM).
    fn gibbs(&mut self) -> Option<&mut dyn GibbsView> {
        None
    }

    /// Called after every finite step: a sentence when training should pause because the
    /// run has gone somewhere it will not come back from (e.g. a GAN's discriminator winning
    /// outright). NaN/Inf losses are the trainer's own check.
    fn divergence(&mut self) -> Option<String> {
        None
    }
}

/// One step of a sampling run: the sample x_t entering the step at timestep t, and the clean
/// sample x̂₀ the network predicted from it. Images are shown in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryStep {
    pub t: usize,
    pub x_t: Samples,
    pub x0: Samples,
}

/// A whole sampling run, kept for stepping through: every step, then the result.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub steps: Vec<TrajectoryStep>,
    pub result: Samples,
}

/// The training loss averaged over a range of timesteps [t_lo, t_hi): "loss vs t".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossBucket {
    pub t_lo: usize,
    pub t_hi: usize,
    /// Running mean of the per-example loss in this range; NaN before any example landed here.
    pub loss: f64,
}

/// Diffusion models: what the denoising step-through and the 2-D flow view draw.
pub trait DenoisingView {
    /// T, the number of training timesteps.
    fn timesteps(&self) -> usize;

    /// A sampling run of `n` samples with the current sampler settings, every step kept.
    fn trajectory(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Trajectory>;

    /// The predicted noise ε̂(x, t) at each 2-D point (2-D models only): −ε̂ points towards the
    /// data, and −ε̂/√(1 − ᾱ_t) is the estimated score.
    fn noise_field(&mut self, points: &[[f32; 2]], t: usize) -> FamilyResult<Vec<[f32; 2]>>;

    /// The training loss by timestep range, low t (little noise) first.
    fn loss_by_t(&self) -> Vec<LossBucket>;
}

/// One side of a two-player game.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Player {
    Generator,
    Discriminator,
}

/// Two-player families on 2-D data: what the GAN lab draws.
pub trait GameView {
    fn latent_dim(&self) -> usize;

    /// The discriminator's output at each point, as shown to a person: the probability of
    /// "real" for the logistic games, the critic's value otherwise.
    fn critic_field(&mut self, points: &[[f32; 2]]) -> FamilyResult<Vec<f32>>;

    /// The generator's points for `n` latent rows, and the pull on each point: −∂ℓ_G/∂x, the
    /// direction in which the generator's next step moves it (before the chain rule through G).
    fn generator_pull(&mut self, z: &[f32], n: usize) -> FamilyResult<(Vec<[f32; 2]>, Vec<[f32; 2]>)>;

    /// One update of one player only (the lab's "one D step" and "one G step"); returns that
    /// player's loss terms.
    fn step_player(&mut self, batch: &Batch, player: Player) -> FamilyResult<LossTerms>;
}

/// What the GAN lab draws at one moment, computed on the worker thread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GameSnapshot {
    /// D's output at each requested field point (probability of "real", or critic value).
    pub field: Vec<f32>,
    /// G(z) for each requested latent row, and the pull −∂ℓ_G/∂x on it.
    pub points: Vec<[f32; 2]>,
    pub pull: Vec<[f32; 2]>,
}

/// One per-example log-likelihood estimate, in nats.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLikelihood {
    /// What it is, e.g. "ELBO" or "IWAE bound (k = 64)".
    pub name: String,
    /// Exact log p(x) (flows, PixelCNN) rather than a lower bound on it (VAE).
    pub exact: bool,
    pub per_example: Vec<f64>,
}

/// Families with a likelihood: the evaluation's NLL column. Later families (PixelCNN, flows)
/// return one exact estimate; the VAE returns its ELBO and an importance-weighted bound.
pub trait LikelihoodModel {
    /// log p(x) or lower bounds on it for `n` examples, each estimate named.
    /// `importance_samples` is k of the importance-weighted bound (ignored when exact).
    fn log_likelihood(
        &mut self,
        x: &[f32],
        n: usize,
        labels: &[u8],
        importance_samples: usize,
        seed: u64,
    ) -> FamilyResult<Vec<LogLikelihood>>;
}

/// Families with an encoder and decoder: the latent explorer's view.
pub trait LatentModel {
    fn latent_dim(&self) -> usize;

    /// Whether `decode` and `encode` use the labels (a conditional model).
    fn conditional(&self) -> bool;

    /// False for generators without an encoder (a GAN): only `decode` works.
    fn has_encoder(&self) -> bool {
        true
    }

    /// Encodes `n` images to the posterior means, `n * latent_dim` values.
    fn encode(&mut self, x: &[f32], n: usize, labels: &[u8]) -> FamilyResult<Vec<f32>>;

    /// Decodes `n` latent points to images (the decoder's mean). `labels` holds one class per
    /// point for a conditional model; empty means class 0 (ignored by unconditional models).
    fn decode(&mut self, z: &[f32], n: usize, labels: &[u8]) -> FamilyResult<ImageBatch>;
}

/// Autoregressive image models: sampling one pixel at a time, in raster order, as the
/// pixel-by-pixel view shows it.
pub trait PixelView {
    /// (width, height) of the images.
    fn image_size(&self) -> (usize, usize);

    /// Samples pixels `from..from + count` (raster order) of the `n` images in `x` (values in
    /// {0, 1}, `n × width × height`), each from the model given every pixel before it. Returns
    /// each sampled pixel's probability of being on, image-major (`n × count`). The draw for
    /// pixel i of image j depends only on (seed, j, i), so filling in any number of calls gives
    /// the image `Family::sample` gives with the same seed.
    fn fill(&mut self, x: &mut [f32], n: usize, from: usize, count: usize, seed: u64, label: Option<u8>) -> FamilyResult<Vec<f32>>;

    /// The input pixels that the prediction at pixel `index` can see, `width × height`.
    fn visible_pixels(&self, index: usize) -> Vec<bool>;
}

/// What an autoregressive text model says about the character after a context.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NextToken {
    /// The model's vocabulary: token i is `vocab[i]` (a loaded checkpoint may bring another).
    pub vocab: Vec<char>,
    /// The context as the model read it (its last `block` characters at most).
    pub context: Vec<u32>,
    /// Logits of the next token, one per vocabulary entry.
    pub logits: Vec<f32>,
    /// Attention weights per layer, then head: `attention[l][h]` is a
    /// T × T row-major matrix (row: the position attending, column: the position attended to).
    pub attention: Vec<Vec<Vec<f32>>>,
}

/// One generated token and the probability it was drawn with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DrawnToken {
    pub token: u32,
    pub probability: f64,
}

/// Autoregressive text models: the next-token distribution, attention, and generation.
pub trait TokenView {
    /// Every token's text, indexed by token id.
    fn vocab(&self) -> Vec<char>;

    /// The model's longest context.
    fn block_size(&self) -> usize;

    /// The next-token logits and the attention maps for `context` (cropped to its last
    /// `block_size` tokens; an empty context is refused).
    fn next_token(&mut self, context: &[u32]) -> FamilyResult<NextToken>;

    /// Continues `prompt` by `n` tokens with the given sampling settings; the same seed gives
    /// the same text.
    fn generate(
        &mut self,
        prompt: &[u32],
        n: usize,
        settings: &crate::models::charlm::SamplingSettings,
        seed: u64,
    ) -> FamilyResult<Vec<DrawnToken>>;
}

/// Kernel-trained generators on 2-D data (GMMN): where the model has too much or too little
/// mass.
pub trait WitnessView {
    /// The MMD witness f(p) = mean k(p, real) − mean k(p, fake) at each `field` point, between
    /// `real` points and `n` generated ones (drawn with `seed`); returns the values and the
    /// generated points. Positive: the data has more mass there than the model.
    fn witness(&mut self, field: &[[f32; 2]], real: &[[f32; 2]], n: usize, seed: u64) -> FamilyResult<(Vec<f32>, Vec<[f32; 2]>)>;
}

/// Normalizing flows on 2-D data: exact densities, and the transform shown layer by layer.
pub trait FlowView {
    /// log p(x) at each point, nats.
    fn log_density(&mut self, points: &[[f32; 2]]) -> FamilyResult<Vec<f32>>;

    /// Base-space points pushed through the flow towards the data: the points after each
    /// layer, the input first (so `layers + 1` sets).
    fn push_forward(&mut self, z: &[[f32; 2]]) -> FamilyResult<Vec<Vec<[f32; 2]>>>;

    /// Data points mapped back to the base space (the inverse direction).
    fn to_latent(&mut self, x: &[[f32; 2]]) -> FamilyResult<Vec<[f32; 2]>>;
}

/// Boltzmann machines: the hidden units' weights and Gibbs sampling, step by step.
pub trait GibbsView {
    /// The incoming weights of the first `n` hidden units, each scaled to [0, 1] as an image.
    fn filters(&mut self, n: usize) -> FamilyResult<ImageBatch>;

    /// A Gibbs chain of `steps` v → h → v steps for `n` chains, from `start` (n images) or from
    /// uniform noise when `start` is None; every `every`-th visible mean is kept, the start
    /// first.
    fn gibbs_chain(&mut self, start: Option<&[f32]>, n: usize, steps: usize, every: usize, seed: u64) -> FamilyResult<Vec<ImageBatch>>;
}
