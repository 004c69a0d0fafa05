//! The diffusion tab: train a denoiser live, then look at the process it learned to reverse —
//! the forward process q(x_t | x₀) with ᾱ_t and SNR(t), the loss by timestep, a step-through of
//! a sampling run (x_t beside the predicted x̂₀), and on 2-D data the points flowing from
//! noise to data through the learned noise field.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;
use egui_plot::{Arrows, Bar, BarChart, Legend, Line, Plot, PlotPoints, Points, VLine};

use crate::data::{DatasetId, ToyKind};
use crate::export::save_trajectory_gif;
use crate::models::diffusion::family::FAMILY_NAME;
use crate::models::diffusion::process::add_noise;
use crate::models::diffusion::{DiffusionConfig, DiffusionFamily, Prediction, SamplerKind, Schedule, ScheduleKind, Spacing};
use crate::models::FamilyKind;
use crate::rng::Rng;
use crate::train::checkpoint::{read_config, read_progress, CONFIG_FILE};
use crate::train::{Command, ImageBatch, Samples, TrainData, Trajectory};

use super::super::dialogs::{PendingDialog, Purpose};
use super::super::eval_on_demand::EvalOnDemand;
use super::super::loading::without_panics;
use super::super::session::Session;
use super::super::tab::{side_and_central_ui, Shared, Tab, TabStatus};
use super::super::train_data::TabData;
use super::super::widgets::{dataset_picker_ui, loss_plot_ui, ImageGrid, LossPlotState, StepScrubber};

/// Training points drawn from a toy once; batches come from these.
const TOY_POINTS: usize = 50_000;
/// Real points drawn on the 2-D plots.
const SHOWN_REAL: usize = 800;
/// Images and points kept per step in a step-through.
const TRAJECTORY_IMAGES: usize = 16;
const TRAJECTORY_POINTS: usize = 600;
/// Points whose whole path is drawn in the 2-D step-through.
const TRACED: usize = 60;
/// The noise field's grid: FIELD_RES × FIELD_RES arrows over [−FIELD_EXTENT, FIELD_EXTENT]².
const FIELD_RES: usize = 17;
const FIELD_EXTENT: f32 = 3.0;
/// Test images shown in the forward-process view.
const FORWARD_IMAGES: usize = 8;

/// γ of the Min-SNR weighting the checkbox turns on (the paper's choice).
const MIN_SNR_GAMMA: f64 = 5.0;

const REAL_COLOUR: egui::Color32 = egui::Color32::from_rgb(90, 200, 130);
const SAMPLE_COLOUR: egui::Color32 = egui::Color32::from_rgb(242, 142, 43);

pub struct DiffusionTab {
    dataset: DatasetId,
    /// Settings the next Reset builds with.
    schedule: ScheduleKind,
    timesteps: usize,
    prediction: Prediction,
    channels: usize,
    hidden: usize,
    conditional: bool,
    min_snr: bool,
    batch_size: usize,
    seed: u64,
    /// The configuration the running model was built with (its schedule is what is drawn).
    built: Option<DiffusionConfig>,
    built_schedule: Option<Schedule>,
    toy: Option<(Arc<Vec<[f32; 2]>>, Arc<Vec<u8>>)>,
    /// Image datasets, loaded in the background (the toys are drawn at once).
    images: TabData,
    session: Option<Session>,
    load_error: Option<String>,
    losses: LossPlotState,
    samples: Option<Vec<[f32; 2]>>,
    // The step-through.
    trajectory: Option<(u64, Trajectory)>,
    trajectory_label: u8,
    trajectory_seed: u64,
    waiting_for_trajectory: bool,
    scrubber: StepScrubber,
    shown_position: Option<usize>,
    x_t_grid: ImageGrid,
    x0_grid: ImageGrid,
    field: Option<(usize, Vec<[f32; 2]>)>,
    field_asked: Option<usize>,
    dialog: Option<PendingDialog>,
    /// A checkpoint to load once the model for its dataset is running, with its configuration
    /// (the schedule drawn becomes the checkpoint's when the worker says it is loaded).
    checkpoint: Option<PendingCheckpoint>,
    // The forward process.
    forward_t: usize,
    forward_first: usize,
    forward_shown: Option<(usize, usize, u64)>,
    forward_grid: ImageGrid,
    clean_grid: ImageGrid,
    eval: EvalOnDemand,
}

impl Default for DiffusionTab {
    fn default() -> Self {
        let base = DiffusionConfig::default();
        Self {
            dataset: DatasetId::Toy(ToyKind::Ring8),
            schedule: base.schedule,
            timesteps: base.timesteps,
            prediction: base.prediction,
            channels: base.channels,
            hidden: base.hidden,
            conditional: false,
            min_snr: false,
            batch_size: base.default_batch_size(),
            seed: 0,
            built: None,
            built_schedule: None,
            toy: None,
            images: TabData::default(),
            session: None,
            load_error: None,
            losses: LossPlotState::default(),
            samples: None,
            trajectory: None,
            trajectory_label: 0,
            trajectory_seed: 7,
            waiting_for_trajectory: false,
            scrubber: StepScrubber::default(),
            shown_position: None,
            x_t_grid: ImageGrid::new("diffusion-x_t"),
            x0_grid: ImageGrid::new("diffusion-x0"),
            field: None,
            field_asked: None,
            dialog: None,
            checkpoint: None,
            forward_t: 250,
            forward_first: 0,
            forward_shown: None,
            forward_grid: ImageGrid::new("diffusion-forward"),
            clean_grid: ImageGrid::new("diffusion-clean"),
            eval: EvalOnDemand::default(),
        }
    }
}

struct PendingCheckpoint {
    dir: PathBuf,
    config: DiffusionConfig,
    /// The load command has gone to the worker.
    sent: bool,
}

/// The 2-D field's grid points, row by row.
fn field_points() -> Vec<[f32; 2]> {
    let step = 2.0 * FIELD_EXTENT / (FIELD_RES - 1) as f32;
    (0..FIELD_RES * FIELD_RES)
        .map(|i| [-FIELD_EXTENT + (i % FIELD_RES) as f32 * step, -FIELD_EXTENT + (i / FIELD_RES) as f32 * step])
        .collect()
}

fn plot_points(points: &[[f32; 2]]) -> PlotPoints<'static> {
    points.iter().map(|p| [p[0] as f64, p[1] as f64]).collect::<Vec<[f64; 2]>>().into()
}

impl DiffusionTab {
    fn ensure_session(&mut self, ctx: &egui::Context, shared: &Shared) {
        if self.images.folder_changed(shared.data_version) {
            self.session = None;
            self.load_error = None;
        }
        if self.session.is_some() || self.load_error.is_some() {
            return;
        }
        let (base, data, preview_n) = match self.dataset {
            DatasetId::Toy(kind) => {
                let (points, labels) = self
                    .toy
                    .get_or_insert_with(|| {
                        let (p, l) = kind.sample(TOY_POINTS, &mut Rng::new(0x7EA1));
                        (Arc::new(p), Arc::new(l))
                    })
                    .clone();
                let base = DiffusionConfig {
                    hidden: self.hidden,
                    conditional: self.conditional,
                    num_classes: kind.num_classes(),
                    ..DiffusionConfig::default()
                };
                (base, TrainData::Points { points, labels }, 1000)
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
                let base = DiffusionConfig {
                    channels: self.channels,
                    ..DiffusionConfig::unet(data.train.width, data.train.height, data.num_classes(), self.conditional)
                };
                (base, TrainData::Images(data), 16)
            }
        };
        let config = DiffusionConfig {
            schedule: self.schedule,
            timesteps: self.timesteps,
            prediction: self.prediction,
            min_snr_gamma: self.min_snr.then_some(MIN_SNR_GAMMA),
            ..base
        };
        match without_panics("building the network", || DiffusionFamily::new(config.clone(), &shared.device.device, self.seed)) {
            Ok(family) => {
                let session = Session::start(
                    Box::new(family),
                    &[FamilyKind::Diffusion],
                    data,
                    Some(self.dataset),
                    shared.data_dir.clone(),
                    self.batch_size,
                    preview_n,
                    &shared.device,
                    ctx,
                );
                session.send(Command::Sample { n: preview_n, seed: 1234, label: None });
                self.built_schedule = config.build_schedule().ok();
                self.built = Some(config);
                self.session = Some(session);
                self.forward_t = self.forward_t.min(self.timesteps - 1);
                self.forward_shown = None;
            }
            Err(e) => self.load_error = Some(e),
        }
    }

    fn reset(&mut self) {
        self.session = None;
        self.load_error = None;
        self.checkpoint = None;
        self.built = None;
        self.samples = None;
        self.trajectory = None;
        self.waiting_for_trajectory = false;
        self.field = None;
        self.field_asked = None;
        self.scrubber.rewind();
        self.shown_position = None;
        self.eval.clear();
    }

    fn hyper(&self, name: &str) -> Option<f64> {
        self.session.as_ref()?.hyper.iter().find(|p| p.name == name).map(|p| p.value)
    }

    fn set_hyper(&mut self, name: &str, value: f64) {
        let Some(session) = &mut self.session else { return };
        if let Some(p) = session.hyper.iter_mut().find(|p| p.name == name) {
            p.value = value;
        }
        session.send(Command::SetHyper { name: name.into(), value });
    }

    /// Takes what the worker sent for this tab's views.
    fn take_events(&mut self) {
        let Some(session) = &mut self.session else { return };
        if let Some((_, points)) = session.points.take() {
            self.samples = Some(points);
        }
        if let Some(trajectory) = session.trajectory.take() {
            self.trajectory = Some(trajectory);
            self.waiting_for_trajectory = false;
            self.scrubber.rewind();
            self.shown_position = None;
            self.field = None;
            self.field_asked = None;
        }
        if let Some(field) = session.noise_field.take() {
            self.field = Some(field);
        }
    }

    /// Acts on a file dialog that has closed: export the GIF, save or load a checkpoint.
    fn poll_dialog(&mut self) {
        let Some(dialog) = &self.dialog else { return };
        let Some(answer) = dialog.poll() else { return };
        let purpose = dialog.purpose;
        self.dialog = None;
        let Some(path) = answer else { return };
        match purpose {
            Purpose::ExportGif => {
                let Some(session) = &mut self.session else { return };
                match self.trajectory.as_ref().map(|(_, t)| save_trajectory_gif(t, 80, &path)) {
                    Some(Ok(())) => session.notice(format!("wrote {}", path.display())),
                    Some(Err(e)) => session.error(e),
                    None => {}
                }
            }
            Purpose::SaveCheckpoint => {
                if let Some(session) = &self.session {
                    session.save(path);
                }
            }
            Purpose::LoadCheckpoint => self.load_checkpoint(path),
            _ => {}
        }
    }

    /// Switches to the checkpoint's dataset when it names another one, then loads it once the
    /// model for that dataset runs (its data may still be loading); the schedule drawn becomes
    /// the checkpoint's once the worker has loaded it.
    fn load_checkpoint(&mut self, path: PathBuf) {
        let config = read_config(&path).and_then(|json| {
            if json.get("family").and_then(|f| f.as_str()) != Some(FAMILY_NAME) {
                return Err(format!("{}: not a diffusion checkpoint", path.display()));
            }
            serde_json::from_value::<DiffusionConfig>(json["config"].clone())
                .map_err(|e| format!("{}: not a diffusion configuration ({e})", path.join(CONFIG_FILE).display()))
        });
        let config = match config {
            Ok(c) => c,
            Err(e) => {
                match &mut self.session {
                    Some(session) => session.error(e),
                    None => self.load_error = Some(e),
                }
                return;
            }
        };
        if let Some(dataset) = read_progress(&path).ok().and_then(|p| p.dataset) {
            if dataset != self.dataset {
                self.dataset = dataset;
                self.toy = None;
                self.images.clear();
                self.reset();
            }
        }
        self.checkpoint = Some(PendingCheckpoint { dir: path, config, sent: false });
    }

    /// Sends the pending checkpoint to the worker once there is one, and draws its schedule
    /// once the worker has loaded it (a refused checkpoint leaves the model and the drawing).
    fn update_checkpoint(&mut self) {
        let (Some(pending), Some(session)) = (&mut self.checkpoint, &mut self.session) else { return };
        if !pending.sent {
            session.load(pending.dir.clone());
            pending.sent = true;
        }
        if session.loaded.as_ref() == Some(&pending.dir) {
            session.loaded = None;
            self.built_schedule = pending.config.build_schedule().ok();
            self.built = Some(pending.config.clone());
            self.trajectory = None;
            self.checkpoint = None;
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Diffusion model");
        ui.weak("Noise is added to data in T small steps until nothing is left but noise. A network learns to undo one step: given x_t and t it predicts the noise. Sampling starts from pure noise and denoises step by step.");
        ui.separator();

        ui.strong("Data");
        if dataset_picker_ui(ui, &mut self.dataset) {
            self.toy = None;
            self.images.clear();
            let base = match self.dataset {
                DatasetId::Toy(_) => DiffusionConfig::default(),
                DatasetId::Images(_) | DatasetId::Text => DiffusionConfig::unet(28, 28, 10, false),
            };
            self.batch_size = base.default_batch_size();
            self.min_snr = base.min_snr_gamma.is_some();
            self.reset();
        }
        if let Some(data) = self.images.images() {
            ui.weak(format!("{} — {} train / {} test images", data.source, data.train.len(), data.test.len()));
        }
        ui.separator();

        ui.strong("Training");
        ui.horizontal_wrapped(|ui| {
            if let Some(session) = &self.session {
                session.run_buttons_ui(ui, "one training step");
            }
            if ui.button("Reset").on_hover_text("a fresh network with the settings below").clicked() {
                self.reset();
            }
        });
        ui.horizontal(|ui| {
            let free = self.dialog.is_none();
            if ui.add_enabled(free && self.session.is_some(), egui::Button::new("Save checkpoint…")).clicked() {
                self.dialog = Some(PendingDialog::open(Purpose::SaveCheckpoint, ui.ctx()));
            }
            if ui.add_enabled(free, egui::Button::new("Load checkpoint…")).on_hover_text("a folder written by this tab or by genlab train --family diffusion").clicked() {
                self.dialog = Some(PendingDialog::open(Purpose::LoadCheckpoint, ui.ctx()));
            }
        });
        Session::batch_size_ui(ui, &mut self.batch_size, 1024, self.session.as_ref());
        if let Some(mut lr) = self.hyper("learning_rate") {
            if ui.add(egui::Slider::new(&mut lr, 1e-5..=1e-2).logarithmic(true).text("learning rate")).changed() {
                self.set_hyper("learning_rate", lr);
            }
        }
        ui.separator();
        self.sampler_ui(ui);
        ui.separator();

        ui.strong("Model (applied on Reset)");
        egui::ComboBox::from_label("noise schedule").selected_text(self.schedule.label()).show_ui(ui, |ui| {
            for kind in ScheduleKind::ALL {
                ui.selectable_value(&mut self.schedule, kind, kind.label());
            }
        });
        ui.add(egui::Slider::new(&mut self.timesteps, 10..=2000).logarithmic(true).text("T (noising steps)"));
        egui::ComboBox::from_label("network predicts").selected_text(self.prediction.label()).show_ui(ui, |ui| {
            for p in Prediction::ALL {
                ui.selectable_value(&mut self.prediction, p, p.label());
            }
        });
        if self.dataset.toy().is_some() {
            ui.add(egui::Slider::new(&mut self.hidden, 16..=512).logarithmic(true).text("hidden width"));
        } else {
            ui.add(egui::Slider::new(&mut self.channels, 8..=64).step_by(8.0).text("UNet width C"))
                .on_hover_text("levels of C, 2C and 4C channels; 32 gives 1.4 M parameters");
        }
        ui.checkbox(&mut self.min_snr, "Min-SNR-5 loss weighting")
            .on_hover_text("weights each example by min(SNR, 5)/SNR, so the nearly clean timesteps stop dominating (Hang et al. 2023)");
        ui.checkbox(&mut self.conditional, "class-conditional (for guidance)")
            .on_hover_text("trained with the label dropped 10 % of the time, so one network is both conditional and unconditional");
        ui.add(egui::DragValue::new(&mut self.seed).prefix("seed: "));
        if let Some(session) = &self.session {
            ui.separator();
            ui.weak(format!("{}\n{} parameters", session.description, session.num_params));
        }
        ui.separator();
        ui.strong("Measure");
        self.eval.ui(ui, self.session.as_ref(), "diffusion");
    }

    fn sampler_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Sampling (live)");
        let Some(kind) = self.hyper("sampler") else { return };
        let mut kind = if kind < 0.5 { SamplerKind::Ddpm } else { SamplerKind::Ddim };
        let before = kind;
        egui::ComboBox::from_label("sampler").selected_text(kind.label()).show_ui(ui, |ui| {
            ui.selectable_value(&mut kind, SamplerKind::Ddpm, "DDPM").on_hover_text("ancestral: fresh noise at every step (Ho et al. 2020)");
            ui.selectable_value(&mut kind, SamplerKind::Ddim, "DDIM").on_hover_text("deterministic at η = 0, so few steps suffice (Song et al. 2021)");
        });
        if kind != before {
            self.set_hyper("sampler", if kind == SamplerKind::Ddpm { 0.0 } else { 1.0 });
        }
        let t_max = self.built.as_ref().map_or(1000, |c| c.timesteps);
        if let Some(mut steps) = self.hyper("sample_steps") {
            if ui.add(egui::Slider::new(&mut steps, 1.0..=t_max as f64).logarithmic(true).integer().text("sampling steps")).changed() {
                self.set_hyper("sample_steps", steps);
            }
        }
        if kind == SamplerKind::Ddim {
            if let Some(mut eta) = self.hyper("eta") {
                if ui.add(egui::Slider::new(&mut eta, 0.0..=1.0).text("eta (DDIM noise)")).on_hover_text("0: deterministic; 1: as much fresh noise as DDPM").changed() {
                    self.set_hyper("eta", eta);
                }
            }
        }
        if let Some(spacing) = self.hyper("spacing") {
            let mut spacing = Spacing::ALL.get(spacing.round() as usize).copied().unwrap_or(Spacing::Leading);
            let before = spacing;
            egui::ComboBox::from_label("timestep spacing").selected_text(spacing.label()).show_ui(ui, |ui| {
                for s in Spacing::ALL {
                    ui.selectable_value(&mut spacing, s, s.label());
                }
            });
            if spacing != before {
                self.set_hyper("spacing", Spacing::ALL.iter().position(|&s| s == spacing).unwrap_or(0) as f64);
            }
        }
        if let Some(mut w) = self.hyper("guidance") {
            if ui.add(egui::Slider::new(&mut w, 0.0..=10.0).text("guidance scale w")).on_hover_text("classifier-free guidance: 0 ignores the label, 1 plain conditional, above 1 pushes harder towards the class").changed() {
                self.set_hyper("guidance", w);
            }
        }
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

    fn training_ui(&mut self, ui: &mut egui::Ui) {
        let Some(session) = &self.session else { return };
        let buckets = session.loss_by_t.clone();
        ui.columns(2, |cols| {
            cols[0].strong("Loss");
            cols[0].weak("Mean squared error of the prediction, over random t.");
            loss_plot_ui(&mut cols[0], "diffusion-loss", &session.history, &mut self.losses, 170.0);
            cols[1].strong("Loss by timestep t");
            cols[1].weak("Low t: little noise, so predicting it exactly is hard. High t: x_t is almost all noise, so the noise is easy to read off.");
            let bars: Vec<Bar> = buckets
                .iter()
                .filter(|b| b.loss.is_finite())
                .map(|b| Bar::new((b.t_lo + b.t_hi) as f64 / 2.0, b.loss).width((b.t_hi - b.t_lo) as f64 * 0.9))
                .collect();
            Plot::new("diffusion-loss-by-t")
                .height(170.0)
                .x_axis_label("t")
                .include_y(0.0)
                .show(&mut cols[1], |p| p.bar_chart(BarChart::new("loss", bars).color(SAMPLE_COLOUR)));
        });
    }

    fn samples_ui(&mut self, ui: &mut egui::Ui) {
        let steps = self.hyper("sample_steps").unwrap_or(0.0) as usize;
        let sampler = if self.hyper("sampler").unwrap_or(1.0) < 0.5 { "DDPM" } else { "DDIM" };
        ui.strong(format!("Samples ({sampler}, {steps} steps), refreshed while training"));
        if self.dataset.toy().is_some() {
            let real: Vec<[f32; 2]> = self.toy.as_ref().map(|(p, _)| p[..SHOWN_REAL].to_vec()).unwrap_or_default();
            let samples = self.samples.clone().unwrap_or_default();
            Plot::new("diffusion-samples")
                .height(260.0)
                .width(260.0)
                .data_aspect(1.0)
                .legend(Legend::default())
                .show(ui, |p| {
                    p.points(Points::new("real", plot_points(&real)).color(REAL_COLOUR).radius(1.5));
                    p.points(Points::new("samples", plot_points(&samples)).color(SAMPLE_COLOUR).radius(1.5));
                });
        } else if let Some(session) = &self.session {
            session.samples.ui(ui, 260.0, "the first samples come once the model has trained a little");
        }
    }

    fn step_through_ui(&mut self, ui: &mut egui::Ui) {
        ui.strong("Denoising, step by step");
        ui.weak("One sampling run with every step kept. Left: x_t, the sample at step t. Right: the clean sample x₀ the network predicts from it — blurry early, sharp at the end.");
        let conditional = self.built.as_ref().is_some_and(|c| c.conditional);
        let last_class = self.built.as_ref().map_or(0, |c| c.num_classes.saturating_sub(1)) as u8;
        let images = self.dataset.toy().is_none();
        ui.horizontal(|ui| {
            let can = self.session.is_some() && !self.waiting_for_trajectory;
            let n = if images { TRAJECTORY_IMAGES } else { TRAJECTORY_POINTS };
            if ui.add_enabled(can, egui::Button::new(format!("Sample {n} and keep every step"))).clicked() {
                if let Some(session) = &self.session {
                    let label = conditional.then_some(self.trajectory_label);
                    session.send(Command::Trajectory { n, seed: self.trajectory_seed, label });
                    self.waiting_for_trajectory = true;
                }
            }
            ui.add(egui::DragValue::new(&mut self.trajectory_seed).prefix("seed: "));
            if conditional {
                ui.add(egui::DragValue::new(&mut self.trajectory_label).range(0..=last_class).prefix("class: "));
            }
            let can_export = self.trajectory.is_some() && self.dialog.is_none();
            if ui.add_enabled(can_export, egui::Button::new("Export GIF…")).clicked() {
                self.dialog = Some(PendingDialog::open(Purpose::ExportGif, ui.ctx()));
            }
        });
        if self.waiting_for_trajectory {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("sampling (between training steps)…");
            });
        }
        let Some((step, trajectory)) = &self.trajectory else { return };
        let len = trajectory.steps.len() + 1;
        let ts: Vec<usize> = trajectory.steps.iter().map(|s| s.t).collect();
        ui.weak(format!("drawn at training step {step}, {} denoising steps", ts.len()));
        self.scrubber.ui(ui, len, &|i| match ts.get(i) {
            Some(t) => format!("t = {t}"),
            None => "result".to_string(),
        });
        let position = self.scrubber.position.min(len - 1);
        let (x_t, x0, t) = match trajectory.steps.get(position) {
            Some(s) => (&s.x_t, &s.x0, Some(s.t)),
            None => (&trajectory.result, &trajectory.result, None),
        };
        match (x_t, x0) {
            (Samples::Images(a), Samples::Images(b)) => {
                if self.shown_position != Some(position) {
                    self.x_t_grid.set(ui.ctx(), a.clone(), 4);
                    self.x0_grid.set(ui.ctx(), b.clone(), 4);
                    self.shown_position = Some(position);
                }
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.label(match t {
                            Some(t) => format!("x_t at t = {t}"),
                            None => "the samples".into(),
                        });
                        self.x_t_grid.ui(ui, 240.0, "");
                    });
                    ui.vertical(|ui| {
                        ui.label("predicted x₀");
                        self.x0_grid.ui(ui, 240.0, "");
                    });
                });
            }
            (Samples::Points(points), _) => {
                let t_now = t.unwrap_or(0);
                if self.field_asked != Some(t_now) {
                    if let Some(session) = &self.session {
                        session.send(Command::NoiseField { points: field_points(), t: t_now });
                        self.field_asked = Some(t_now);
                    }
                }
                let paths: Vec<Vec<[f64; 2]>> = (0..TRACED.min(points.len()))
                    .map(|i| {
                        trajectory.steps[..position.min(trajectory.steps.len())]
                            .iter()
                            .filter_map(|s| match &s.x_t {
                                Samples::Points(p) => p.get(i).map(|q| [q[0] as f64, q[1] as f64]),
                                Samples::Images(_) | Samples::Text(_) => None,
                            })
                            .chain(points.get(i).map(|q| [q[0] as f64, q[1] as f64]))
                            .collect()
                    })
                    .collect();
                let real: Vec<[f32; 2]> = self.toy.as_ref().map(|(p, _)| p[..SHOWN_REAL].to_vec()).unwrap_or_default();
                let arrows = self.field.as_ref().map(|(_, eps)| {
                    // −ε̂ points from x towards the data; drawn at a fixed fraction of the grid gap.
                    let gap = 2.0 * FIELD_EXTENT / (FIELD_RES - 1) as f32;
                    let longest = eps.iter().map(|e| (e[0] * e[0] + e[1] * e[1]).sqrt()).fold(1e-6f32, f32::max);
                    let origins = field_points();
                    let tips: Vec<[f32; 2]> =
                        origins.iter().zip(eps).map(|(o, e)| [o[0] - e[0] / longest * gap * 0.9, o[1] - e[1] / longest * gap * 0.9]).collect();
                    (origins, tips)
                });
                ui.weak("Green: the data. Orange: the samples at this step; thin lines: where 60 of them came from. Arrows: minus the predicted noise at this t, the direction the network would move a point at this noise level.");
                Plot::new("diffusion-flow")
                    .height(420.0)
                    .width(420.0)
                    .data_aspect(1.0)
                    .include_x(-FIELD_EXTENT)
                    .include_x(FIELD_EXTENT)
                    .include_y(-FIELD_EXTENT)
                    .include_y(FIELD_EXTENT)
                    .show(ui, |p| {
                        if let Some((origins, tips)) = arrows {
                            p.arrows(Arrows::new("noise field", plot_points(&origins), plot_points(&tips)).color(egui::Color32::from_gray(110)).tip_length(4.0));
                        }
                        p.points(Points::new("data", plot_points(&real)).color(REAL_COLOUR).radius(1.2));
                        for (i, path) in paths.into_iter().enumerate() {
                            p.line(Line::new(format!("path {i}"), PlotPoints::from(path)).color(egui::Color32::from_rgba_unmultiplied(242, 142, 43, 150)).width(1.2));
                        }
                        p.points(Points::new("samples", plot_points(points)).color(SAMPLE_COLOUR).radius(1.8));
                    });
            }
            _ => {}
        }
    }

    fn forward_ui(&mut self, ui: &mut egui::Ui) {
        let Some(schedule) = self.built_schedule.clone() else { return };
        ui.strong("The forward process q(x_t | x₀)");
        ui.weak("x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε: drag t to see how much of the data is left. Training picks a random t for every example.");
        let big_t = schedule.timesteps();
        ui.horizontal(|ui| {
            ui.add(egui::Slider::new(&mut self.forward_t, 0..=big_t - 1).text("t"));
            if self.dataset.toy().is_none() {
                ui.add(egui::DragValue::new(&mut self.forward_first).range(0..=9_000).prefix("first test image: "));
            }
        });
        let t = self.forward_t.min(big_t - 1);
        let a = schedule.alpha_bar(t as i64);
        ui.label(format!("t = {t}:  ᾱ_t = {a:.4},  signal √ᾱ_t = {:.3},  noise √(1 − ᾱ_t) = {:.3},  SNR = {:.3e}", a.sqrt(), (1.0 - a).sqrt(), schedule.snr(t)));
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| match (self.images.images(), self.dataset.toy()) {
                (Some(data), None) => {
                    let key = (t, self.forward_first, big_t as u64);
                    if self.forward_shown != Some(key) {
                        let n = FORWARD_IMAGES.min(data.test.len());
                        let first = self.forward_first.min(data.test.len().saturating_sub(n));
                        let x0: Vec<f32> = (first..first + n).flat_map(|i| data.test.image(i).iter().map(|v| v * 2.0 - 1.0).collect::<Vec<_>>()).collect();
                        let dim = data.test.pixels_per_image();
                        let noise = Rng::new(17).normal_vec(n * dim);
                        let x_t = add_noise(&x0, &noise, &vec![a; n], dim);
                        let shown = |v: &[f32]| ImageBatch { n, width: data.test.width, height: data.test.height, pixels: v.iter().map(|x| ((x + 1.0) / 2.0).clamp(0.0, 1.0)).collect() };
                        self.clean_grid.set(ui.ctx(), shown(&x0), n);
                        self.forward_grid.set(ui.ctx(), shown(&x_t), n);
                        self.forward_shown = Some(key);
                    }
                    ui.label("x₀ (test images)");
                    self.clean_grid.ui(ui, 320.0, "");
                    ui.label(format!("x_t at t = {t} (fixed noise)"));
                    self.forward_grid.ui(ui, 320.0, "");
                }
                (_, Some(_)) => {
                    let real: Vec<[f32; 2]> = self.toy.as_ref().map(|(p, _)| p[..SHOWN_REAL].to_vec()).unwrap_or_default();
                    let x0: Vec<f32> = real.iter().flat_map(|p| *p).collect();
                    let noise = Rng::new(17).normal_vec(x0.len());
                    let x_t = add_noise(&x0, &noise, &vec![a; real.len()], 2);
                    let noisy: Vec<[f32; 2]> = x_t.chunks(2).map(|p| [p[0], p[1]]).collect();
                    Plot::new("diffusion-forward-2d").height(240.0).width(240.0).data_aspect(1.0).show(ui, |p| {
                        p.points(Points::new("x_t", plot_points(&noisy)).color(SAMPLE_COLOUR).radius(1.2));
                    });
                }
                _ => {}
            });
            ui.vertical(|ui| {
                let alpha: Vec<[f64; 2]> = (0..big_t).map(|s| [s as f64, schedule.alphas_cumprod[s] as f64]).collect();
                let log_snr: Vec<[f64; 2]> = (0..big_t).map(|s| [s as f64, schedule.snr(s).log10()]).collect();
                ui.label(format!("{} schedule: ᾱ_t", schedule.kind.label()));
                Plot::new("diffusion-alpha-bar").height(110.0).width(300.0).include_y(0.0).include_y(1.0).show(ui, |p| {
                    p.line(Line::new("alpha_bar", PlotPoints::from(alpha)).color(SAMPLE_COLOUR));
                    p.vline(VLine::new("t", t as f64));
                });
                ui.label("log10 SNR(t) = log10 ᾱ_t / (1 − ᾱ_t)");
                Plot::new("diffusion-snr").height(110.0).width(300.0).show(ui, |p| {
                    p.line(Line::new("log10 SNR", PlotPoints::from(log_snr)).color(REAL_COLOUR));
                    p.vline(VLine::new("t", t as f64));
                });
            });
        });
    }

    fn views_ui(&mut self, ui: &mut egui::Ui) {
        self.notices_ui(ui);
        if let Some(pending) = self.checkpoint.as_ref().filter(|p| !p.sent) {
            ui.weak(format!("{} will be loaded once the model for its data is ready", pending.dir.display()));
        }
        let Some(session) = &self.session else {
            self.images.loading_ui(ui);
            return;
        };
        if session.step == 0 && !session.running {
            ui.label(egui::RichText::new("Press Start to train. Meanwhile, drag t below to watch the forward process destroy the data.").strong());
        }
        self.training_ui(ui);
        ui.separator();
        self.samples_ui(ui);
        ui.separator();
        self.step_through_ui(ui);
        ui.separator();
        self.forward_ui(ui);
    }
}

impl Tab for DiffusionTab {
    fn poll_in_background(&mut self) {
        if let Some(session) = &mut self.session {
            session.poll();
        }
    }

    fn name(&self) -> &'static str {
        "Diffusion"
    }

    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        self.ensure_session(ui.ctx(), shared);
        if let Some(session) = &mut self.session {
            session.poll();
            self.eval.poll(session, shared, ui.ctx());
        }
        self.update_checkpoint();
        self.take_events();
        self.poll_dialog();
        side_and_central_ui(ui, "diffusion-controls", 300.0, self, Self::controls_ui, Self::views_ui);
    }

    fn status(&self) -> Option<TabStatus> {
        self.session.as_ref().map(Session::status)
    }
}
