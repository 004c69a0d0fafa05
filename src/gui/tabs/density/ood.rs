//! "Is this input typical?": the out-of-distribution panel. Scores the model's own test images
//! and other sets by −log p(x) (`eval::ood::score_sets`, as `genlab ood` does), and shows each
//! set's score histogram on one axis, its ROC curve against the test images, the AUROC of the
//! raw score beside the input-complexity correction's, and each set's most and least typical
//! images.

use std::path::{Path, PathBuf};

use eframe::egui;

use crate::data::{DatasetId, ImageDatasetId};
use crate::eval::ood::{DEFAULT_EXAMPLES, ExampleScore, MAX_EXAMPLES, OodOptions, OodReport, OodSet, score_images, score_sets};
use crate::train::checkpoint::read_progress;

use super::super::super::job::Job;
use super::super::super::tab::Shared;
use super::super::super::widgets::ImageGrid;
use super::PAD_SIDE;
use super::ood_results::{extreme_grids, results_ui};

/// Images per set unless the user changes it: enough for a steady AUROC, and a PixelCNN scores
/// them in well under a minute here.
const PANEL_EXAMPLES: usize = 500;
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
pub(super) struct DrawingScore {
    pub(super) score: ExampleScore,
    /// The fraction of test images with a higher raw −log p(x) (less typical than the drawing).
    pub(super) below: Option<f64>,
}

/// A report with its images on textures, ready to draw.
pub(super) struct Shown {
    pub(super) report: OodReport,
    pub(super) grids: Vec<(ImageGrid, ImageGrid)>,
    /// The histograms and ROC curves drawn, for the score shown (computed once, not per frame).
    pub(super) curves: Option<super::ood_results::Curves>,
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
                    self.shown = Some(Shown { report, grids, curves: None });
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
