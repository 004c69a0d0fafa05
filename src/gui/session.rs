//! One training run as the GUI sees it: a worker thread, the events it sent, and what they
//! became on screen (loss history, sample textures, and the typed answers to the tab's
//! questions). Family-blind: every tab drives its run through one of these.

use std::any::{Any, TypeId};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::Duration;

use eframe::egui;

use crate::data::DatasetId;
use crate::device::ComputeDevice;
use crate::models::{FamilyKind, load_family_expecting};
use crate::train::{Command, Event, Knob, LossHistory, Question, Samples, TrainData, WorkerHandle, WorkerOptions, spawn};
use crate::views::Model;

use super::tab::TabStatus;
use super::widgets::ImageGrid;

/// A message for the user: an error (red) or a notice.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

pub struct Session {
    worker: WorkerHandle<dyn Model>,
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
    pub knobs: Vec<Knob>,
    pub samples: ImageGrid,
    pub notices: Vec<Notice>,
    /// The latest sampled points (2-D families), with their seed; taken by the tab.
    pub points: Option<(u64, Vec<[f32; 2]>)>,
    /// The latest generated texts (text models) with the step they were drawn at.
    pub texts: Option<(u64, Vec<String>)>,
    /// The folder of the last checkpoint written; taken by the tab that asked.
    pub saved: Option<PathBuf>,
    /// The folder of the last checkpoint loaded; taken by the tab that asked.
    pub loaded: Option<PathBuf>,
    /// Answers to the tab's questions, by type, oldest first (at most `KEEP_ANSWERS` each):
    /// the tab takes them with `take`/`take_all` or looks with `latest`.
    answers: HashMap<TypeId, VecDeque<Box<dyn Any + Send>>>,
}

/// Answers of one type kept unread; older ones are dropped (a hidden tab that is not
/// reading them must not pile them up).
const KEEP_ANSWERS: usize = 32;

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
        family: Box<dyn Model>,
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
            Some(Box::new(move || if software { repaint.request_repaint_after(SOFTWARE_FRAME) } else { repaint.request_repaint() })),
        );
        worker.send(Command::Preview(crate::views::preview_questions()));
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
            knobs: Vec::new(),
            samples: ImageGrid::new("samples"),
            points: None,
            texts: None,
            saved: None,
            loaded: None,
            answers: HashMap::new(),
            notices: Vec::new(),
        }
    }

    pub fn send(&self, command: Command<dyn Model>) {
        self.worker.send(command);
    }

    /// Asks the model a question (see `crate::views`); its answer arrives in a later frame,
    /// to be taken with `take::<T>()` where `T` is the question's answer type.
    pub fn ask(&self, question: Question<dyn Model>) {
        self.worker.send(Command::Ask(question));
    }

    /// The newest unread answer of type `T`, dropping older ones of that type.
    pub fn take<T: Any>(&mut self) -> Option<T> {
        let queue = self.answers.get_mut(&TypeId::of::<T>())?;
        let newest = queue.pop_back();
        queue.clear();
        newest.and_then(|a| a.downcast::<T>().ok()).map(|t| *t)
    }

    /// Every unread answer of type `T`, oldest first.
    pub fn take_all<T: Any>(&mut self) -> Vec<T> {
        let Some(queue) = self.answers.get_mut(&TypeId::of::<T>()) else { return Vec::new() };
        queue.drain(..).filter_map(|a| a.downcast::<T>().ok()).map(|t| *t).collect()
    }

    /// The newest answer of type `T`, left in place (for a result shown until a newer one).
    pub fn latest<T: Any>(&self) -> Option<&T> {
        self.answers.get(&TypeId::of::<T>())?.back()?.downcast_ref::<T>()
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
            Event::Ready { description, num_params, knobs } => {
                self.description = description;
                self.num_params = num_params;
                self.knobs = knobs;
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
            Event::Answer(answer) => {
                let queue = self.answers.entry((*answer).type_id()).or_default();
                if queue.len() >= KEEP_ANSWERS {
                    queue.pop_front();
                }
                queue.push_back(answer);
            }
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
                s.send(Command::SetBatchSize(*batch_size));
            }
        }
    }

    /// A control per live knob (a slider, or a combo box for a choice); changes reach the
    /// worker at once.
    pub fn knobs_ui(&mut self, ui: &mut egui::Ui) {
        for (name, value) in super::knobs::knobs_ui(ui, &mut self.knobs) {
            self.send(Command::SetKnob { name, value });
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
