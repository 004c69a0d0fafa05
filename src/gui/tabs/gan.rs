//! The GAN tab: the lab on 2-D toys (D's heat map, the generator's warp and pull, single
//! player steps, mode coverage over time) and DCGAN on images (a fixed-z grid, D's outputs,
//! a digit picker, latent interpolation), with FID and precision/recall on demand.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::data::{DatasetId, ToyKind};
use crate::metrics::mode_coverage;
use crate::models::gan::{GanConfig, GanFamily, Objective};
use crate::models::FamilyKind;
use crate::rng::Rng;
use crate::train::{Command, Player, TrainData};

use super::super::eval_on_demand::EvalOnDemand;
use super::super::loading::without_panics;
use super::super::session::Session;
use super::super::tab::{side_and_central_ui, Shared, Tab, TabStatus};
use super::super::train_data::TabData;
use super::super::widgets::game_plane::{GamePlane, MESH_RES};
use super::super::widgets::{dataset_picker_ui, loss_plot_terms_ui, ImageGrid, LossPlotState};

/// Training points drawn from a toy once; batches come from these.
const TOY_POINTS: usize = 50_000;
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

pub struct GanTab {
    dataset: DatasetId,
    /// The architecture settings the next Reset builds (image sizes come from the data).
    latent_dim_2d: usize,
    hidden: usize,
    conditional: bool,
    batch_size: usize,
    seed: u64,
    toy: Option<(Arc<Vec<[f32; 2]>>, Arc<Vec<u8>>)>,
    /// Image datasets, loaded in the background (the toys are drawn at once).
    images: TabData,
    session: Option<Session>,
    load_error: Option<String>,
    losses: LossPlotState,
    outputs: LossPlotState,
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
    eval: EvalOnDemand,
}

impl Default for GanTab {
    fn default() -> Self {
        let base = GanConfig::default();
        Self {
            dataset: DatasetId::Toy(ToyKind::Ring8),
            latent_dim_2d: base.latent_dim,
            hidden: base.hidden,
            conditional: false,
            batch_size: base.default_batch_size(),
            seed: 0,
            toy: None,
            images: TabData::default(),
            session: None,
            load_error: None,
            losses: LossPlotState::default(),
            outputs: LossPlotState::default(),
            plane: None,
            fake_z: Vec::new(),
            game_sent: None,
            game_step: u64::MAX,
            coverage: Vec::new(),
            digit: 0,
            digits: ImageGrid::new("gan-digit"),
            interp_seeds: (1, 2),
            interpolation: ImageGrid::new("gan-interp"),
            eval: EvalOnDemand::default(),
        }
    }
}

impl GanTab {
    fn ensure_session(&mut self, ctx: &egui::Context, shared: &Shared) {
        if self.images.folder_changed(shared.data_version) {
            self.session = None;
            self.load_error = None;
        }
        if self.session.is_some() || self.load_error.is_some() {
            return;
        }
        let (config, data) = match self.dataset {
            DatasetId::Toy(kind) => {
                let (points, labels) = self
                    .toy
                    .get_or_insert_with(|| {
                        let (p, l) = kind.sample(TOY_POINTS, &mut Rng::new(0x7EA1));
                        (Arc::new(p), Arc::new(l))
                    })
                    .clone();
                self.plane = Some(GamePlane::new(&points[..SHOWN_REAL]));
                let config = GanConfig { latent_dim: self.latent_dim_2d, hidden: self.hidden, ..GanConfig::default() };
                (config, TrainData::Points { points, labels })
            }
            // The picker offers images and toys only.
            DatasetId::Text => return,
            DatasetId::Images(_) => {
                let data = match self.images.get(self.dataset, shared.data_dir.as_deref(), ctx) {
                    None => return,
                    Some(Ok(TrainData::Images(d))) => d,
                    Some(Ok(_)) => return self.load_error = Some("expected images".into()),
                    Some(Err(e)) => return self.load_error = Some(e),
                };
                let config = GanConfig::dcgan(data.train.width, data.train.height, data.num_classes(), self.conditional);
                (config, TrainData::Images(data))
            }
        };
        self.fake_z = Rng::new(99).normal_vec(SHOWN_FAKE * config.latent_dim);
        match without_panics("building the networks", || GanFamily::new(config, &shared.device.device, self.seed)) {
            Ok(family) => {
                let session = Session::start(
                    Box::new(family),
                    &[FamilyKind::Gan],
                    data,
                    Some(self.dataset),
                    shared.data_dir.clone(),
                    self.batch_size,
                    64,
                    &shared.device,
                    ctx,
                );
                session.send(Command::Sample { n: 64, seed: 1234, label: None });
                self.session = Some(session);
                self.coverage.clear();
                self.game_sent = None;
                self.game_step = u64::MAX;
            }
            Err(e) => self.load_error = Some(e),
        }
    }

    fn reset(&mut self) {
        self.session = None;
        self.load_error = None;
        self.eval.clear();
    }

    fn hyper(&self, name: &str) -> Option<f64> {
        self.session.as_ref()?.hyper.iter().find(|p| p.name == name).map(|p| p.value)
    }

    fn objective(&self) -> Objective {
        let i = self.hyper("objective").unwrap_or(1.0).round() as usize;
        Objective::ALL.get(i).copied().unwrap_or(Objective::NonSaturating)
    }

    /// Takes the worker's lab pictures and asks for a fresh one when the game moved.
    fn update_game(&mut self, ctx: &egui::Context) {
        let probabilistic = self.objective().is_probabilistic();
        let latent_dim = self.hyper("latent_dim").map_or(self.latent_dim_2d, |v| v.round() as usize);
        let kind = self.dataset.toy();
        let (Some(session), Some(plane), Some(kind)) = (&mut self.session, &mut self.plane, kind) else { return };
        if let Some((step, snapshot)) = session.game.take() {
            plane.set(ctx, &snapshot, probabilistic);
            self.game_sent = None;
            if let Some((modes, sigma)) = kind.modes() {
                if let Ok(c) = mode_coverage(plane.fakes(), &modes, sigma) {
                    if self.coverage.last().is_none_or(|last| last[0] < step as f64) {
                        self.coverage.push([step as f64, c.modes_covered as f64]);
                    }
                }
            }
        }
        if self.fake_z.len() != SHOWN_FAKE * latent_dim {
            self.fake_z = Rng::new(99).normal_vec(SHOWN_FAKE * latent_dim);
            self.game_step = u64::MAX;
        }
        let stale = self.game_sent.is_some_and(|t| t.elapsed() > Duration::from_secs(3));
        let due = self.game_sent.is_none() && session.step != self.game_step;
        if due || stale {
            let mut z = GamePlane::mesh_latents(latent_dim);
            z.extend_from_slice(&self.fake_z);
            let n = MESH_RES * MESH_RES + SHOWN_FAKE;
            session.send(Command::Game { field: plane.field_points(), z, n });
            self.game_sent = Some(Instant::now());
            self.game_step = session.step;
        }
        if session.running {
            // Keep asking at a steady pace while training; the worker answers between steps.
            ctx.request_repaint_after(GAME_EVERY);
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Generative adversarial network");
        ui.weak("A generator G turns noise z into samples; a discriminator D learns to tell them from real data, and G learns from D's gradient to fool it. Neither has a loss that says \"done\": watch the game.");
        ui.separator();

        ui.strong("Data");
        if dataset_picker_ui(ui, &mut self.dataset) {
            self.toy = None;
            self.images.clear();
            self.batch_size = match self.dataset {
                DatasetId::Toy(_) => GanConfig::default().default_batch_size(),
                DatasetId::Images(_) | DatasetId::Text => GanConfig::dcgan(28, 28, 10, false).default_batch_size(),
            };
            self.reset();
        }
        if let Some(data) = self.images.images() {
            ui.weak(format!("{} — {} train / {} test images", data.source, data.train.len(), data.test.len()));
        }
        ui.separator();

        ui.strong("Training");
        let running = self.session.as_ref().is_some_and(|s| s.running);
        let lab = self.dataset.toy().is_some();
        ui.horizontal_wrapped(|ui| {
            if let Some(session) = &self.session {
                session.run_buttons_ui(ui, "one D update, then one G update");
                if lab {
                    if ui.add_enabled(!running, egui::Button::new("one D step")).on_hover_text("update only the discriminator: watch the heat map move").clicked() {
                        session.send(Command::PlayerStep(Player::Discriminator));
                    }
                    if ui.add_enabled(!running, egui::Button::new("one G step")).on_hover_text("update only the generator: the fake points move along the arrows").clicked() {
                        session.send(Command::PlayerStep(Player::Generator));
                    }
                }
            }
            if ui.button("Reset").on_hover_text("fresh networks with the settings below").clicked() {
                self.reset();
            }
        });
        if let Some((player, terms)) = self.session.as_ref().and_then(|s| s.player_step.as_ref()) {
            let who = if *player == Player::Generator { "G" } else { "D" };
            let shown: Vec<String> = terms.iter().map(|(n, v)| format!("{n} {v:.3}")).collect();
            ui.weak(format!("last single {who} step: {}", shown.join(", ")));
        }
        Session::batch_size_ui(ui, &mut self.batch_size, 1024, self.session.as_ref());
        self.objective_ui(ui);
        if let Some(session) = &mut self.session {
            // The game has its own picker above.
            session.hyper_sliders_ui(ui, &|name| name == "objective");
        }
        ui.separator();

        ui.strong("Model (applied on Reset)");
        if lab {
            ui.add(egui::Slider::new(&mut self.latent_dim_2d, 1..=16).text("latent dim"));
            ui.add(egui::Slider::new(&mut self.hidden, 16..=512).logarithmic(true).text("hidden width"));
        } else {
            ui.checkbox(&mut self.conditional, "class-conditional (pick the digit)");
        }
        ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
        if let Some(session) = &self.session {
            ui.separator();
            ui.weak(format!("{}\n{} parameters", session.description, session.num_params));
        }
        ui.separator();
        ui.strong("Measure");
        self.eval.ui(ui, self.session.as_ref(), "gan");
    }

    fn objective_ui(&mut self, ui: &mut egui::Ui) {
        let current = self.objective();
        let Some(session) = &mut self.session else { return };
        let mut chosen = current;
        egui::ComboBox::from_label("game").selected_text(current.label()).show_ui(ui, |ui| {
            for o in Objective::ALL {
                ui.selectable_value(&mut chosen, o, o.label());
            }
        });
        if chosen != current {
            let index = Objective::ALL.iter().position(|&o| o == chosen).unwrap_or(1) as f64;
            if let Some(p) = session.hyper.iter_mut().find(|p| p.name == "objective") {
                p.value = index;
            }
            session.send(Command::SetHyper { name: "objective".into(), value: index });
        }
        ui.weak(match chosen {
            Objective::Minimax => "G minimises log(1 − D(G(z))): when D rejects fakes confidently, G's gradient vanishes.",
            Objective::NonSaturating => "G maximises log D(G(z)): strong gradients even when D is winning (the usual choice).",
            Objective::Hinge => "D wants real outputs above +1 and fake ones below −1; G raises D on its fakes.",
            Objective::LeastSquares => "D regresses real to 1 and fake to 0; G pulls its fakes' outputs towards 1.",
            Objective::Wgan => "D is a critic whose weights are clipped to [−c, c]; its output gap estimates a Wasserstein distance.",
        });
        ui.weak("No gradient penalty (WGAN-GP): it needs the gradient of a gradient, which burn cannot take, so WGAN here uses weight clipping.");
    }

    fn notices_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(e) = &self.load_error {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
            if ui.button("Use the 8-Gaussian ring instead").clicked() {
                self.dataset = DatasetId::Toy(ToyKind::Ring8);
                self.reset();
            }
        }
        if let Some(session) = &mut self.session {
            session.notices_ui(ui);
        }
    }

    fn curves_ui(&mut self, ui: &mut egui::Ui, height: f32) {
        let Some(session) = &self.session else { return };
        let probabilistic = self.objective().is_probabilistic();
        ui.columns(2, |cols| {
            cols[0].strong("Losses");
            cols[0].weak("Unlike other models, falling is not the goal: a healthy game hovers. D's loss at 0 means D wins outright.");
            loss_plot_terms_ui(&mut cols[0], "gan-loss", &session.history, &mut self.losses, height, &|n| !is_d_output(n));
            cols[1].strong(if probabilistic { "Mean D(real) and D(fake)" } else { "Mean critic(real) and critic(fake)" });
            cols[1].weak(if probabilistic {
                "At the game's equilibrium D cannot tell: both sit at 0.5."
            } else {
                "The gap between the two estimates the Wasserstein distance (up to the clipping's scale)."
            });
            loss_plot_terms_ui(&mut cols[1], "gan-d-out", &session.history, &mut self.outputs, height, &|n| is_d_output(n));
        });
    }

    fn lab_ui(&mut self, ui: &mut egui::Ui) {
        let Some(kind) = self.dataset.toy() else { return };
        let real: Vec<[f32; 2]> = self.toy.as_ref().map(|(p, _)| p[..SHOWN_REAL].to_vec()).unwrap_or_default();
        let probabilistic = self.objective().is_probabilistic();
        let Some(plane) = &mut self.plane else { return };
        let side = (ui.available_width() * 0.55).clamp(280.0, 560.0);
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.strong(format!("The game on {}", kind.label()));
                plane.ui(ui, side, &real);
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
                Plot::new("gan-coverage")
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

    fn images_ui(&mut self, ui: &mut egui::Ui) {
        let conditional = self.conditional;
        let Some(session) = &mut self.session else { return };
        if let Some(images) = session.decoded.remove(&TAG_DIGIT) {
            self.digits.set(ui.ctx(), images, 8);
        }
        if let Some(images) = session.decoded.remove(&TAG_INTERP) {
            let cols = images.n;
            self.interpolation.set(ui.ctx(), images, cols);
        }
        let latent_dim = session.hyper.iter().find(|p| p.name == "latent_dim").map_or(64, |p| p.value.round() as usize);
        let width = ((ui.available_width() - 16.0) / 2.0 - 20.0).min(360.0);
        ui.columns(2, |cols| {
            cols[0].strong("Samples from the same 64 z, refreshed while training");
            cols[0].weak(if conditional { "Row by row the classes cycle 0, 1, 2, …" } else { "Fixed noise, so you see the generator change, not the noise." });
            session.samples.ui(&mut cols[0], width, "no samples yet");
            if conditional {
                cols[1].strong("Pick a digit");
                cols[1].horizontal(|ui| {
                    ui.add(egui::DragValue::new(&mut self.digit).range(0..=9).prefix("class: "));
                    if ui.button("Generate 16").clicked() {
                        let z = Rng::new(5).normal_vec(16 * latent_dim);
                        session.send(Command::Decode { tag: TAG_DIGIT, z, n: 16, label: Some(self.digit) });
                    }
                });
                self.digits.ui(&mut cols[1], width * 0.8, "");
            }
            cols[1].strong("Latent interpolation");
            cols[1].weak("Walk on the sphere from z_a to z_b (slerp) and generate each step: a smooth path means G learned a continuous map.");
            cols[1].horizontal(|ui| {
                ui.add(egui::DragValue::new(&mut self.interp_seeds.0).prefix("z_a seed "));
                ui.add(egui::DragValue::new(&mut self.interp_seeds.1).prefix("z_b seed "));
                if ui.button("Interpolate").clicked() {
                    let a = Rng::new(self.interp_seeds.0).normal_vec(latent_dim);
                    let b = Rng::new(self.interp_seeds.1).normal_vec(latent_dim);
                    let z = crate::math::interpolate(&a, &b, 10, true);
                    session.send(Command::Decode { tag: TAG_INTERP, z, n: 10, label: Some(self.digit) });
                }
            });
            self.interpolation.ui(&mut cols[1], width, "");
        });
    }

    fn views_ui(&mut self, ui: &mut egui::Ui) {
        self.notices_ui(ui);
        let Some(session) = &self.session else {
            self.images.loading_ui(ui);
            return;
        };
        if session.step == 0 && !session.running {
            ui.label(egui::RichText::new("Press Start to play the game, or make single D and G steps to see each player's move.").strong());
        }
        if self.dataset.toy().is_some() {
            self.lab_ui(ui);
            ui.separator();
            self.curves_ui(ui, 180.0);
        } else {
            self.curves_ui(ui, 200.0);
            ui.separator();
            self.images_ui(ui);
        }
    }
}

impl Tab for GanTab {
    fn poll_in_background(&mut self) {
        if let Some(session) = &mut self.session {
            session.poll();
        }
    }

    fn name(&self) -> &'static str {
        "GAN"
    }

    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        self.ensure_session(ui.ctx(), shared);
        if let Some(session) = &mut self.session {
            session.poll();
        }
        self.update_game(ui.ctx());
        if let Some(session) = &mut self.session {
            self.eval.poll(session, shared, ui.ctx());
        }
        side_and_central_ui(ui, "gan-controls", 300.0, self, Self::controls_ui, Self::views_ui);
    }

    fn status(&self) -> Option<TabStatus> {
        self.session.as_ref().map(Session::status)
    }
}
