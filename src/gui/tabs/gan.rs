//! The GAN tab: the lab on 2-D toys (D's heat map, the generator's warp and pull, single
//! player steps, mode coverage over time) and DCGAN on images (a fixed-z grid, D's outputs,
//! a digit picker, latent interpolation), with FID and precision/recall on demand.

use std::path::Path;
use std::time::{Duration, Instant};

use burn::tensor::Device;
use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::data::{DatasetId, ToyKind};
use crate::metrics::mode_coverage;
use crate::models::gan::{GanConfig, GanFamily, Objective};
use crate::rng::Rng;
use crate::train::checkpoint::read_config;
use crate::train::{Command, KnobValue, TrainData};
use crate::views::game::{GamePicture, Player, PlayerStepped, game, player_step};
use crate::views::latent::{Decoded, decode};

use super::super::session::Session;
use super::super::shell::{FamilyTab, NewRun, RunShell, RunTab};
use super::super::train_data::shown_points;
use super::super::widgets::game_plane::{GamePlane, MESH_RES};
use super::super::widgets::{ImageGrid, LossPlot};

/// Real points drawn on the plane.
const SHOWN_REAL: usize = 1000;
/// Fake points on the plane, from fixed latent rows (so their motion is the generator's).
const SHOWN_FAKE: usize = 600;
const GAME_EVERY: Duration = Duration::from_millis(200);
const TAG_DIGIT: u64 = 11;
const TAG_INTERP: u64 = 12;

fn is_d_output(name: &str) -> bool {
    name.starts_with("D(") || name.starts_with("critic(")
}

/// The game being played: the running model's "objective" knob.
fn objective(session: Option<&Session>) -> Objective {
    let knob = session.and_then(|s| s.knobs.iter().find(|k| k.name == "objective"));
    match knob.map(|k| k.value) {
        Some(KnobValue::Choice(i)) => Objective::ALL.get(i).copied().unwrap_or(Objective::NonSaturating),
        _ => Objective::NonSaturating,
    }
}

pub struct GanTab {
    /// The architecture settings the next Reset builds (image sizes come from the data).
    latent_dim_2d: usize,
    latent_dim_images: usize,
    hidden: usize,
    conditional: bool,
    /// The latent size of the running generator (the z the lab and the image views send).
    latent_dim: usize,
    /// The toy the running model plays on (none: images).
    toy: Option<ToyKind>,
    real: Vec<[f32; 2]>,
    /// D's outputs, beside the losses in the shell's plot.
    outputs: LossPlot,
    plane: Option<GamePlane>,
    fake_z: Vec<f32>,
    game_sent: Option<Instant>,
    game_step: u64,
    /// (step, modes covered) for the coverage meter.
    coverage: Vec<[f64; 2]>,
    digit: u8,
    digits: ImageGrid,
    interp_seeds: (u64, u64),
    interpolation: ImageGrid,
}

impl GanTab {
    pub fn tab() -> RunTab<Self> {
        let base = GanConfig::default();
        let shell = RunShell::new(crate::models::gan::KIND, DatasetId::Toy(ToyKind::Ring8), base.default_batch_size());
        let tab = Self {
            latent_dim_2d: base.latent_dim,
            latent_dim_images: GanConfig::dcgan(28, 28, 10, false).latent_dim,
            latent_dim: base.latent_dim,
            hidden: base.hidden,
            conditional: false,
            toy: None,
            real: Vec::new(),
            outputs: LossPlot::new("gan-d-out"),
            plane: None,
            fake_z: Vec::new(),
            game_sent: None,
            game_step: u64::MAX,
            coverage: Vec::new(),
            digit: 0,
            digits: ImageGrid::new("gan-digit"),
            interp_seeds: (1, 2),
            interpolation: ImageGrid::new("gan-interp"),
        };
        RunTab::new(shell, tab)
    }

    /// What the game chosen among the knobs does.
    fn objective_help_ui(ui: &mut egui::Ui, session: Option<&Session>) {
        if session.is_none() {
            return;
        }
        ui.weak(match objective(session) {
            Objective::Minimax => "G minimises log(1 − D(G(z))): when D rejects fakes confidently, G's gradient vanishes.",
            Objective::NonSaturating => "G maximises log D(G(z)): strong gradients even when D is winning (the usual choice).",
            Objective::Hinge => "D wants real outputs above +1 and fake ones below −1; G raises D on its fakes.",
            Objective::LeastSquares => "D regresses real to 1 and fake to 0; G pulls its fakes' outputs towards 1.",
            Objective::Wgan => "D is a critic whose weights are clipped to [−c, c]; its output gap estimates a Wasserstein distance.",
        });
        ui.weak("No gradient penalty (WGAN-GP): it needs the gradient of a gradient, which burn cannot take, so WGAN here uses weight clipping.");
    }

    fn curves_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell, height: f32) {
        let Some(session) = &shell.session else { return };
        let probabilistic = objective(Some(session)).is_probabilistic();
        ui.columns(2, |cols| {
            cols[0].strong("Losses");
            cols[0].weak("Unlike other models, falling is not the goal: a healthy game hovers. D's loss at 0 means D wins outright.");
            shell.plot.terms_ui(&mut cols[0], &session.history, height, &|n| !is_d_output(n));
            cols[1].strong(if probabilistic { "Mean D(real) and D(fake)" } else { "Mean critic(real) and critic(fake)" });
            cols[1].weak(if probabilistic {
                "At the game's equilibrium D cannot tell: both sit at 0.5."
            } else {
                "The gap between the two estimates the Wasserstein distance (up to the clipping's scale)."
            });
            self.outputs.terms_ui(&mut cols[1], &session.history, height, &|n| is_d_output(n));
        });
    }

    /// The 2-D lab: the game on the plane, what it shows, and the modes covered over time.
    fn lab_ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        let probabilistic = objective(Some(session)).is_probabilistic();
        let (Some(kind), Some(plane)) = (self.toy, &mut self.plane) else { return };
        let real = &self.real;
        let side = (ui.available_width() * 0.55).clamp(280.0, 560.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.strong(format!("The game on {}", kind.label()));
                plane.ui(ui, side, real);
                ui.horizontal_wrapped(|ui| {
                    ui.checkbox(&mut plane.show_heat, "D heat map");
                    ui.checkbox(&mut plane.show_mesh, "latent mesh");
                    ui.checkbox(&mut plane.show_arrows, "G's gradient");
                    ui.checkbox(&mut plane.show_real, "real points");
                });
            });
            ui.vertical(|ui| {
                ui.strong("What you see");
                ui.label(egui::RichText::new("green dots: real data").color(egui::Color32::from_rgb(90, 200, 130)));
                ui.label(egui::RichText::new("pink dots: generated G(z), fixed z").color(egui::Color32::from_rgb(255, 150, 220)));
                let (lo, hi) = plane.field_range();
                ui.weak(if probabilistic {
                    "Background: D(x), the probability D gives x of being real: green: real, purple: fake, dark: undecided (0.5).".to_string()
                } else {
                    format!("Background: the critic's value, from {lo:.3} (purple) to {hi:.3} (green).")
                });
                ui.weak("Mesh: a grid of z in the first two latent dims, pushed through G — how G folds and stretches the noise.");
                ui.weak("Arrows: −∂ℓ_G/∂x on fake points, where the generator's next step wants to move them (scaled to the longest).");
                ui.add_space(8.0);
                ui.strong("Modes covered over time");
                ui.weak("A mode counts when ≥ 20 % of its fair share of the fake points land within 3σ of it. Collapse: the line drops; try minimax with a fast D, then switch game.");
                let total = kind.modes().map_or(0, |(m, _)| m.len()) as f64;
                Plot::new("gan-coverage").allow_scroll(false)
                    .height(160.0)
                    .width(ui.available_width().min(380.0))
                    .include_y(0.0)
                    .include_y(total)
                    .x_axis_label("step")
                    .legend(Legend::default())
                    .show(ui, |p| p.line(Line::new("modes covered", PlotPoints::from(self.coverage.clone()))));
                if let Some(last) = self.coverage.last() {
                    ui.label(format!("now: {} of {total} modes", last[1]));
                }
            });
        });
    }

    /// DCGAN on images: fixed-z samples, a digit picker, latent interpolation.
    fn images_ui(&mut self, ui: &mut egui::Ui, session: &mut Session) {
        let conditional = self.conditional;
        for Decoded { tag, images } in session.take_all::<Decoded>() {
            if tag == TAG_DIGIT {
                self.digits.set(ui.ctx(), images, 8);
            } else if tag == TAG_INTERP {
                let cols = images.n;
                self.interpolation.set(ui.ctx(), images, cols);
            }
        }
        let latent_dim = self.latent_dim;
        let width = ((ui.available_width() - 16.0) / 2.0 - 20.0).min(360.0);
        ui.columns(2, |cols| {
            cols[0].strong("Samples from the same 64 z, refreshed while training");
            cols[0].weak(if conditional {
                "Row by row the classes cycle 0, 1, 2, …"
            } else {
                "Fixed noise, so you see the generator change, not the noise."
            });
            session.samples.ui(&mut cols[0], width, "no samples yet");
            if conditional {
                cols[1].strong("Pick a digit");
                cols[1].horizontal(|ui| {
                    ui.add(egui::DragValue::new(&mut self.digit).range(0..=9).prefix("class: "));
                    if ui.button("Generate 16").clicked() {
                        let z = Rng::new(5).normal_vec(16 * latent_dim);
                        session.ask(decode(TAG_DIGIT, z, 16, Some(self.digit)));
                    }
                });
                self.digits.ui(&mut cols[1], width * 0.8, "");
            }
            cols[1].strong("Latent interpolation");
            cols[1]
                .weak("Walk on the sphere from z_a to z_b (slerp) and generate each step: a smooth path means G learned a continuous map.");
            cols[1].horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut self.interp_seeds.0).prefix("z_a seed "));
                ui.add(egui::DragValue::new(&mut self.interp_seeds.1).prefix("z_b seed "));
                if ui.button("Interpolate").clicked() {
                    let a = Rng::new(self.interp_seeds.0).normal_vec(latent_dim);
                    let b = Rng::new(self.interp_seeds.1).normal_vec(latent_dim);
                    let z = crate::math::interpolate(&a, &b, 10, true);
                    session.ask(decode(TAG_INTERP, z, 10, Some(self.digit)));
                }
            });
            self.interpolation.ui(&mut cols[1], width, "");
        });
    }
}

impl FamilyTab for GanTab {
    const SIDE_WIDTH: f32 = 300.0;

    const UNTIL_TRAINED: Option<&'static str> =
        Some("Press Start to play the game, or make single D and G steps to see each player's move.");

    fn build(&mut self, data: TrainData, dataset: DatasetId, seed: u64, device: &Device) -> Result<NewRun, String> {
        let config = match &data {
            TrainData::Images(d) => GanConfig {
                latent_dim: self.latent_dim_images,
                ..GanConfig::dcgan(d.train.width, d.train.height, d.num_classes(), self.conditional)
            },
            _ => GanConfig { latent_dim: self.latent_dim_2d, hidden: self.hidden, ..GanConfig::default() },
        };
        let latent_dim = config.latent_dim;
        let model = GanFamily::new(config, device, seed)?;
        self.latent_dim = latent_dim;
        self.fake_z = Rng::new(99).normal_vec(SHOWN_FAKE * latent_dim);
        self.toy = dataset.toy();
        self.real = shown_points(&data, SHOWN_REAL);
        self.plane = self.toy.map(|_| GamePlane::new(&self.real));
        Ok(NewRun { model: Box::new(model), data, preview_n: 64 })
    }

    fn started(&mut self, session: &Session) {
        session.send(Command::Sample { n: 64, seed: 1234, label: None });
        self.coverage.clear();
        self.game_sent = None;
        self.game_step = u64::MAX;
    }

    fn dataset_picked(&mut self, dataset: DatasetId) -> Option<usize> {
        Some(match dataset {
            DatasetId::Toy(_) => GanConfig::default().default_batch_size(),
            DatasetId::Images(_) | DatasetId::Text => GanConfig::dcgan(28, 28, 10, false).default_batch_size(),
        })
    }

    /// The lab's and the image views' z must fit the loaded generator.
    fn loaded(&mut self, dir: &Path) {
        let latent_dim = read_config(dir).ok().and_then(|json| json["config"]["latent_dim"].as_u64());
        if let Some(latent_dim) = latent_dim.map(|d| d as usize).filter(|&d| d != self.latent_dim) {
            self.latent_dim = latent_dim;
            self.fake_z = Rng::new(99).normal_vec(SHOWN_FAKE * latent_dim);
        }
    }

    /// Takes the worker's lab pictures and asks for a fresh one when the game moved.
    fn update(&mut self, session: &mut Session, ctx: &egui::Context) {
        let probabilistic = objective(Some(session)).is_probabilistic();
        let (Some(plane), Some(kind)) = (&mut self.plane, self.toy) else { return };
        if let Some(GamePicture { step, snapshot }) = session.take::<GamePicture>() {
            plane.set(ctx, &snapshot, probabilistic);
            self.game_sent = None;
            if let Some((modes, sigma)) = kind.modes()
                && let Ok(c) = mode_coverage(plane.fakes(), &modes, sigma)
                && self.coverage.last().is_none_or(|last| last[0] < step as f64)
            {
                self.coverage.push([step as f64, c.modes_covered as f64]);
            }
        }
        let stale = self.game_sent.is_some_and(|t| t.elapsed() > Duration::from_secs(3));
        let due = self.game_sent.is_none() && session.step != self.game_step;
        if due || stale {
            let mut z = GamePlane::mesh_latents(self.latent_dim);
            z.extend_from_slice(&self.fake_z);
            let n = MESH_RES * MESH_RES + SHOWN_FAKE;
            session.ask(game(plane.field_points(), z, n));
            self.game_sent = Some(Instant::now());
            self.game_step = session.step;
        }
        if session.running {
            // Keep asking at a steady pace while training; the worker answers between steps.
            ctx.request_repaint_after(GAME_EVERY);
        }
    }

    fn about(&self) -> (&'static str, &'static str) {
        (
            "Generative adversarial network",
            "A generator G turns noise z into samples; a discriminator D learns to tell them from real data, and G learns from D's gradient to fool it. Neither has a loss that says \"done\": watch the game.",
        )
    }

    fn side_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        ui.separator();

        let lab = shell.dataset().toy().is_some();
        let running = shell.session.as_ref().is_some_and(|s| s.running);
        shell.training_with_ui(ui, "one D update, then one G update", "fresh networks with the settings below", 1024, |ui, session| {
            if !lab {
                return;
            }
            if ui
                .add_enabled(!running, egui::Button::new("one D step"))
                .on_hover_text("update only the discriminator: watch the heat map move")
                .clicked()
            {
                session.ask(player_step(Player::Discriminator));
            }
            if ui
                .add_enabled(!running, egui::Button::new("one G step"))
                .on_hover_text("update only the generator: the fake points move along the arrows")
                .clicked()
            {
                session.ask(player_step(Player::Generator));
            }
        });
        if let Some(PlayerStepped { player, terms }) = shell.session.as_ref().and_then(|s| s.latest::<PlayerStepped>()) {
            let who = if *player == Player::Generator { "G" } else { "D" };
            let shown: Vec<String> = terms.iter().map(|(n, v)| format!("{n} {v:.3}")).collect();
            ui.weak(format!("last single {who} step: {}", shown.join(", ")));
        }
        Self::objective_help_ui(ui, shell.session.as_ref());
        ui.separator();

        shell.model_settings_ui(ui, |ui| {
            if lab {
                ui.add(egui::Slider::new(&mut self.latent_dim_2d, 1..=16).text("latent dim"));
                ui.add(egui::Slider::new(&mut self.hidden, 16..=512).logarithmic(true).text("hidden width"));
            } else {
                ui.add(egui::Slider::new(&mut self.latent_dim_images, 1..=128).logarithmic(true).text("latent dim"));
                ui.checkbox(&mut self.conditional, "class-conditional (pick the digit)");
            }
        });
        shell.description_ui(ui);
        shell.files_ui(ui);
        shell.measure_ui(ui);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, shell: &mut RunShell) {
        if shell.session.is_none() {
            return;
        }
        if self.toy.is_some() {
            if let Some(session) = &shell.session {
                self.lab_ui(ui, session);
            }
            ui.separator();
            self.curves_ui(ui, shell, 180.0);
        } else {
            self.curves_ui(ui, shell, 200.0);
            ui.separator();
            if let Some(session) = &mut shell.session {
                self.images_ui(ui, session);
            }
        }
    }
}
