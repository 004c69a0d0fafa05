//! The Compare tab: saved runs of any family on the same dataset, side by side. One table of
//! every metric (blank where a family has none), a bar chart per column, sample grids from the
//! same seed, and real held-out data as the baseline row. A built-in lesson shows on 2-D data
//! why precision and recall say more than FID.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use eframe::egui;
use egui_plot::{Legend, Plot, Points};

use crate::data::DatasetId;
use crate::eval::lesson::{mode_dropping_lesson, Lesson};
use crate::eval::{EvalOptions, EvalReport, SampleMetrics};
use crate::models::classifier::FID_NAME;
use crate::train::checkpoint::read_progress;

use super::super::dialogs::{PendingDialog, Purpose};
use super::super::eval_job::{EvalJob, JobEvent, GRID_N, GRID_SEED};
use super::super::tab::{Shared, Tab, TabStatus};
use super::super::widgets::{class_colour, metric_bars_ui, ImageGrid, MetricColumn};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Runs,
    Lesson,
}

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

/// A data folder in words for the table's caption.
fn folder_words(folder: &Option<PathBuf>) -> String {
    match folder {
        Some(dir) => dir.display().to_string(),
        None => "the data built into genlab".to_string(),
    }
}

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

/// The table's columns: title, which way is better, and how to read it from a report.
type Getter = fn(&SampleMetrics) -> Option<f64>;
const SAMPLE_COLUMNS: [(&str, &str, Getter); 6] = [
    ("FID", "lower is better", |m| Some(m.fid)),
    ("precision", "higher is better", |m| Some(m.precision)),
    ("recall", "higher is better", |m| Some(m.recall)),
    ("density", "higher is better", |m| Some(m.density)),
    ("coverage", "higher is better", |m| Some(m.coverage)),
    ("IS", "higher is better", |m| m.inception_score.map(|(mean, _)| mean)),
];

/// The tightest likelihood bound (or the exact NLL) of a report, nats per image.
fn best_nll(report: &EvalReport) -> Option<(f64, String)> {
    report
        .likelihood
        .iter()
        .min_by(|a, b| a.nll_nats.total_cmp(&b.nll_nats))
        .map(|l| (l.nll_nats, if l.exact { format!("exact NLL ({})", l.name) } else { format!("minus the {}, an upper bound on the NLL", l.name) }))
}

fn fmt(v: Option<f64>) -> String {
    match v {
        Some(v) if v.abs() >= 100.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.3}"),
        None => String::new(),
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
                ui.add(egui::DragValue::new(n).range(100..=50_000).speed(100)).labelled_by(l.id).on_hover_text(
                    "generated samples per run (and real training examples for the baseline); more is steadier but slower",
                );
            });
            ui.horizontal(|ui| {
                let l = ui.label("k (neighbours)");
                ui.add(egui::DragValue::new(k).range(1..=50)).labelled_by(l.id).on_hover_text(
                    "each sample's neighbourhood reaches its k-th nearest neighbour (precision, recall, density, coverage)",
                );
            });
            ui.horizontal(|ui| {
                let l = ui.label("IWAE k");
                ui.add(egui::DragValue::new(importance_samples).range(1..=5000)).labelled_by(l.id).on_hover_text(
                    "importance samples of the likelihood bound (Burda et al. 2016): larger is tighter and slower",
                );
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

    fn runs_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Compare runs");
        ui.label(format!(
            "{FID_NAME} and precision/recall/density/coverage are computed on the penultimate layer of a small CNN genlab \
             trained on the dataset, so they compare genlab runs with each other and are not comparable with Inception FID \
             in papers. Precision: how many samples look real. Recall: how much of the real data the samples reach. \
             NLL: negative log-likelihood of the test set in nats per image (a bound for the VAE)."
        ));
        if self.runs.is_empty() {
            ui.add_space(8.0);
            ui.weak("Add checkpoint folders on the left, then press Evaluate. For example, train two VAEs with β = 1 and β = 4.");
            return;
        }
        // Runs trained on different copies of the data: each is measured against its own copy.
        let mut folders: Vec<String> = self.runs.iter().filter_map(|r| r.data.as_ref()).map(|(_, folder)| folder_words(folder)).collect();
        folders.sort();
        folders.dedup();
        if folders.len() > 1 {
            ui.colored_label(
                egui::Color32::from_rgb(230, 120, 80),
                format!(
                    "These runs were trained on different data folders ({}): each is measured against the data it \
                     trained on, so their rows do not share one test set, and the baseline row is the first run's.",
                    folders.join("; ")
                ),
            );
        }
        let baseline = self.runs.iter().find_map(|r| r.report.as_ref().map(|rep| rep.baseline.clone()));
        egui::Grid::new("compare-table").striped(true).spacing([14.0, 4.0]).show(ui, |ui| {
            for title in ["run", "family", "params", "FID", "precision", "recall", "density", "coverage", "IS", "NLL (nats)", "ms/sample"] {
                ui.strong(title);
            }
            ui.end_row();
            for (i, run) in self.runs.iter().enumerate() {
                ui.colored_label(class_colour(i as u8), &run.name).on_hover_text(run.path.display().to_string());
                match (&run.report, &run.error) {
                    (Some(r), _) => {
                        ui.label(&r.family).on_hover_text(&r.description);
                        ui.label(format!("{:.2} M", r.num_params as f64 / 1e6));
                        for (_, _, get) in SAMPLE_COLUMNS {
                            ui.label(fmt(get(&r.samples)));
                        }
                        match best_nll(r) {
                            Some((v, what)) => ui.label(fmt(Some(v))).on_hover_text(what),
                            None => ui.label(""),
                        };
                        ui.label(format!("{:.3}", r.sample_ms_per_image));
                    }
                    (None, Some(e)) => {
                        ui.colored_label(egui::Color32::from_rgb(230, 80, 80), e);
                    }
                    (None, None) => {
                        ui.weak("not evaluated yet");
                    }
                }
                ui.end_row();
            }
            if let Some(b) = &baseline {
                ui.label("real (held-out)").on_hover_text("real training examples measured against the real test set: the best a model can hope for");
                ui.label("data");
                ui.label("");
                for (_, _, get) in SAMPLE_COLUMNS {
                    ui.label(fmt(get(b)));
                }
                ui.label("");
                ui.label("");
                ui.end_row();
            }
        });
        let mut datasets: Vec<&str> = self.runs.iter().filter_map(|r| r.report.as_ref().map(|rep| rep.dataset.as_str())).collect();
        datasets.dedup();
        if datasets.len() > 1 {
            ui.colored_label(
                egui::Color32::from_rgb(230, 120, 80),
                format!("These runs were trained on different datasets ({}): their numbers are not comparable, and the baseline row is the first one's.", datasets.join(", ")),
            );
        }
        if let Some(r) = self.runs.iter().find_map(|r| r.report.as_ref()) {
            ui.weak(format!("{} samples per run against {} real test examples of {}; features: {}", r.samples.n_fake, r.samples.n_real, r.dataset, r.feature_space));
            for w in r.warnings.iter().take(2) {
                ui.colored_label(egui::Color32::YELLOW, w);
            }
        }
        if self.runs.iter().any(|r| r.cached) {
            ui.weak("Some rows come from the cache in their checkpoint folder (unchanged since they were measured).");
        }
        ui.separator();

        let names: Vec<String> = self.runs.iter().map(|r| r.name.clone()).collect();
        let mut columns: Vec<MetricColumn> = SAMPLE_COLUMNS
            .iter()
            .map(|&(title, better, get)| MetricColumn {
                title,
                better,
                values: self.runs.iter().map(|r| r.report.as_ref().and_then(|rep| get(&rep.samples))).collect(),
                baseline: baseline.as_ref().and_then(get),
            })
            .collect();
        columns.push(MetricColumn {
            title: "NLL (nats)",
            better: "lower is better",
            values: self.runs.iter().map(|r| r.report.as_ref().and_then(best_nll).map(|(v, _)| v)).collect(),
            baseline: None,
        });
        columns.push(MetricColumn {
            title: "ms per sample",
            better: "lower is better",
            values: self.runs.iter().map(|r| r.report.as_ref().map(|rep| rep.sample_ms_per_image)).collect(),
            baseline: None,
        });
        if self.runs.iter().any(|r| r.report.is_some()) {
            // Rows of charts that fit the width (a vertical group's width is unknown to
            // horizontal_wrapped until drawn, so it cannot wrap them itself).
            let size = egui::vec2(200.0, 120.0);
            let per_row = ((ui.available_width() / (size.x + 12.0)).floor() as usize).max(1);
            let shown: Vec<&MetricColumn> = columns.iter().filter(|c| c.values.iter().any(Option::is_some)).collect();
            for (r, row) in shown.chunks(per_row).enumerate() {
                ui.horizontal(|ui| {
                    for (i, column) in row.iter().enumerate() {
                        metric_bars_ui(ui, &format!("compare-bars-{}", r * per_row + i), column, &names, size);
                    }
                });
            }
            ui.separator();
        }
        ui.label(format!("Samples from each run with the same seed ({GRID_SEED}), {GRID_N} each:"));
        ui.horizontal_wrapped(|ui| {
            for run in &self.runs {
                ui.vertical(|ui| {
                    ui.label(&run.name);
                    run.grid.ui(ui, 150.0, "(evaluate to draw)");
                });
            }
        });
    }

    fn lesson_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Lesson: one number cannot say how a model fails");
        ui.label(
            "The real data (grey) is two sharp clusters. Three made-up generators (colour) fail in different ways. \
             Read the numbers under each: FID prefers the blurred generator by far, yet precision prefers the one that \
             dropped a cluster. Precision measures how realistic the samples are; recall measures how much of the data \
             they reach (Kynkäänniemi et al. 2019); density and coverage are steadier versions of the two (Naeem et al. 2020).",
        );
        let lesson = self.lesson.get_or_insert_with(|| mode_dropping_lesson(1000, 0));
        let lesson = match lesson {
            Ok(l) => l,
            Err(e) => {
                ui.colored_label(egui::Color32::RED, e.as_str());
                return;
            }
        };
        let width = ((ui.available_width() - 30.0) / 3.0).max(180.0);
        ui.horizontal(|ui| {
            for (i, case) in lesson.cases.iter().enumerate() {
                ui.vertical(|ui| {
                    ui.set_width(width);
                    ui.strong(case.name);
                    Plot::new(format!("lesson-plot-{i}"))
                        .width(width)
                        .height(width * 0.75)
                        .data_aspect(1.0)
                        .legend(Legend::default())
                        .show(ui, |plot_ui| {
                            let real: Vec<[f64; 2]> = lesson.real.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
                            plot_ui.points(Points::new("real", real).radius(1.5).color(egui::Color32::GRAY));
                            let fake: Vec<[f64; 2]> = case.points.iter().map(|p| [p[0] as f64, p[1] as f64]).collect();
                            plot_ui.points(Points::new("generated", fake).radius(1.5).color(class_colour(i as u8 + 1)));
                        });
                    let m = &case.metrics;
                    egui::Grid::new(format!("lesson-metrics-{i}")).show(ui, |ui| {
                        for (name, v) in [("FID", m.fid), ("precision", m.precision), ("recall", m.recall), ("density", m.density), ("coverage", m.coverage)] {
                            ui.label(name);
                            ui.label(format!("{v:.3}"));
                            ui.end_row();
                        }
                    });
                    ui.label(case.explanation);
                });
            }
        });
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
                Some(path) => self.add_run(path),
                None => self.notice = Some("no folder picked (or no file dialog available): type the path instead".into()),
            }
        }
        self.poll_job(ui.ctx());
        egui::Panel::left("compare-side").resizable(true).default_size(300.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.side_panel_ui(ui, shared));
        });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| match self.view {
                View::Runs => self.runs_ui(ui),
                View::Lesson => self.lesson_ui(ui),
            });
        });
    }

    fn status(&self) -> Option<TabStatus> {
        None
    }
}
