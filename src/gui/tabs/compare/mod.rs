//! The Compare tab: saved runs of any family on the same dataset, side by side. One table of
//! every metric (blank where a family has none), a bar chart per column, sample grids from the
//! same seed, and real held-out data as the baseline row. A built-in lesson shows on 2-D data
//! why precision and recall say more than FID.

mod lesson;
mod table;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use eframe::egui;

use crate::data::DatasetId;
use crate::eval::lesson::Lesson;
use crate::eval::{EvalOptions, EvalReport};
use crate::train::checkpoint::read_progress;

use super::super::dialogs::{Closed, PendingDialog, Purpose, UNAVAILABLE};
use super::super::eval_job::{EvalJob, JobEvent};
use super::super::tab::{Shared, Tab, TabStatus};
use super::super::widgets::{ImageGrid, class_colour};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Runs,
    Lesson,
}

/// A checkpoint folder in the table, and what is known of it.
struct Run {
    path: PathBuf,
    name: String,
    report: Option<EvalReport>,
    cached: bool,
    error: Option<String>,
    grid: ImageGrid,
    /// The data the run trained on, as its progress.json records it: the dataset and the data
    /// folder (canonical when it resolves; `None`: the data built into genlab). `None` when
    /// the checkpoint does not say.
    data: Option<DataSource>,
}

type DataSource = (DatasetId, Option<PathBuf>);

/// Runs waiting for their evaluation, one group per data source: each group is one job, so
/// its real reference is built from the data those runs trained on, never another copy.
type Group = (Option<PathBuf>, Vec<(usize, PathBuf)>);

/// Where a checkpoint's data came from, as its progress.json records it.
fn data_source(path: &Path) -> Option<DataSource> {
    let progress = read_progress(path).ok()?;
    let folder = progress.data_dir.map(|dir| std::fs::canonicalize(&dir).unwrap_or(dir));
    Some((progress.dataset?, folder))
}

pub struct CompareTab {
    view: View,
    runs: Vec<Run>,
    path_text: String,
    options: EvalOptions,
    job: Option<EvalJob>,
    /// Groups still to evaluate after the job in progress, and the device they run on.
    queue: VecDeque<Group>,
    job_device: Option<Device>,
    /// The runs the job in progress measures.
    in_job: Vec<usize>,
    /// Cancel was pressed: the job in progress ends and the queue is dropped.
    cancelled: bool,
    /// (run, stage, fraction) of the job in progress.
    progress: Option<(usize, String, f64)>,
    dialog: Option<PendingDialog>,
    notice: Option<String>,
    lesson: Option<Result<Lesson, String>>,
}

impl Default for CompareTab {
    fn default() -> Self {
        Self {
            view: View::Runs,
            runs: Vec::new(),
            path_text: String::new(),
            options: EvalOptions::default(),
            job: None,
            queue: VecDeque::new(),
            job_device: None,
            in_job: Vec::new(),
            cancelled: false,
            progress: None,
            dialog: None,
            notice: None,
            lesson: None,
        }
    }
}

impl CompareTab {
    fn add_run(&mut self, path: PathBuf) {
        if self.runs.iter().any(|r| r.path == path) {
            self.notice = Some(format!("{} is already in the list", path.display()));
            return;
        }
        if !path.join(crate::train::checkpoint::CONFIG_FILE).is_file() {
            self.notice = Some(format!("{}: not a checkpoint folder (no config.json in it)", path.display()));
            return;
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
        let grid = ImageGrid::new(&format!("compare-grid-{}", self.runs.len()));
        // Checked now, without building anything: a checkpoint genlab cannot load says why in
        // its row (the evaluation would refuse it the same way).
        let error = crate::models::validate_checkpoint(&path).err();
        let data = data_source(&path);
        self.runs.push(Run { path, name, report: None, cached: false, error, grid, data });
        self.notice = None;
    }

    /// Evaluates the runs not evaluated yet (or all), one job per data source: runs trained
    /// on different copies of a dataset are each measured against their own copy.
    fn start_job(&mut self, shared: &Shared, ctx: &egui::Context, all: bool) {
        let todo: Vec<usize> = self.runs.iter().enumerate().filter(|(_, r)| all || r.report.is_none()).map(|(i, _)| i).collect();
        if todo.is_empty() {
            self.notice = Some("every run is evaluated; add a checkpoint folder first".into());
            return;
        }
        let mut groups: Vec<(Option<DataSource>, Vec<(usize, PathBuf)>)> = Vec::new();
        for i in todo {
            let run = &mut self.runs[i];
            run.error = None;
            let member = (i, run.path.clone());
            match groups.iter_mut().find(|(source, _)| *source == run.data) {
                Some((_, members)) => members.push(member),
                None => groups.push((run.data.clone(), vec![member])),
            }
        }
        // Each group's data folder is the one its runs recorded (none: the built-in data).
        self.queue = groups.into_iter().map(|(source, members)| (source.and_then(|(_, folder)| folder), members)).collect();
        self.job_device = Some(shared.device.device.clone());
        self.cancelled = false;
        self.next_job(ctx);
    }

    /// Starts the next queued group, if any.
    fn next_job(&mut self, ctx: &egui::Context) {
        let (Some(device), Some((folder, runs))) = (self.job_device.clone(), self.queue.pop_front()) else {
            self.job = None;
            self.job_device = None;
            self.queue.clear();
            return;
        };
        self.in_job = runs.iter().map(|(i, _)| *i).collect();
        self.job = Some(EvalJob::start(runs, self.options.clone(), device, folder, ctx));
    }

    fn poll_job(&mut self, ctx: &egui::Context) {
        let Some(job) = &self.job else { return };
        for event in job.poll() {
            match event {
                JobEvent::Progress { run, stage, fraction } => self.progress = Some((run, stage, fraction)),
                JobEvent::Grid { run, images } => {
                    if let Some(r) = self.runs.get_mut(run) {
                        r.grid.set(ctx, images, 4);
                    }
                }
                JobEvent::Done { run, report, cached } => {
                    if let Some(r) = self.runs.get_mut(run) {
                        r.report = Some(*report);
                        r.cached = cached;
                    }
                }
                JobEvent::Failed { run, message } => {
                    if let Some(r) = self.runs.get_mut(run) {
                        r.error = Some(message);
                    }
                }
                JobEvent::Finished => {
                    self.job = None;
                    self.progress = None;
                    // A run the job never answered for (its thread ended early) says so.
                    for &i in &self.in_job {
                        if let Some(r) = self.runs.get_mut(i)
                            && r.report.is_none()
                            && r.error.is_none()
                            && !self.cancelled
                        {
                            r.error = Some("the evaluation stopped before this run (see the terminal for why)".into());
                        }
                    }
                    self.in_job.clear();
                    if self.cancelled {
                        self.queue.clear();
                        self.job_device = None;
                    } else {
                        self.next_job(ctx);
                    }
                    break;
                }
            }
        }
    }

    fn side_panel_ui(&mut self, ui: &mut egui::Ui, shared: &Shared) {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.view, View::Runs, "Runs");
            ui.selectable_value(&mut self.view, View::Lesson, "Lesson: mode dropping");
        });
        ui.separator();
        ui.heading("Runs");
        ui.label("Checkpoint folders written by genlab train or by a tab's Save, all on the same dataset.");
        ui.horizontal(|ui| {
            let label = ui.label("Folder:");
            let edit = ui.add(egui::TextEdit::singleline(&mut self.path_text).desired_width(170.0).hint_text("path/to/checkpoint"));
            let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            edit.labelled_by(label.id);
            if (ui.button("Add").clicked() || entered) && !self.path_text.trim().is_empty() {
                let path = PathBuf::from(self.path_text.trim());
                self.add_run(path);
                self.path_text.clear();
            }
        });
        if ui.button("Browse…").on_hover_text("pick a checkpoint folder").clicked() && self.dialog.is_none() {
            self.dialog = Some(PendingDialog::open(Purpose::AddRun, ui.ctx()));
        }
        let mut remove = None;
        for (i, run) in self.runs.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.colored_label(class_colour(i as u8), &run.name).on_hover_text(run.path.display().to_string());
                if self.job.is_none() && ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.runs.remove(i);
        }
        ui.separator();
        ui.heading("Evaluation");
        let busy = self.job.is_some();
        ui.add_enabled_ui(!busy, |ui| {
            let EvalOptions { n, k, importance_samples, .. } = &mut self.options;
            ui.horizontal(|ui| {
                let l = ui.label("samples");
                ui.add(egui::DragValue::new(n).range(100..=50_000).speed(100))
                    .labelled_by(l.id)
                    .on_hover_text("generated samples per run (and real training examples for the baseline); more is steadier but slower");
            });
            ui.horizontal(|ui| {
                let l = ui.label("k (neighbours)");
                ui.add(egui::DragValue::new(k).range(1..=50))
                    .labelled_by(l.id)
                    .on_hover_text("each sample's neighbourhood reaches its k-th nearest neighbour (precision, recall, density, coverage)");
            });
            ui.horizontal(|ui| {
                let l = ui.label("IWAE k");
                ui.add(egui::DragValue::new(importance_samples).range(1..=5000))
                    .labelled_by(l.id)
                    .on_hover_text("importance samples of the VAE's likelihood bound (Burda et al. 2016): larger is tighter and slower; for diffusion, the timesteps of its variational bound visited per image");
            });
        });
        ui.horizontal(|ui| {
            if ui.add_enabled(!busy && !self.runs.is_empty(), egui::Button::new("Evaluate")).clicked() {
                self.start_job(shared, ui.ctx(), false);
            }
            if ui.add_enabled(!busy && !self.runs.is_empty(), egui::Button::new("Re-evaluate all")).clicked() {
                self.start_job(shared, ui.ctx(), true);
            }
            if busy && ui.button("Cancel").clicked() {
                if let Some(job) = &self.job {
                    job.cancel();
                }
                self.cancelled = true;
                self.queue.clear();
            }
        });
        if let Some((run, stage, fraction)) = &self.progress {
            let name = self.runs.get(*run).map_or("", |r| r.name.as_str());
            ui.add(egui::ProgressBar::new(*fraction as f32).text(format!("{name}: {stage}")));
        }
        ui.weak("Results are cached in each checkpoint folder and recomputed when the checkpoint changes.");
        if let Some(notice) = &self.notice {
            ui.colored_label(egui::Color32::from_rgb(230, 120, 80), notice);
        }
    }
}

impl Tab for CompareTab {
    fn name(&self) -> &'static str {
        "Compare"
    }

    fn ui(&mut self, ui: &mut egui::Ui, shared: &mut Shared) {
        if let Some(answer) = self.dialog.as_ref().and_then(|d| d.poll()) {
            self.dialog = None;
            match answer {
                Closed::Picked(path) => self.add_run(path),
                Closed::Cancelled => {}
                Closed::Unavailable => self.notice = Some(format!("{UNAVAILABLE}; type the folder's path instead")),
            }
        }
        self.poll_job(ui.ctx());
        egui::Panel::left("compare-side").resizable(true).default_size(300.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.side_panel_ui(ui, shared));
        });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| match self.view {
                View::Runs => table::runs_ui(ui, &self.runs),
                View::Lesson => lesson::lesson_ui(ui, &mut self.lesson),
            });
        });
    }

    fn status(&self) -> Option<TabStatus> {
        None
    }
}
