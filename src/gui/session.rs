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
use crate::train::{
    Command, Event, Knob, KnobValue, LossHistory, PreviewQuestion, Question, Samples, TrainData, WorkerHandle, WorkerOptions, spawn,
};
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
    /// second while training (less often when drawing them is slow), each with the answers to
    /// the `preview` questions (`views::preview_questions` and the tab's own). "Load
    /// checkpoint…" takes only checkpoints of the families in `accepts` (the tab's own);
    /// another family's is refused with a message and the current model is kept.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        family: Box<dyn Model>,
        accepts: &[FamilyKind],
        data: TrainData,
        dataset: Option<DatasetId>,
        data_dir: Option<PathBuf>,
        batch_size: usize,
        preview_n: usize,
        preview: Vec<PreviewQuestion<dyn Model>>,
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
        worker.send(Command::Preview(preview));
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
    /// worker at once. Drawn within the width at hand (see `knob_rows_ui`).
    pub fn knobs_ui(&mut self, ui: &mut egui::Ui) {
        for (name, value) in knob_rows_ui(ui, &mut self.knobs) {
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

/// Room kept beside a knob's slider for its number field ("0.0002" for a small rate).
const KNOB_NUMBER_ROOM: f32 = 64.0;
/// The narrowest slider a knob gets, however long its label.
const MIN_KNOB_SLIDER: f32 = 40.0;

/// The knobs' rows (`super::knobs::knobs_ui`), never wider than the width at hand; returns the
/// knobs a person changed. The knobs arrive with the worker's first event, a frame or more
/// after the run's Start and Step buttons, so their rows must not change the width of the
/// side panel they are drawn in: a row wider than the panel (a full slider beside a long
/// label, "discriminator steps per G step") widened the panel in the next frame, every
/// paragraph above the buttons re-wrapped to fewer lines and Start and Step moved up, out
/// from under a pointer about to click them (how tests/ui_checkpoints.rs most likely lost its
/// Step click in the GAN and RBM tabs). So a slider is narrowed to leave room for its label,
/// and what still does not fit is clipped at the panel's edge, not given more width.
fn knob_rows_ui(ui: &mut egui::Ui, knobs: &mut [Knob]) -> Vec<(String, KnobValue)> {
    if knobs.is_empty() {
        return Vec::new();
    }
    let width = ui.available_width();
    let mut rows = ui.new_child(egui::UiBuilder::new());
    let mut changed = Vec::new();
    for knob in knobs.iter_mut() {
        rows.scope(|ui| {
            let slider_width = knob_slider_width(ui, knob.label, width);
            ui.spacing_mut().slider_width = slider_width;
            changed.extend(super::knobs::knobs_ui(ui, std::slice::from_mut(knob)));
        });
    }
    // Only the width at hand is claimed from the parent: an overflow is clipped, not allocated.
    let used = rows.min_rect();
    ui.advance_cursor_after_rect(egui::Rect::from_min_size(used.min, egui::vec2(used.width().min(width), used.height())));
    changed
}

/// A slider width that leaves room in `width` for the number field and `label` beside it: the
/// style's own where that fits, narrower (down to `MIN_KNOB_SLIDER`) where it does not.
fn knob_slider_width(ui: &egui::Ui, label: &str, width: f32) -> f32 {
    let label_width =
        egui::WidgetText::from(label).into_galley(ui, Some(egui::TextWrapMode::Extend), f32::INFINITY, egui::TextStyle::Body).size().x;
    let free = width - label_width - KNOB_NUMBER_ROOM - 2.0 * ui.spacing().item_spacing.x;
    free.min(ui.spacing().slider_width).max(MIN_KNOB_SLIDER)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The GAN tab's side panel: 300 points wide, less its margins.
    const PANEL: f32 = 284.0;

    /// Draws `draw` in a `PANEL`-wide column of a fresh window and returns how wide it came out.
    fn width_drawn(mut draw: impl FnMut(&mut egui::Ui)) -> f32 {
        let ctx = egui::Context::default();
        let mut width = 0.0;
        let _ = ctx.run_ui(egui::RawInput::default(), |ui| {
            let column = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(PANEL, 2000.0));
            let mut panel = ui.new_child(egui::UiBuilder::new().max_rect(column).layout(egui::Layout::top_down(egui::Align::Min)));
            draw(&mut panel);
            width = panel.min_rect().width();
        });
        width
    }

    fn gan_knobs() -> Vec<Knob> {
        vec![
            Knob::real("lr_d", "discriminator learning rate", "D's step size", 2e-4, (1e-5, 1e-1), true),
            Knob::whole("d_steps", "discriminator steps per G step", "D updates per G update", 1, (1, 10), false),
        ]
    }

    /// What went wrong: a plain slider row with the GAN's longest knob label is wider than the
    /// GAN's side panel, so drawn as it was, the knobs widened the panel once they arrived.
    #[test]
    fn a_long_knob_label_beside_a_full_slider_overflows_a_side_panel() {
        let mut steps = 1i64;
        let width = width_drawn(|ui| {
            ui.add(egui::Slider::new(&mut steps, 1..=10).text("discriminator steps per G step"));
        });
        assert!(width > PANEL, "the row is {width} points wide, within the panel's {PANEL}");
    }

    /// The knobs' rows stay within the panel however long their labels, and a change still
    /// reaches the caller (none here: nobody clicked).
    #[test]
    fn knob_rows_stay_within_the_width_at_hand() {
        let mut knobs = gan_knobs();
        let mut changed = Vec::new();
        let width = width_drawn(|ui| changed = knob_rows_ui(ui, &mut knobs));
        assert!(width <= PANEL + 0.5, "the knobs' rows are {width} points wide, more than the panel's {PANEL}");
        assert!(changed.is_empty());
        // Nothing to draw, nothing claimed.
        assert_eq!(width_drawn(|ui| assert!(knob_rows_ui(ui, &mut []).is_empty())), 0.0);
    }
}
