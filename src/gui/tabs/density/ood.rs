//! "Is this input typical?": the out-of-distribution panel. Scores the model's own test images
//! and other sets by −log p(x) (`eval::ood::score_sets`, as `genlab ood` does), and shows each
//! set's score histogram on one axis, its ROC curve against the test images, the AUROC of the
//! raw score beside the input-complexity correction's, and each set's most and least typical
//! images.

use std::path::{Path, PathBuf};

use eframe::egui;
use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints, VLine};

use crate::data::{DatasetId, ImageDatasetId};
use crate::eval::ood::{DEFAULT_EXAMPLES, ExampleScore, MAX_EXAMPLES, OodOptions, OodReport, OodSet, SetScores, score_images, score_sets};
use crate::train::ImageBatch;
use crate::train::checkpoint::read_progress;

use super::super::super::job::Job;
use super::super::super::tab::Shared;
use super::super::super::widgets::{ImageGrid, class_colour};
use super::PAD_SIDE;

/// Images per set unless the user changes it: enough for a steady AUROC, and a PixelCNN scores
/// them in well under a minute here.
const PANEL_EXAMPLES: usize = 500;
/// Bins of each set's histogram.
const BINS: usize = 40;
/// The sets a user can add, in the order the panel lists them.
const OTHER_SETS: [(OodSet, &str); 7] = [
    (OodSet::Mnist, "MNIST digits"),
    (OodSet::Fashion, "Fashion-MNIST clothes"),
    (OodSet::Shapes, "Shapes (built in)"),
    (OodSet::Noise, "uniform noise"),
    (OodSet::Constant, "constant images"),
    (OodSet::Flipped, "test images flipped"),
    (OodSet::Inverted, "test images inverted"),
];

/// The drawing's scores, and where they fall among the test images'.
struct DrawingScore {
    score: ExampleScore,
    /// The fraction of test images with a higher raw −log p(x) (less typical than the drawing).
    below: Option<f64>,
}

/// A report with its images on textures, ready to draw.
struct Shown {
    report: OodReport,
    grids: Vec<(ImageGrid, ImageGrid)>,
}

pub struct OodPanel {
    chosen: Vec<bool>,
    pub folder_text: String,
    use_folder: bool,
    drawn: Vec<f32>,
    use_drawn: bool,
    n: usize,
    seed: u64,
    importance_samples: usize,
    /// Histogram of the corrected score instead of the raw one.
    corrected: bool,
    job: Option<Job<OodReport>>,
    shown: Option<Shown>,
    error: Option<String>,
    drawing_job: Option<Job<ExampleScore>>,
    drawing: Option<DrawingScore>,
}

impl Default for OodPanel {
    fn default() -> Self {
        let defaults = OodOptions::default();
        Self {
            chosen: OTHER_SETS.iter().map(|(set, _)| matches!(set, OodSet::Mnist | OodSet::Noise)).collect(),
            folder_text: String::new(),
            use_folder: false,
            drawn: Vec::new(),
            use_drawn: false,
            n: PANEL_EXAMPLES.min(DEFAULT_EXAMPLES),
            seed: defaults.seed,
            importance_samples: defaults.importance_samples,
            corrected: false,
            job: None,
            shown: None,
            error: None,
            drawing_job: None,
            drawing: None,
        }
    }
}

impl OodPanel {
    /// A new model: its own dataset's twin is preselected (Fashion-MNIST for an MNIST model and
    /// the reverse), with noise.
    pub fn model_changed(&mut self, model: Option<&PathBuf>) {
        // A report or a score of another model must not stay on screen under this one's name.
        self.job = None;
        self.shown = None;
        self.drawing_job = None;
        self.drawing = None;
        self.error = None;
        let own = model.and_then(|dir| read_progress(dir).ok()).and_then(|p| p.dataset);
        let twin = match own {
            Some(DatasetId::Images(ImageDatasetId::Fashion)) => Some(OodSet::Mnist),
            Some(DatasetId::Images(ImageDatasetId::Mnist)) => Some(OodSet::Fashion),
            _ => None,
        };
        if let Some(twin) = twin {
            for (chosen, (set, _)) in self.chosen.iter_mut().zip(OTHER_SETS.iter()) {
                *chosen = *set == twin || *set == OodSet::Noise;
            }
        }
    }

    pub fn drawn_count(&self) -> usize {
        self.drawn.len() / (PAD_SIDE * PAD_SIDE)
    }

    pub fn add_drawing(&mut self, ink: &[f32]) {
        self.drawn.extend_from_slice(ink);
        self.use_drawn = true;
    }

    fn options(&self) -> OodOptions {
        let mut against: Vec<OodSet> =
            OTHER_SETS.iter().zip(&self.chosen).filter(|(_, on)| **on).map(|((set, _), _)| set.clone()).collect();
        if self.use_folder && !self.folder_text.trim().is_empty() {
            against.push(OodSet::Folder(PathBuf::from(self.folder_text.trim())));
        }
        if self.use_drawn {
            against.push(OodSet::Drawn);
        }
        OodOptions {
            inside: OodSet::Test,
            against,
            n: self.n,
            importance_samples: self.importance_samples,
            seed: self.seed,
            drawn: if self.use_drawn { self.drawn.clone() } else { Vec::new() },
        }
    }

    /// The command that gives the same numbers, for a person to copy.
    fn command_line(&self, model: &Path, options: &OodOptions) -> String {
        let mut line = format!("genlab ood --checkpoint {} --n {} --seed {}", model.display(), options.n, options.seed);
        if options.importance_samples != OodOptions::default().importance_samples {
            line += &format!(" --importance-samples {}", options.importance_samples);
        }
        for set in options.against.iter().filter(|s| **s != OodSet::Drawn) {
            line += &format!(" --vs {set}");
        }
        line
    }

    pub fn poll(&mut self, ctx: &egui::Context) {
        if let Some(result) = self.job.as_ref().and_then(Job::poll) {
            self.job = None;
            match result {
                Ok(report) => {
                    let grids = std::iter::once(&report.inside)
                        .chain(&report.sets)
                        .enumerate()
                        .map(|(i, set)| extreme_grids(ctx, i, set))
                        .collect();
                    self.shown = Some(Shown { report, grids });
                    self.error = None;
                    self.place_drawing();
                }
                Err(e) => self.error = Some(e),
            }
        }
        if let Some(result) = self.drawing_job.as_ref().and_then(Job::poll) {
            self.drawing_job = None;
            match result {
                Ok(score) => {
                    self.drawing = Some(DrawingScore { score, below: None });
                    self.place_drawing();
                }
                Err(e) => self.error = Some(format!("scoring the drawing: {e}")),
            }
        }
    }

    /// Where the drawing's raw score falls among the test images' of the report shown.
    fn place_drawing(&mut self) {
        let (Some(drawing), Some(shown)) = (&mut self.drawing, &self.shown) else { return };
        let scores = &shown.report.inside.scores;
        let above = scores.iter().filter(|s| s.nll_nats > drawing.score.nll_nats).count();
        drawing.below = (!scores.is_empty()).then(|| above as f64 / scores.len() as f64);
    }

    pub fn score_drawing(&mut self, ctx: &egui::Context, model: Option<&PathBuf>, ink: &[f32], shared: &Shared) {
        let Some(model) = model.cloned() else {
            self.error = Some("choose a model first: a checkpoint folder of a PixelCNN, VAE, flow or RBM".into());
            return;
        };
        let options = self.options();
        let (image, device) = (ink.to_vec(), shared.device.device.clone());
        self.drawing = None;
        self.drawing_job = Some(Job::start("scoring the drawing".into(), ctx, move |_| {
            let scores = score_images(&model, &image, (PAD_SIDE, PAD_SIDE), &options, &device)?;
            scores.into_iter().next().ok_or_else(|| "no score came back".to_string())
        }));
    }

    fn start(&mut self, ctx: &egui::Context, model: &Path, shared: &Shared) {
        let options = self.options();
        if let Err(e) = crate::eval::ood::check_options(&options) {
            self.error = Some(e.replace("--vs ", "").replace("--n", "images per set"));
            return;
        }
        let (model, device) = (model.to_path_buf(), shared.device.device.clone());
        self.error = None;
        self.job = Some(Job::start("scoring".into(), ctx, move |reporter| {
            // The data folder the checkpoint recorded, as `genlab ood` without --data-dir.
            score_sets(&model, &options, &device, None, &mut |stage, fraction| reporter.report(stage, fraction))
        }));
    }

    /// Draws the panel; true when the user asked to choose an image folder.
    pub fn ui(&mut self, ui: &mut egui::Ui, model: Option<&PathBuf>, shared: &Shared) -> bool {
        ui.label(
            "Score images by the model's negative log-likelihood −log p(x): the model's own test images, and other \
             sets it never saw. A model that knows what it does not know gives the others a higher score.",
        );
        let mut choose_folder = false;
        egui::CollapsingHeader::new("Sets to score").default_open(true).show(ui, |ui| {
            ui.label("Always: the test split of the model's own dataset (in-distribution). Against it:");
            ui.horizontal_wrapped(|ui| {
                for ((_, label), on) in OTHER_SETS.iter().zip(self.chosen.iter_mut()) {
                    ui.checkbox(on, *label);
                }
            });
            ui.horizontal(|ui| {
                ui.checkbox(&mut self.use_folder, "your images:");
                ui.add(egui::TextEdit::singleline(&mut self.folder_text).hint_text("image folder").desired_width(260.0));
                if ui.button("Choose…").clicked() {
                    choose_folder = true;
                    self.use_folder = true;
                }
            });
            ui.horizontal(|ui| {
                let label = format!("your drawings ({})", self.drawn_count());
                ui.add_enabled(!self.drawn.is_empty(), egui::Checkbox::new(&mut self.use_drawn, label));
                if !self.drawn.is_empty() && ui.small_button("forget them").clicked() {
                    self.drawn.clear();
                    self.use_drawn = false;
                }
                if self.drawn.is_empty() {
                    ui.weak("(draw on the pad, then \"Add to the drawn set\")");
                }
            });
            ui.horizontal(|ui| {
                ui.label("images per set");
                ui.add(egui::DragValue::new(&mut self.n).range(10..=MAX_EXAMPLES).speed(10));
                ui.label("seed");
                ui.add(egui::DragValue::new(&mut self.seed));
                ui.label("k").on_hover_text("the VAE's importance samples; for diffusion, the timesteps of its bound visited per image");
                ui.add(egui::DragValue::new(&mut self.importance_samples).range(1..=crate::eval::run::MAX_IMPORTANCE_SAMPLES));
            });
        });
        let mut cancelled = false;
        ui.horizontal(|ui| match (&self.job, model) {
            (Some(job), _) => {
                ui.vertical(|ui| cancelled = job.ui(ui));
            }
            (None, Some(model)) => {
                if ui.button("Score the sets").clicked() {
                    self.start(ui.ctx(), &model.clone(), shared);
                }
                ui.weak("same as:");
                ui.monospace(self.command_line(model, &self.options()));
            }
            (None, None) => {
                ui.add_enabled(false, egui::Button::new("Score the sets"));
                ui.weak("choose a model (a checkpoint folder) on the left first");
            }
        });
        if cancelled {
            self.job = None;
        }
        if self.drawing_job.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("scoring the drawing…");
            });
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some(drawing) = &self.drawing {
            let place = match drawing.below {
                Some(f) => format!(", more typical than {:.0}% of the test images (the dashed line on the histogram)", 100.0 * f),
                None => " (score the sets to see where it falls among the test images)".to_string(),
            };
            ui.strong(format!(
                "Your drawing: −log p(x) = {:.1} nats, {:.3} bits/dim; corrected score {:.1} bits{place}",
                drawing.score.nll_nats,
                drawing.score.nll_nats / ((PAD_SIDE * PAD_SIDE) as f64 * std::f64::consts::LN_2),
                drawing.score.corrected_bits
            ));
        }
        if let Some(shown) = &mut self.shown {
            results_ui(ui, shown, &mut self.corrected, self.drawing.as_ref());
        }
        choose_folder
    }
}

/// Textures of a set's most and least typical images.
fn extreme_grids(ctx: &egui::Context, i: usize, set: &SetScores) -> (ImageGrid, ImageGrid) {
    let e = &set.extremes;
    let batch = |images: &[(usize, f64, Vec<f32>)]| ImageBatch {
        n: images.len(),
        width: e.width,
        height: e.height,
        pixels: images.iter().flat_map(|(_, _, p)| p.iter().copied()).collect(),
    };
    let mut most = ImageGrid::new(&format!("ood-most-{i}"));
    let mut least = ImageGrid::new(&format!("ood-least-{i}"));
    if !e.most_typical.is_empty() {
        most.set(ctx, batch(&e.most_typical), e.most_typical.len());
        least.set(ctx, batch(&e.least_typical), e.least_typical.len());
    }
    (most, least)
}

fn fmt_auroc(a: Option<f64>) -> String {
    a.map_or("—".into(), |a| format!("{a:.3}"))
}

fn results_ui(ui: &mut egui::Ui, shown: &mut Shown, corrected: &mut bool, drawing: Option<&DrawingScore>) {
    let report = &shown.report;
    ui.separator();
    ui.label(format!(
        "{} at step {}, scored by {}{}.",
        report.family,
        report.step,
        report.estimate,
        if report.exact { " (exact)" } else { " (a bound or an estimate)" }
    ));
    let sets: Vec<&SetScores> = std::iter::once(&report.inside).chain(&report.sets).collect();
    egui::Grid::new("ood-table").striped(true).num_columns(6).show(ui, |ui| {
        for head in ["set", "images", "mean −log p(x), nats", "bits/dim", "AUROC raw", "AUROC corrected (Serrà)"] {
            ui.strong(head);
        }
        ui.end_row();
        for (i, set) in sets.iter().enumerate() {
            ui.colored_label(class_colour(i as u8), if i == 0 { format!("{} (in)", set.name) } else { set.name.clone() })
                .on_hover_text(&set.source);
            ui.label(set.n.to_string());
            ui.label(format!("{:.1}", set.mean_nll_nats));
            ui.label(format!("{:.3}", set.bits_per_dim));
            ui.label(fmt_auroc(set.auroc_raw));
            ui.label(fmt_auroc(set.auroc_corrected));
            ui.end_row();
        }
    });
    let fooled: Vec<&str> = report.sets.iter().filter(|s| s.auroc_raw.is_some_and(|a| a < 0.5)).map(|s| s.name.as_str()).collect();
    if !fooled.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "The model finds {} more likely than its own test images (AUROC below 0.5): the surprise of Nalisnick \
                 et al. 2019.",
                fooled.join(", ")
            ),
        );
    }
    let test_mean = report.inside.mean_nll_nats;
    for set in report.sets.iter().filter(|s| s.mean_nll_nats < test_mean && s.auroc_raw.is_some_and(|a| a >= 0.5)) {
        ui.label(format!(
            "On average the model gives {} a higher likelihood than its own test images ({:.1} against {:.1} nats), but \
             the scores overlap so much that ranking by them still puts a {} image above a test image {:.0}% of the time.",
            set.name,
            set.mean_nll_nats,
            test_mean,
            set.name,
            100.0 * set.auroc_raw.unwrap_or(0.5)
        ));
    }
    egui::CollapsingHeader::new("What these numbers and plots mean").default_open(true).show(ui, |ui| {
        ui.label(
            "AUROC: the chance that an image of the other set gets a higher score than a test image. 1 separates the \
             sets perfectly, 0.5 is a coin toss, below 0.5 the model likes the other set better than its own data.",
        );
        ui.label(
            "Why that happens: −log p(x) is dominated by how simple an image is. Black background is cheap to \
             predict, so digits (more background) and constant images can score better than clothes, even under a \
             model that never saw one (Nalisnick et al. 2019). The corrected score subtracts the image's length in \
             bits as a PNG, a universal estimate of its complexity (Serrà et al. 2020): what is left is how much \
             better the model does than a generic compressor.",
        );
        ui.label(
            "Histogram: each set's scores on one axis (density per bin). ROC: for every threshold, the share of the \
             other set flagged (true positive rate) against the share of test images flagged (false positive rate).",
        );
    });
    ui.horizontal(|ui| {
        ui.label("Score shown:");
        ui.selectable_value(corrected, false, "raw −log p(x) (nats)");
        ui.selectable_value(corrected, true, "corrected −log₂ p(x) − L(x) (bits)");
    });
    let score = |s: &ExampleScore| if *corrected { s.corrected_bits } else { s.nll_nats };
    let width = ui.available_width().min(1100.0);
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.strong("Scores of each set");
            Plot::new("ood-histogram")
                .width(width * 0.55)
                .height(260.0)
                .legend(Legend::default())
                .x_axis_label(if *corrected {
                    "corrected score (bits): higher = less typical"
                } else {
                    "−log p(x) (nats): higher = less typical"
                })
                .allow_scroll(false)
                .show(ui, |plot| {
                    let all: Vec<f64> = sets.iter().flat_map(|s| s.scores.iter().map(score)).filter(|v| v.is_finite()).collect();
                    let (lo, hi) = all.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
                    if !(lo < hi) {
                        return;
                    }
                    let bin = (hi - lo) / BINS as f64;
                    for (i, set) in sets.iter().enumerate() {
                        let mut counts = [0usize; BINS];
                        let values: Vec<f64> = set.scores.iter().map(score).filter(|v| v.is_finite()).collect();
                        for v in &values {
                            counts[(((v - lo) / bin) as usize).min(BINS - 1)] += 1;
                        }
                        let total = values.len().max(1) as f64;
                        let mut points = Vec::with_capacity(2 * BINS + 2);
                        for (b, &c) in counts.iter().enumerate() {
                            let (x0, x1, y) = (lo + b as f64 * bin, lo + (b + 1) as f64 * bin, c as f64 / (total * bin));
                            points.push([x0, y]);
                            points.push([x1, y]);
                        }
                        plot.line(Line::new(set.name.clone(), PlotPoints::from(points)).color(class_colour(i as u8)).width(1.5));
                    }
                    if let Some(d) = drawing {
                        let x = if *corrected { d.score.corrected_bits } else { d.score.nll_nats };
                        plot.vline(VLine::new("your drawing", x).style(LineStyle::dashed_loose()).color(egui::Color32::WHITE).width(2.0));
                    }
                });
        });
        ui.vertical(|ui| {
            ui.strong("ROC against the test images");
            Plot::new("ood-roc")
                .width(width * 0.4)
                .height(260.0)
                .data_aspect(1.0)
                .include_x(0.0)
                .include_x(1.0)
                .include_y(1.0)
                .legend(Legend::default())
                .x_axis_label("false positive rate")
                .y_axis_label("true positive rate")
                .allow_scroll(false)
                .show(ui, |plot| {
                    plot.line(
                        Line::new("chance", PlotPoints::from(vec![[0.0, 0.0], [1.0, 1.0]]))
                            .style(LineStyle::dotted_dense())
                            .color(egui::Color32::GRAY),
                    );
                    for (i, _) in report.sets.iter().enumerate() {
                        let Ok(points) = report.roc(i, *corrected) else { continue };
                        let line: Vec<[f64; 2]> = points.iter().map(|p| [p.fpr, p.tpr]).collect();
                        plot.line(
                            Line::new(report.sets[i].name.clone(), PlotPoints::from(line)).color(class_colour(i as u8 + 1)).width(1.5),
                        );
                    }
                });
        });
    });
    ui.strong("Most and least typical images of each set (by −log p(x))");
    egui::Grid::new("ood-extremes").num_columns(3).show(ui, |ui| {
        ui.label("");
        ui.label("most typical (lowest −log p(x))");
        ui.label("least typical (highest)");
        ui.end_row();
        for (set, (most, least)) in sets.iter().zip(&shown.grids) {
            ui.label(&set.name);
            let range = |v: &[(usize, f64, Vec<f32>)]| match (v.first(), v.last()) {
                (Some(a), Some(b)) => format!("{:.0}…{:.0} nats", a.1, b.1),
                _ => String::new(),
            };
            let cell = 28.0 * 1.5 * set.extremes.most_typical.len().max(1) as f32;
            let shown_most = most.ui(ui, cell, "—");
            if let Some(r) = shown_most {
                r.on_hover_text(range(&set.extremes.most_typical));
            }
            if let Some(r) = least.ui(ui, cell, "—") {
                r.on_hover_text(range(&set.extremes.least_typical));
            }
            ui.end_row();
        }
    });
}
