//! The GAN as a trainable family: the alternating game with two Adam optimisers (the family's
//! own business; the trainer only sees the loss terms), sampling, and live hyper-parameters.

use std::path::Path;

use burn::module::{ModuleMapper, Param};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;

use crate::rng::Rng;
use crate::train::checkpoint::{read_config, write_atomic, CONFIG_FILE};
use crate::train::family::{Batch, Family, FamilyResult, GameView, HyperParam, LossTerms, Samples};

use super::config::GanConfig;
use super::mlp::{MlpDiscriminator, MlpGenerator};
use super::objective::Objective;

pub const FAMILY_NAME: &str = "gan";
const G_FILE: &str = "generator.bpk";
const D_FILE: &str = "discriminator.bpk";

pub struct GanFamily {
    config: GanConfig,
    /// Always `Some` between calls; taken while an optimiser step owns them.
    g: Option<MlpGenerator>,
    d: Option<MlpDiscriminator>,
    opt_g: ModuleOptimizer,
    opt_d: ModuleOptimizer,
    /// The training device (autodiff on).
    device: Device,
    noise: Rng,
    good: Option<(MlpGenerator, MlpDiscriminator)>,
    pending_good: Option<(MlpGenerator, MlpDiscriminator)>,
}

fn adam(beta1: f64) -> ModuleOptimizer {
    AdamConfig::new().with_beta_1(beta1 as f32).with_epsilon(1e-8).init()
}

fn read(t: Tensor<1>) -> FamilyResult<Vec<f32>> {
    t.try_into_vec_as::<f32>().map_err(|e| format!("could not read a result back from the device: {e:?}"))
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

impl GanFamily {
    pub fn new(config: GanConfig, device: &Device, seed: u64) -> FamilyResult<Self> {
        config.validate()?;
        device.seed(seed);
        let device = device.clone().autodiff();
        Ok(Self {
            g: Some(MlpGenerator::new(&config, &device)),
            d: Some(MlpDiscriminator::new(&config, &device)),
            opt_g: adam(config.beta1),
            opt_d: adam(config.beta1),
            noise: Rng::new(seed ^ 0x6A17),
            config,
            device,
            good: None,
            pending_good: None,
        })
    }

    pub fn load(dir: &Path, device: &Device) -> FamilyResult<Self> {
        let json = read_config(dir)?;
        let config: GanConfig = serde_json::from_value(json["config"].clone())
            .map_err(|e| format!("{}: not a GAN configuration ({e})", dir.join(CONFIG_FILE).display()))?;
        let mut family = Self::new(config, device, 0)?;
        let (g_path, d_path) = (dir.join(G_FILE), dir.join(D_FILE));
        let g = family.generator()?.clone().try_load_file(&g_path).map_err(|e| format!("{}: cannot load ({e})", g_path.display()))?;
        let d = family.discriminator()?.clone().try_load_file(&d_path).map_err(|e| format!("{}: cannot load ({e})", d_path.display()))?;
        family.g = Some(g);
        family.d = Some(d);
        Ok(family)
    }

    pub fn config(&self) -> &GanConfig {
        &self.config
    }

    fn generator(&self) -> FamilyResult<&MlpGenerator> {
        self.g.as_ref().ok_or_else(|| "the generator's weights were lost in a failed step".to_string())
    }

    fn discriminator(&self) -> FamilyResult<&MlpDiscriminator> {
        self.d.as_ref().ok_or_else(|| "the discriminator's weights were lost in a failed step".to_string())
    }

    fn z(&mut self, n: usize, device: &Device) -> Tensor<2> {
        let z = self.config.latent_dim;
        Tensor::from_data(TensorData::new(self.noise.normal_vec(n * z), [n, z]), device)
    }

    /// D's outputs as shown to a person: probabilities σ(logit) for the logistic games, raw
    /// critic values otherwise.
    fn shown(&self, out: Tensor<1>) -> Tensor<1> {
        if self.config.objective.is_probabilistic() { sigmoid(out) } else { out }
    }

    /// The generator's points for latent rows, through the inference copy.
    pub fn generate(&self, z: Vec<f32>, n: usize) -> FamilyResult<Vec<f32>> {
        let device = self.device.clone().without_autodiff();
        let g = self.generator()?.valid();
        let z = Tensor::<2>::from_data(TensorData::new(z, [n, self.config.latent_dim]), &device);
        g.forward(z).try_into_vec_as::<f32>().map_err(|e| format!("could not read the samples back: {e:?}"))
    }
}

impl Family for GanFamily {
    fn family_name(&self) -> &'static str {
        FAMILY_NAME
    }

    fn describe(&self) -> String {
        let c = &self.config;
        format!(
            "MLP GAN, z {} → {}×{} → {}, {} game",
            c.latent_dim,
            c.layers,
            c.hidden,
            c.data_dim,
            c.objective.label()
        )
    }

    fn num_params(&self) -> usize {
        self.g.as_ref().map_or(0, |g| g.num_params()) + self.d.as_ref().map_or(0, |d| d.num_params())
    }

    fn train_step(&mut self, batch: &Batch) -> FamilyResult<LossTerms> {
        let (n, dim) = (batch.n, self.config.data_dim);
        if batch.x.len() != n * dim {
            return Err(format!("the data has {} values per example but this GAN makes {dim}", batch.x.len() / n.max(1)));
        }
        let device = self.device.clone();
        let objective = self.config.objective;
        let real_target = 1.0 - self.config.label_smoothing;
        let x = Tensor::<2>::from_data(TensorData::new(batch.x.to_vec(), [n, dim]), &device); // [B, X]

        // Discriminator: d_steps updates on this real batch against fresh fakes (detached, so
        // no gradient reaches G).
        let mut d_terms = Vec::new();
        for _ in 0..self.config.d_steps {
            let z = self.z(n, &device);
            let fake = self.generator()?.forward(z).detach(); // [B, X]
            let d = self.d.take().ok_or("the discriminator's weights were lost in a failed step")?;
            let (real_out, fake_out) = (d.forward(x.clone()), d.forward(fake)); // [B] each
            let loss = objective.d_loss(real_out.clone(), fake_out.clone(), real_target);
            d_terms = read(Tensor::cat(
                vec![
                    loss.clone().without_autodiff(),
                    self.shown(real_out.without_autodiff()).mean(),
                    self.shown(fake_out.without_autodiff()).mean(),
                ],
                0,
            ))?;
            if d_terms.iter().all(|v| v.is_finite()) {
                let grads = GradientsParams::from_grads(loss.backward(), &d);
                let mut d = self.opt_d.step(self.config.lr_d, d, grads);
                if objective == Objective::Wgan {
                    d = d.map(&mut Clip(self.config.clip));
                }
                self.d = Some(d);
            } else {
                self.d = Some(d);
                break;
            }
        }

        // Generator: one update through the (fixed) discriminator.
        let z = self.z(n, &device);
        let g = self.g.take().ok_or("the generator's weights were lost in a failed step")?;
        let fake_out = self.discriminator()?.forward(g.forward(z)); // [B]
        let loss = objective.g_loss(fake_out);
        let g_loss = read(loss.clone().without_autodiff())?[0];
        if g_loss.is_finite() && d_terms.iter().all(|v| v.is_finite()) {
            let grads = GradientsParams::from_grads(loss.backward(), &g);
            self.g = Some(self.opt_g.step(self.config.lr_g, g, grads));
        } else {
            self.g = Some(g);
        }
        let label = if objective.is_probabilistic() { "D" } else { "critic" };
        Ok(vec![
            ("D loss".into(), d_terms[0] as f64),
            ("G loss".into(), g_loss as f64),
            (format!("{label}(real)"), d_terms[1] as f64),
            (format!("{label}(fake)"), d_terms[2] as f64),
        ])
    }

    fn sample(&mut self, n: usize, seed: u64, _label: Option<u8>) -> FamilyResult<Samples> {
        if self.config.data_dim != 2 {
            return Err("only the 2-D MLP GAN exists so far; image GANs come with the DCGAN networks".into());
        }
        let z = Rng::new(seed).normal_vec(n * self.config.latent_dim);
        let x = self.generate(z, n)?;
        Ok(Samples::Points(x.chunks(2).map(|p| [p[0], p[1]]).collect()))
    }

    fn hyper_params(&self) -> Vec<HyperParam> {
        let c = &self.config;
        let p = |name, help, value, min, max, logarithmic, integer| HyperParam { name, help, value, min, max, logarithmic, integer };
        vec![
            p("lr_g", "the generator's Adam step size", c.lr_g, 1e-5, 1e-1, true, false),
            p("lr_d", "the discriminator's Adam step size: a much faster D can overpower G", c.lr_d, 1e-5, 1e-1, true, false),
            p("beta1", "Adam's momentum β1; 0.5 is the DCGAN choice, 0.9 the usual default", c.beta1, 0.0, 0.99, false, false),
            p("d_steps", "discriminator updates per generator update", c.d_steps as f64, 1.0, 10.0, false, true),
            p("label_smoothing", "real targets become 1 − ε, which keeps D from growing over-confident", c.label_smoothing, 0.0, 0.3, false, false),
            p(
                "objective",
                "0 minimax, 1 non-saturating, 2 hinge, 3 least squares, 4 WGAN (weight clipping)",
                Objective::ALL.iter().position(|&o| o == c.objective).unwrap_or(0) as f64,
                0.0,
                4.0,
                false,
                true,
            ),
        ]
    }

    fn set_hyper(&mut self, name: &str, value: f64) -> FamilyResult<()> {
        let mut next = self.config.clone();
        match name {
            "lr_g" => next.lr_g = value,
            "lr_d" => next.lr_d = value,
            "beta1" => next.beta1 = value,
            "d_steps" => next.d_steps = value.round().max(1.0) as usize,
            "label_smoothing" => next.label_smoothing = value,
            "objective" => {
                next.objective = *Objective::ALL.get(value.round().max(0.0) as usize).ok_or("no such GAN objective")?;
            }
            other => return Err(format!("the GAN has no live hyper-parameter \"{other}\"")),
        }
        next.validate()?;
        if next.beta1 != self.config.beta1 {
            // β1 lives inside the optimisers: rebuild them (their moments start afresh).
            self.opt_g = adam(next.beta1);
            self.opt_d = adam(next.beta1);
        }
        self.config = next;
        Ok(())
    }

    fn save(&self, dir: &Path) -> FamilyResult<()> {
        for (path, result) in [
            (dir.join(G_FILE), self.generator()?.clone().save_file(dir.join(G_FILE))),
            (dir.join(D_FILE), self.discriminator()?.clone().save_file(dir.join(D_FILE))),
        ] {
            result.map_err(|e| format!("{}: cannot write the weights ({e})", path.display()))?;
        }
        let json = serde_json::json!({ "family": FAMILY_NAME, "config": self.config });
        write_atomic(&dir.join(CONFIG_FILE), &serde_json::to_vec_pretty(&json).map_err(|e| e.to_string())?)
    }

    fn remember_good(&mut self) {
        if self.pending_good.is_some() {
            self.good = self.pending_good.take();
        }
        self.pending_good = self.g.clone().zip(self.d.clone());
    }

    fn restore_good(&mut self) {
        if let Some((g, d)) = self.good.clone().or_else(|| self.pending_good.clone()) {
            self.g = Some(g);
            self.d = Some(d);
        }
        self.opt_g = adam(self.config.beta1);
        self.opt_d = adam(self.config.beta1);
        self.pending_good = None;
    }

    fn game(&mut self) -> Option<&mut dyn GameView> {
        (self.config.data_dim == 2).then_some(self as &mut dyn GameView)
    }
}

fn pairs(v: &[f32]) -> Vec<[f32; 2]> {
    v.chunks(2).map(|p| [p[0], p[1]]).collect()
}

impl GameView for GanFamily {
    fn latent_dim(&self) -> usize {
        self.config.latent_dim
    }

    fn critic_field(&mut self, points: &[[f32; 2]]) -> FamilyResult<Vec<f32>> {
        let device = self.device.clone().without_autodiff();
        let n = points.len();
        let x = Tensor::<2>::from_data(TensorData::new(points.iter().flat_map(|p| *p).collect::<Vec<f32>>(), [n, 2]), &device);
        read(self.shown(self.discriminator()?.valid().forward(x)))
    }

    fn generator_pull(&mut self, z: &[f32], n: usize) -> FamilyResult<(Vec<[f32; 2]>, Vec<[f32; 2]>)> {
        if z.len() != n * self.config.latent_dim {
            return Err(format!("{} latent values for {n} points of dimension {}", z.len(), self.config.latent_dim));
        }
        let points = self.generate(z.to_vec(), n)?;
        // Each fake point as a leaf of its own: the gradient of the summed loss with respect to
        // point i is ∂ℓ_i/∂x_i (a mean would scale it by 1/n).
        let x = Tensor::<2>::from_data(TensorData::new(points.clone(), [n, 2]), &self.device).require_grad();
        let loss = self.config.objective.g_loss(self.discriminator()?.forward(x.clone())).mul_scalar(n as f64);
        let grads = loss.backward();
        let gx = x.grad(&grads).ok_or("the discriminator gave no gradient for the generator's points")?;
        let pull: Vec<f32> = gx
            .try_into_vec_as::<f32>()
            .map_err(|e| format!("could not read the gradients back: {e:?}"))?
            .iter()
            .map(|g| -g)
            .collect();
        Ok((pairs(&points), pairs(&pull)))
    }
}
