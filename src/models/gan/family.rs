//! The GAN as a trainable family: the alternating game with two Adam optimisers (the family's
//! own business; the trainer only sees the loss terms), sampling, live knobs, and
//! a watch on the game that pauses it when the discriminator wins outright.

use std::path::Path;

use burn::module::{ModuleMapper, Param};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::models::one_hot::one_hot;
use crate::models::points::pairs;
use crate::models::weights::{
    KnownGood, adam_with_beta1, load_config, load_weights, read_back, save_config, save_weights, set_config_knob,
};
use crate::rng::Rng;
use crate::train::{Batch, Family, FamilyResult, ImageBatch, Knob, KnobValue, LossTerms, Samples};

use super::config::{GanArch, GanConfig};
use super::nets::{Discriminator, Generator};
use super::objective::Objective;

/// The views: the image GAN's latent space and the 2-D lab's game.
mod views;

pub const FAMILY_NAME: &str = "gan";
const G_FILE: &str = "generator.bpk";
const D_FILE: &str = "discriminator.bpk";

/// Consecutive steps with the discriminator's loss at its floor before the game is paused.
pub const PINNED_STEPS: u32 = 300;
/// How close to its floor (nats, or the loss's own units) counts as pinned.
const PINNED_MARGIN: f64 = 0.01;

pub struct GanFamily {
    config: GanConfig,
    /// Always `Some` between calls; taken while an optimiser step owns them.
    g: Option<Generator>,
    d: Option<Discriminator>,
    opt_g: ModuleOptimizer,
    opt_d: ModuleOptimizer,
    /// The training device (autodiff on).
    device: Device,
    noise: Rng,
    good: KnownGood<(Generator, Discriminator)>,
    /// Steps in a row with D's loss at its floor.
    pinned: u32,
}

/// WGAN's weight clipping: every discriminator parameter into [−c, c] (Arjovsky et al. 2017,
/// Algorithm 1, line 7).
struct Clip(f64);

impl ModuleMapper for Clip {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let c = self.0;
        // A fresh leaf that still takes gradients.
        param.map(|t| t.clamp(-c, c).detach().require_grad())
    }
}

/// Images live in [0, 1]; the DCGAN networks work in [−1, 1] (tanh output, Radford et al. §3).
fn to_net(x: Tensor<2>, arch: GanArch) -> Tensor<2> {
    match arch {
        GanArch::Mlp => x,
        GanArch::Dcgan => x.mul_scalar(2.0).sub_scalar(1.0),
    }
}

fn from_net(x: Vec<f32>, arch: GanArch) -> Vec<f32> {
    match arch {
        GanArch::Mlp => x,
        GanArch::Dcgan => x.into_iter().map(|v| ((v + 1.0) * 0.5).clamp(0.0, 1.0)).collect(),
    }
}

/// The lowest value the discriminator's loss can take: the entropy of the smoothed real
/// target for the logistic games (0 without smoothing), 0 for hinge and least squares. WGAN's
/// critic loss has no floor.
fn d_loss_floor(objective: Objective, smoothing: f64) -> Option<f64> {
    let e = smoothing;
    match objective {
        Objective::Minimax | Objective::NonSaturating if e > 0.0 => Some(-(1.0 - e) * (1.0 - e).ln() - e * e.ln()),
        Objective::Minimax | Objective::NonSaturating | Objective::Hinge | Objective::LeastSquares => Some(0.0),
        Objective::Wgan => None,
    }
}

impl GanFamily {
    pub fn new(config: GanConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        let (device, _seeded) = crate::models::seeded_training_device(device, seed);
        Ok(Self {
            g: Some(Generator::new(&config, &device)),
            d: Some(Discriminator::new(&config, &device)),
            opt_g: adam_with_beta1(config.beta1),
            opt_d: adam_with_beta1(config.beta1),
            noise: Rng::new(seed ^ 0x6A17),
            config,
            device,
            good: KnownGood::default(),
            pinned: 0,
        })
    }

    /// Loads a checkpoint directory written by `save`: the configuration is validated (the
    /// message names `config.json`) before the networks are built, and each weight file is
    /// checked against its network before it is applied.
    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let config = load_config(dir, "GAN", GanConfig::validate)?;
        let mut family = Self::new(config, device, 0)?;
        let g = load_weights(family.generator()?.clone(), dir, G_FILE)?;
        let d = load_weights(family.discriminator()?.clone(), dir, D_FILE)?;
        family.g = Some(g);
        family.d = Some(d);
        Ok(family)
    }

    pub fn config(&self) -> &GanConfig {
        &self.config
    }

    fn generator(&self) -> FamilyResult<&Generator> {
        self.g.as_ref().ok_or_else(|| "the generator's weights were lost in a failed step".to_string())
    }

    fn discriminator(&self) -> FamilyResult<&Discriminator> {
        self.d.as_ref().ok_or_else(|| "the discriminator's weights were lost in a failed step".to_string())
    }

    fn z(&mut self, n: usize, device: &Device) -> Tensor<2> {
        let z = self.config.latent_dim;
        Tensor::from_data(TensorData::new(self.noise.normal_vec(n * z), [n, z]), device)
    }

    /// One-hot labels for a conditional model, `None` otherwise.
    fn labels(&self, labels: &[u8], device: &Device) -> Option<Tensor<2>> {
        self.config.conditional.then(|| one_hot(labels, self.config.num_classes, device))
    }

    /// D's outputs as shown to a person: probabilities σ(logit) for the logistic games, raw
    /// critic values otherwise.
    fn shown(&self, out: Tensor<1>) -> Tensor<1> {
        if self.config.objective.is_probabilistic() { sigmoid(out) } else { out }
    }

    /// The generator's output (points, or images in [0, 1]) for latent rows, through the
    /// inference copy (batch norm on its running statistics).
    pub fn generate(&self, z: Vec<f32>, n: usize, labels: &[u8]) -> FamilyResult<Vec<f32>> {
        let device = self.device.clone().without_autodiff();
        let g = self.generator()?.valid();
        let z = Tensor::<2>::from_data(TensorData::new(z, [n, self.config.latent_dim]), &device);
        let out = g.forward(z, self.labels(labels, &device));
        Ok(from_net(read_back(out)?, self.config.arch))
    }

    /// The batch as the networks see it, checked against the configuration.
    fn real(&self, batch: &Batch) -> FamilyResult<Tensor<2>> {
        let (n, dim) = (batch.n, self.config.data_dim);
        crate::models::check_example_size(batch.x, n, dim, self.config.arch == GanArch::Mlp, "this GAN")?;
        let x = Tensor::<2>::from_data(TensorData::new(batch.x.to_vec(), [n, dim]), &self.device); // [B, X]
        Ok(to_net(x, self.config.arch))
    }

    /// One discriminator update on a real batch against fresh fakes (detached, so no gradient
    /// reaches G). Returns [D loss, shown D(real), shown D(fake)], or non-finite values without
    /// updating.
    fn d_step(&mut self, x: Tensor<2>, labels: &[u8]) -> FamilyResult<[f32; 3]> {
        let device = self.device.clone();
        let n = labels.len();
        let y = self.labels(labels, &device);
        let z = self.z(n, &device);
        let fake = self.generator()?.forward(z, y.clone()).detach(); // [B, X]
        let d = self.d.take().ok_or("the discriminator's weights were lost in a failed step")?;
        let (real_out, fake_out) = (d.forward(x, y.clone()), d.forward(fake, y)); // [B] each
        let objective = self.config.objective;
        let loss = objective.d_loss(real_out.clone(), fake_out.clone(), 1.0 - self.config.label_smoothing);
        let terms = read_back(Tensor::cat(
            vec![
                loss.clone().without_autodiff(),
                self.shown(real_out.without_autodiff()).mean(),
                self.shown(fake_out.without_autodiff()).mean(),
            ],
            0,
        ))?;
        let terms = [terms[0], terms[1], terms[2]];
        if terms.iter().all(|v| v.is_finite()) {
            let grads = GradientsParams::from_grads(loss.backward(), &d);
            let mut d = self.opt_d.step(self.config.lr_d, d, grads);
            if objective == Objective::Wgan {
                d = d.map(&mut Clip(self.config.clip));
            }
            self.d = Some(d);
        } else {
            self.d = Some(d);
        }
        Ok(terms)
    }

    /// One generator update through the fixed discriminator, for fakes of these classes.
    /// Returns G's loss; a non-finite loss leaves G as it was.
    fn g_step(&mut self, labels: &[u8]) -> FamilyResult<f32> {
        let device = self.device.clone();
        let y = self.labels(labels, &device);
        let z = self.z(labels.len(), &device);
        let g = self.g.take().ok_or("the generator's weights were lost in a failed step")?;
        let fake_out = self.discriminator()?.forward(g.forward(z, y.clone()), y); // [B]
        let loss = self.config.objective.g_loss(fake_out);
        let g_loss = read_back(loss.clone().without_autodiff())?[0];
        if g_loss.is_finite() {
            let grads = GradientsParams::from_grads(loss.backward(), &g);
            self.g = Some(self.opt_g.step(self.config.lr_g, g, grads));
        } else {
            self.g = Some(g);
        }
        Ok(g_loss)
    }

    fn terms(&self, d: [f32; 3], g_loss: f32) -> LossTerms {
        let label = if self.config.objective.is_probabilistic() { "D" } else { "critic" };
        vec![
            ("D loss".into(), d[0] as f64),
            ("G loss".into(), g_loss as f64),
            (format!("{label}(real)"), d[1] as f64),
            (format!("{label}(fake)"), d[2] as f64),
        ]
    }

    /// Counts steps with D's loss at its floor.
    fn watch(&mut self, d_loss: f32) {
        let floor = d_loss_floor(self.config.objective, self.config.label_smoothing);
        match floor {
            Some(floor) if (d_loss as f64) < floor + PINNED_MARGIN => self.pinned += 1,
            _ => self.pinned = 0,
        }
    }
}

impl Family for GanFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        let conditional = if c.conditional { "class-conditional " } else { "" };
        match c.arch {
            GanArch::Mlp => format!("MLP GAN {}-{}×{}-{}, {} game", c.latent_dim, c.layers, c.hidden, c.data_dim, c.objective.label()),
            GanArch::Dcgan => format!(
                "{conditional}DCGAN {}×{}, z {}, channels {}-{}, {} game",
                c.width,
                c.height,
                c.latent_dim,
                2 * c.channels,
                c.channels,
                c.objective.label()
            ),
        }
    }

    fn num_params(&self) -> usize {
        self.g.as_ref().map_or(0, |g| g.num_params()) + self.d.as_ref().map_or(0, |d| d.num_params())
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let x = self.real(batch)?;
        let mut d = [0.0; 3];
        for _ in 0..self.config.d_steps {
            d = self.d_step(x.clone(), batch.labels)?;
            if !d.iter().all(|v| v.is_finite()) {
                return Ok(self.terms(d, f32::NAN));
            }
        }
        let g_loss = self.g_step(batch.labels)?;
        self.watch(d[0]);
        Ok(self.terms(d, g_loss))
    }

    fn sample(&mut self, n: usize, seed: u64, label: Option<u8>) -> FamilyResult<Samples> {
        let z = Rng::new(seed).normal_vec(n * self.config.latent_dim);
        // Without a chosen class, a conditional model cycles through the classes.
        let classes = self.config.num_classes.max(1);
        let labels: Vec<u8> = (0..n).map(|i| label.unwrap_or((i % classes) as u8)).collect();
        let x = self.generate(z, n, &labels)?;
        Ok(match self.config.arch {
            GanArch::Mlp => Samples::Points(pairs(&x)),
            GanArch::Dcgan => Samples::Images(ImageBatch { n, width: self.config.width, height: self.config.height, pixels: x }),
        })
    }

    fn knobs(&self) -> Vec<Knob> {
        let c = &self.config;
        // The latent size is not a knob: a new size is a new generator, so it is chosen when
        // the model is built.
        vec![
            Knob::real("lr_g", "generator learning rate", "the generator's Adam step size", c.lr_g, (1e-5, 1e-1), true),
            Knob::real(
                "lr_d",
                "discriminator learning rate",
                "the discriminator's Adam step size: a much faster D can overpower G",
                c.lr_d,
                (1e-5, 1e-1),
                true,
            ),
            Knob::real(
                "beta1",
                "Adam β1",
                "Adam's momentum β1; 0.5 is the DCGAN choice, 0.9 the usual default",
                c.beta1,
                (0.0, 0.99),
                false,
            ),
            Knob::whole(
                "d_steps",
                "discriminator steps per G step",
                "discriminator updates per generator update",
                c.d_steps as i64,
                (1, 10),
                false,
            ),
            Knob::real(
                "label_smoothing",
                "label smoothing ε",
                "real targets become 1 − ε, which keeps D from growing over-confident (one-sided, Salimans et al. 2016)",
                c.label_smoothing,
                (0.0, 0.3),
                false,
            ),
            Knob::choice_among(
                "objective",
                "game (objective)",
                "the losses D and G minimise; switching keeps both networks' weights",
                &Objective::ALL,
                c.objective,
                Objective::label,
            ),
        ]
    }

    fn set_knob(&mut self, name: &str, value: KnobValue) -> FamilyResult<()> {
        let (beta1, objective) = (self.config.beta1, self.config.objective);
        let knobs = self.knobs();
        set_config_knob(&mut self.config, &knobs, name, value, "GAN", GanConfig::validate, |next, name, value| {
            match (name, value) {
                ("lr_g", KnobValue::Real(v)) => next.lr_g = v,
                ("lr_d", KnobValue::Real(v)) => next.lr_d = v,
                ("beta1", KnobValue::Real(v)) => next.beta1 = v,
                ("d_steps", KnobValue::Whole(n)) => next.d_steps = n as usize,
                ("label_smoothing", KnobValue::Real(v)) => next.label_smoothing = v,
                ("objective", KnobValue::Choice(i)) => next.objective = Objective::ALL[i],
                _ => return false,
            }
            true
        })?;
        if self.config.beta1 != beta1 {
            // β1 lives inside the optimisers: rebuild them (their moments start afresh).
            self.opt_g = adam_with_beta1(self.config.beta1);
            self.opt_d = adam_with_beta1(self.config.beta1);
        }
        if self.config.objective != objective {
            self.pinned = 0;
        }
        Ok(())
    }

    fn save(&self, dir: &Path) -> FamilyResult<()> {
        // Through `valid()`: it folds batch norm's pending running-statistics update into the
        // saved value (a plain record of the training copy can be one update behind).
        save_weights(self.generator()?.valid(), dir, G_FILE)?;
        save_weights(self.discriminator()?.valid(), dir, D_FILE)?;
        save_config(dir, FAMILY_NAME, &self.config)
    }

    fn remember_good(&mut self) {
        // Both networks or neither: a pair is only good as a pair.
        self.good.remember_copy(self.g.clone().zip(self.d.clone()));
    }

    fn restore_good(&mut self) {
        if let Some((g, d)) = self.good.restore() {
            self.g = Some(g);
            self.d = Some(d);
        }
        self.opt_g = adam_with_beta1(self.config.beta1);
        self.opt_d = adam_with_beta1(self.config.beta1);
        self.pinned = 0;
    }

    fn divergence(&mut self) -> Option<String> {
        if self.pinned < PINNED_STEPS {
            return None;
        }
        self.pinned = 0;
        Some(format!(
            "the discriminator won: its loss stayed at its floor for {PINNED_STEPS} steps in a row, so it rejects every \
             fake with certainty and the generator's gradient has all but vanished (typical of the minimax game \
             against a strong D). Training paused with the weights as they are. Try the non-saturating or \
             least-squares game, a smaller D learning rate, or label smoothing, then press Start."
        ))
    }
}
