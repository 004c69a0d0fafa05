//! One training run as the GUI sees it: a worker thread, the events it sent, and what they
//! became on screen (loss history, sample and reconstruction textures, latent points).
//! Family-blind: every tab drives its run through one of these.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use eframe::egui;

use crate::data::DatasetId;
use crate::device::ComputeDevice;
use crate::models::{load_family_expecting, FamilyKind};
use crate::train::{
    spawn, Command, DrawnToken, Event, Family, GameSnapshot, HyperParam, ImageBatch, LossBucket, LossHistory, LossTerms,
    NextToken, Player, Samples, TrainData, Trajectory, WorkerHandle, WorkerOptions,
};

use super::tab::TabStatus;
use super::widgets::ImageGrid;

/// A message for the user: an error (red) or a notice.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

pub struct Session {
    worker: WorkerHandle,
    ctx: egui::Context,
    /// The worker thread has ended (it was not asked to): commands now go nowhere.
    worker_gone: bool,
    /// Whether the last event said why the worker might stop (an error, a pause with a reason,
    /// or its goodbye), so a thread that then ends is not reported twice.
    last_event_explained: bool,
    /// Errors shown so far, so that a waiting request can tell that one failed.
    pub errors: u64,
    pub history: LossHistory,
    pub running: bool,
    pub step: u64,
    pub samples_seen: u64,
    pub steps_per_sec: f64,
    pub description: String,
    pub num_params: usize,
    pub hyper: Vec<HyperParam>,
    pub samples: ImageGrid,
    pub recon_inputs: ImageGrid,
    pub recon_outputs: ImageGrid,
    pub interpolation: ImageGrid,
    /// Latest encoded test points: (values, dim, labels); taken by the tab.
    pub encoded: Option<(Vec<f32>, usize, Vec<u8>)>,
    /// Latest decoded batch per request tag; taken by the tab.
    pub decoded: HashMap<u64, ImageBatch>,
    pub notices: Vec<Notice>,
    /// The latest test-set likelihood estimates, with the step they were measured at.
    pub likelihood: Option<(u64, Vec<crate::metrics::LikelihoodSummary>)>,
    /// The latest sampled points (2-D families), with their seed; taken by the tab.
    pub points: Option<(u64, Vec<[f32; 2]>)>,
    /// The latest GAN-lab picture and the step it shows; taken by the tab.
    pub game: Option<(u64, GameSnapshot)>,
    /// The folder of the last checkpoint written; taken by the tab that asked.
    pub saved: Option<PathBuf>,
    /// The folder of the last checkpoint loaded; taken by the tab that asked.
    pub loaded: Option<PathBuf>,
    /// Loss terms of the last single-player step (the GAN lab's one D / one G step).
    pub player_step: Option<(Player, LossTerms)>,
    /// The latest sampling run with every step (diffusion), and the step it was drawn at;
    /// taken by the tab.
    pub trajectory: Option<(u64, Trajectory)>,
    /// The latest predicted-noise field (2-D diffusion) and its timestep; taken by the tab.
    pub noise_field: Option<(usize, Vec<[f32; 2]>)>,
    /// A diffusion model's loss by timestep range.
    pub loss_by_t: Vec<LossBucket>,
    /// The latest generated texts (text models) with the step they were drawn at.
    pub texts: Option<(u64, Vec<String>)>,
    /// Pixels filled in by the pixel-by-pixel sampler; taken by the tab.
    pub pixels_filled: Option<PixelsFilled>,
    /// The latest next-token answer (text models); taken by the tab.
    pub next_token: Option<NextToken>,
    /// The latest generated continuation (text models): the prompt and the drawn tokens.
    pub generated: Option<(Vec<u32>, Vec<DrawnToken>)>,
    /// The latest GMMN witness picture: (step, field values, generated points); taken by the tab.
    pub witness: Option<(u64, Vec<f32>, Vec<[f32; 2]>)>,
    /// The latest 2-D flow picture: (step, log-density at the field, the grid after each layer,
    /// data mapped to the base); taken by the tab.
    pub flow_picture: Option<(u64, Vec<f32>, Vec<Vec<[f32; 2]>>, Vec<[f32; 2]>)>,
    /// The latest RBM picture: (step, filters, Gibbs chain frames); taken by the tab.
    pub gibbs_picture: Option<(u64, ImageBatch, Vec<ImageBatch>)>,
}

/// The answer to a `Command::FillPixels`.
#[derive(Clone, Debug, PartialEq)]
pub struct PixelsFilled {
    pub x: Vec<f32>,
    pub n: usize,
    pub from: usize,
    pub count: usize,
    pub probs: Vec<f32>,
    pub next_visible: Vec<bool>,
}

/// The slowest live refresh while training when the window is drawn in software (4 a second).
const SOFTWARE_FRAME: Duration = Duration::from_millis(250);
/// How often a training run is checked for a worker thread that died: a dead thread sends
/// nothing, so nothing else would wake the window to notice.
const WATCH_EVERY: Duration = Duration::from_secs(1);

impl Session {
    /// Starts a worker for `family` on `data`; previews of `preview_n` samples arrive twice a
    /// second while training (less often when drawing them is slow). "Load checkpoint…" takes
    /// only checkpoints of the families in `accepts` (the tab's own); another family's is
    /// refused with a message and the current model is kept.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        family: Box<dyn Family>,
        accepts: &[FamilyKind],
        data: TrainData,
        dataset: Option<DatasetId>,
        data_dir: Option<PathBuf>,
        batch_size: usize,
        preview_n: usize,
        device: &ComputeDevice,
        ctx: &egui::Context,
    ) -> Self {
        let repaint = ctx.clone();
        let loader_device = device.device.clone();
        let accepts = accepts.to_vec();
        // Drawn in software on the training cores, every frame costs training time: while
        // training, new results are shown at most SOFTWARE_FRAME apart (input still repaints
        // at once).
        let software = device.software_render;
        let options = WorkerOptions {
            batch_size,
            preview_every: Some(Duration::from_millis(500)),
            preview_n,
            dataset,
            data_dir,
            ..WorkerOptions::default()
        };
        let worker = spawn(
            family,
            data,
            options,
            Box::new(move |dir| load_family_expecting(dir, &loader_device, &accepts)),
            Some(Box::new(move || {
                if software {
                    repaint.request_repaint_after(SOFTWARE_FRAME)
                } else {
                    repaint.request_repaint()
                }
            })),
        );
        Self {
            worker,
            ctx: ctx.clone(),
            worker_gone: false,
            last_event_explained: false,
            errors: 0,
            history: LossHistory::default(),
            running: false,
            step: 0,
            samples_seen: 0,
            steps_per_sec: 0.0,
            description: String::new(),
            num_params: 0,
            hyper: Vec::new(),
            samples: ImageGrid::new("samples"),
            recon_inputs: ImageGrid::new("recon-in"),
            recon_outputs: ImageGrid::new("recon-out"),
            interpolation: ImageGrid::new("interpolation"),
            encoded: None,
            decoded: HashMap::new(),
            likelihood: None,
            points: None,
            game: None,
            player_step: None,
            trajectory: None,
            noise_field: None,
            loss_by_t: Vec::new(),
            texts: None,
            pixels_filled: None,
            next_token: None,
            generated: None,
            witness: None,
            flow_picture: None,
            gibbs_picture: None,
            saved: None,
            loaded: None,
            notices: Vec::new(),
        }
    }

    pub fn send(&self, command: Command) {
        self.worker.send(command);
    }

    pub fn error(&mut self, text: String) {
        self.errors += 1;
        self.notices.push(Notice { text, is_error: true });
    }

    pub fn notice(&mut self, text: String) {
        self.notices.push(Notice { text, is_error: false });
    }

    /// The run's messages, each with a dismiss button; errors in red.
    pub fn notices_ui(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        for (i, n) in self.notices.iter().enumerate() {
            ui.horizontal_wrapped(|ui| {
                let colour = if n.is_error { egui::Color32::from_rgb(255, 110, 110) } else { egui::Color32::LIGHT_GREEN };
                ui.colored_label(colour, &n.text);
                if ui.small_button("dismiss").clicked() {
                    dismiss = Some(i);
                }
            });
        }
        if let Some(i) = dismiss {
            self.notices.remove(i);
        }
    }

    /// Applies every event that has arrived, and notices a worker thread that has died; call
    /// once a frame.
    pub fn poll(&mut self) {
        // Asked before draining: once the thread has ended, all it sent is in the channel.
        let alive = self.worker.is_alive();
        for event in self.worker.drain() {
            self.apply(event);
        }
        if !alive && !self.worker_gone {
            self.worker_gone = true;
            self.running = false;
            if !self.last_event_explained {
                self.error("the training thread stopped: it ended without a message. Reset starts a fresh model.".into());
            }
        }
        if self.running && !self.worker_gone {
            self.ctx.request_repaint_after(WATCH_EVERY);
        }
    }

    /// False once the worker thread has ended: the run can no longer train or answer.
    pub fn is_alive(&self) -> bool {
        !self.worker_gone
    }

    fn apply(&mut self, event: Event) {
        self.last_event_explained = matches!(event, Event::Error(_) | Event::Paused { reason: Some(_) } | Event::Stopped);
        match event {
            Event::Ready { description, num_params, hyper } => {
                self.description = description;
                self.num_params = num_params;
                self.hyper = hyper;
            }
            Event::Losses { step, terms } => {
                self.history.push(step, &terms);
                self.step = step;
            }
            Event::Progress { step, samples_seen, steps_per_sec, running } => {
                self.step = step;
                self.samples_seen = samples_seen;
                self.steps_per_sec = steps_per_sec;
                self.running = running;
            }
            Event::Samples { samples: Samples::Images(batch), .. } => self.samples.set(&self.ctx, batch, 8),
            Event::Samples { seed, samples: Samples::Points(points), .. } => self.points = Some((seed, points)),
            Event::Samples { step, samples: Samples::Text(texts), .. } => self.texts = Some((step, texts)),
            Event::PixelsFilled { x, n, from, count, probs, next_visible } => {
                self.pixels_filled = Some(PixelsFilled { x, n, from, count, probs, next_visible })
            }
            Event::NextToken(next) => self.next_token = Some(next),
            Event::Generated { prompt, tokens } => self.generated = Some((prompt, tokens)),
            Event::Witness { step, field, fakes } => self.witness = Some((step, field, fakes)),
            Event::FlowPicture { step, log_density, layers, latent } => self.flow_picture = Some((step, log_density, layers, latent)),
            Event::GibbsPicture { step, filters, chain } => self.gibbs_picture = Some((step, filters, chain)),
            Event::Game { step, snapshot } => self.game = Some((step, snapshot)),
            Event::PlayerStepped { player, terms } => self.player_step = Some((player, terms)),
            Event::Reconstructions { inputs, outputs } => {
                let cols = inputs.n;
                self.recon_inputs.set(&self.ctx, inputs, cols);
                self.recon_outputs.set(&self.ctx, outputs, cols);
            }
            Event::Encoded { points, dim, labels } => self.encoded = Some((points, dim, labels)),
            Event::Decoded { tag, images } => {
                self.decoded.insert(tag, images);
            }
            Event::Interpolation { images, .. } => {
                let cols = images.n;
                self.interpolation.set(&self.ctx, images, cols);
            }
            Event::Trajectory { step, trajectory } => self.trajectory = Some((step, trajectory)),
            Event::NoiseField { t, eps } => self.noise_field = Some((t, eps)),
            Event::LossByT(buckets) => self.loss_by_t = buckets,
            Event::Likelihood(rows) => self.likelihood = Some((self.step, rows)),
            Event::Saved(path) => {
                self.notice(format!("saved checkpoint {}", path.display()));
                self.saved = Some(path);
            }
            Event::Loaded(path) => {
                self.history.clear();
                self.notice(format!("loaded checkpoint {}", path.display()));
                self.loaded = Some(path);
            }
            Event::Paused { reason } => {
                self.running = false;
                if let Some(reason) = reason {
                    self.error(reason);
                }
            }
            Event::Running => self.running = true,
            Event::Error(text) => self.error(text),
            Event::Stopped => self.running = false,
        }
    }

    /// Start/Pause and Step, the controls every tab's run has; `step_help` says what one step is.
    pub fn run_buttons_ui(&self, ui: &mut egui::Ui, step_help: &str) {
        let alive = !self.worker_gone;
        if self.running {
            if ui.button("Pause").clicked() {
                self.send(Command::Pause);
            }
        } else if ui.add_enabled(alive, egui::Button::new("Start")).on_hover_text("train continuously").clicked() {
            self.send(Command::Start);
        }
        if ui.add_enabled(alive && !self.running, egui::Button::new("Step")).on_hover_text(step_help).clicked() {
            self.send(Command::Step(1));
        }
    }

    /// The batch-size slider of a tab; a change reaches the running worker at once.
    pub fn batch_size_ui(ui: &mut egui::Ui, batch_size: &mut usize, max: usize, session: Option<&Session>) {
        if ui.add(egui::Slider::new(batch_size, 8..=max).logarithmic(true).text("batch size")).changed() {
            if let Some(s) = session {
                s.send(Command::SetHyper { name: "batch_size".into(), value: *batch_size as f64 });
            }
        }
    }

    /// A slider per live hyper-parameter (except those `skip` names); changes reach the worker
    /// at once.
    pub fn hyper_sliders_ui(&mut self, ui: &mut egui::Ui, skip: &dyn Fn(&str) -> bool) {
        let mut changed = Vec::new();
        for p in self.hyper.iter_mut().filter(|p| !skip(p.name)) {
            let slider = egui::Slider::new(&mut p.value, p.min..=p.max).logarithmic(p.logarithmic).text(p.name);
            let slider = if p.integer { slider.integer() } else { slider };
            if ui.add(slider).on_hover_text(p.help).changed() {
                changed.push((p.name.to_string(), p.value));
            }
        }
        for (name, value) in changed {
            self.send(Command::SetHyper { name, value });
        }
    }

    /// What the status bar shows for this run.
    pub fn status(&self) -> TabStatus {
        TabStatus { running: self.running, step: self.step, samples_seen: self.samples_seen, steps_per_sec: self.steps_per_sec }
    }

    pub fn save(&self, dir: PathBuf) {
        self.send(Command::Save(dir));
    }

    pub fn load(&self, dir: PathBuf) {
        self.send(Command::Load(dir));
    }
}
